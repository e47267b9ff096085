//! Loading a data set into an empty database, and importing sales history in batches.

use crate::SqlStorage;
use crate::engine::{Connection, Engine};
use crate::ledger::{LedgerBatch, Movement};
use crate::statement::{Statement, Value};
use chrono::NaiveDate;
use magasin_domain::catalogue::search_key;
use magasin_domain::ledger::LedgerReason;
use magasin_domain::sales::{MAX_SALE_TOTAL, SaleStatus};
use magasin_domain::seed::{Dataset, HistoricLine, HistoricSale};
use magasin_domain::stock::Location;
use magasin_domain::validation::{ValidationCode, ValidationErrors};
use magasin_domain::{StorageError, StorageResult, WriteContext};
use std::collections::BTreeMap;

fn amount_too_large() -> StorageError {
    StorageError::Conflict("An imported sale's amount is too large.".into())
}

/// Per (store, product) and per (store, day, product): quantity and amount. Ordered maps, so
/// the upserts take their rows in key order, as the live writers do.
#[derive(Default)]
struct BatchAggregates {
    totals: BTreeMap<(i64, i64), (i64, i64)>,
    daily: BTreeMap<(i64, NaiveDate, i64), (i64, i64)>,
}

impl BatchAggregates {
    fn add(&mut self, store: i64, jour: NaiveDate, line: &HistoricLine, amount: i64) -> StorageResult<()> {
        for entry in [
            self.totals.entry((store, line.produit.0)).or_default(),
            self.daily.entry((store, jour, line.produit.0)).or_default(),
        ] {
            entry.0 = entry.0.checked_add(line.quantite).ok_or_else(amount_too_large)?;
            entry.1 = entry.1.checked_add(amount).ok_or_else(amount_too_large)?;
        }
        Ok(())
    }
}

impl<E: Engine> SqlStorage<E> {
    /// Stores, products, stock and their opening ledger entries (one per non-zero quantity,
    /// warehouse first), in one transaction.
    pub(crate) async fn load(&self, d: &Dataset, ctx: &WriteContext) -> StorageResult<()> {
        let mut tx = self.writer.begin().await?;
        let stores =
            d.stores.iter().map(|s| vec![s.id.0.into(), s.nom.as_str().into(), s.adresse.as_str().into()]).collect();
        Self::insert_rows(&mut tx, "INSERT INTO stores (id, nom, adresse) VALUES ", "", 3, stores).await?;
        let products = d
            .products
            .iter()
            .map(|p| {
                vec![
                    p.id.0.into(),
                    p.nom.as_str().into(),
                    search_key(&p.nom).into(),
                    p.categorie.as_str().into(),
                    search_key(&p.categorie).into(),
                    p.prix.0.into(),
                    p.description.as_deref().into(),
                    p.sku.as_deref().into(),
                    p.code_barres.as_deref().into(),
                ]
            })
            .collect();
        Self::insert_rows(
            &mut tx,
            "INSERT INTO products (id, nom, nom_key, categorie, categorie_key, prix_cents, description, sku, code_barres)
             VALUES ",
            "",
            9,
            products,
        )
        .await?;
        let warehouse = d.warehouse.iter().map(|(p, q)| vec![p.0.into(), (*q).into()]).collect();
        Self::insert_rows(&mut tx, "INSERT INTO warehouse_stock (produit_id, quantite) VALUES ", "", 2, warehouse)
            .await?;
        let local = d.local.iter().map(|(s, p, q)| vec![s.0.into(), p.0.into(), (*q).into()]).collect();
        Self::insert_rows(&mut tx, "INSERT INTO store_stock (magasin_id, produit_id, quantite) VALUES ", "", 3, local)
            .await?;
        let counted =
            "UPDATE stores SET stock_rows = (SELECT COUNT(*) FROM store_stock s WHERE s.magasin_id = stores.id)";
        Self::execute(&mut tx, &Statement::new(counted)).await?;

        let mut ledger = LedgerBatch::new(ctx);
        let opening = d
            .warehouse
            .iter()
            .map(|(p, q)| (Location::Warehouse, *p, *q))
            .chain(d.local.iter().map(|(s, p, q)| (Location::Store(*s), *p, *q)))
            .filter(|(_, _, q)| *q != 0);
        for (location, produit, quantite) in opening {
            ledger.push(Movement {
                location,
                produit,
                quantite,
                solde: quantite,
                motif: LedgerReason::Opening,
                document: None,
            });
        }
        Self::append_ledger(&mut tx, ledger).await?;
        E::follow_explicit_ids(&mut tx).await?;
        tx.commit().await.map_err(E::map_error)
    }

    /// One transaction per batch: the engine writes the sales and lines its fastest way, and
    /// the batch's aggregates are summed in Rust and upserted in as few statements as the bind
    /// limit allows. History moves no stock and writes no ledger.
    pub(crate) async fn import_history(&self, sales: &[HistoricSale]) -> StorageResult<u64> {
        if sales.is_empty() {
            return Ok(0);
        }
        let mut totals = Vec::with_capacity(sales.len());
        let mut aggregates = BatchAggregates::default();
        for sale in sales {
            let jour = sale.date_vente.date_naive();
            let mut total = 0i64;
            for line in &sale.lignes {
                let amount = line.prix_unitaire.times(line.quantite).ok_or_else(amount_too_large)?.0;
                total = total.checked_add(amount).ok_or_else(amount_too_large)?;
                aggregates.add(sale.magasin.0, jour, line, amount)?;
            }
            if total > MAX_SALE_TOTAL.0 {
                return Err(StorageError::Invalid(ValidationErrors::single(
                    "lignes",
                    ValidationCode::SaleTotalTooHigh { max: MAX_SALE_TOTAL },
                )));
            }
            totals.push(total);
        }
        let mut tx = self.writer.begin().await?;
        let lines = E::insert_history(&mut tx, sales, &totals).await?;
        let totals = aggregates
            .totals
            .into_iter()
            .map(|((m, p), (q, a))| vec![m.into(), p.into(), q.into(), a.into()])
            .collect();
        Self::insert_rows(
            &mut tx,
            "INSERT INTO sales_totals (magasin_id, produit_id, quantite, montant_cents) VALUES ",
            " ON CONFLICT (magasin_id, produit_id) DO UPDATE SET
                 quantite = sales_totals.quantite + excluded.quantite,
                 montant_cents = sales_totals.montant_cents + excluded.montant_cents",
            4,
            totals,
        )
        .await?;
        let daily = aggregates
            .daily
            .into_iter()
            .map(|((m, j, p), (q, a))| vec![m.into(), j.into(), p.into(), q.into(), a.into()])
            .collect();
        Self::insert_rows(
            &mut tx,
            "INSERT INTO sales_daily (magasin_id, jour, produit_id, quantite, montant_cents) VALUES ",
            " ON CONFLICT (magasin_id, jour, produit_id) DO UPDATE SET
                 quantite = sales_daily.quantite + excluded.quantite,
                 montant_cents = sales_daily.montant_cents + excluded.montant_cents",
            5,
            daily,
        )
        .await?;
        tx.commit().await.map_err(E::map_error)?;
        Ok(lines)
    }

    /// Writes imported sales, with ids following the largest one, and their lines, in
    /// multi-row inserts: the way of an engine whose writers are serialized (no other writer
    /// can take those ids meanwhile). Returns the number of lines.
    pub async fn insert_history_rows(
        conn: &mut Connection<E>,
        sales: &[HistoricSale],
        totals: &[i64],
    ) -> StorageResult<u64> {
        let (last,): (Option<i64>,) = Self::one(conn, &Statement::new("SELECT MAX(id) FROM sales")).await?;
        let first = last.unwrap_or(0) + 1;
        let recorded = SaleStatus::Recorded.as_str();
        let rows = sales
            .iter()
            .zip(totals)
            .zip(first..)
            .map(|((sale, total), id)| {
                vec![
                    Value::from(id),
                    sale.magasin.0.into(),
                    sale.date_vente.into(),
                    sale.date_vente.date_naive().into(),
                    (*total).into(),
                    recorded.into(),
                ]
            })
            .collect();
        Self::insert_rows(
            conn,
            "INSERT INTO sales (id, magasin_id, date_vente, jour, total_cents, statut) VALUES ",
            "",
            6,
            rows,
        )
        .await?;
        let lines = sales
            .iter()
            .zip(first..)
            .flat_map(|(sale, id)| {
                sale.lignes
                    .iter()
                    .map(move |l| vec![id.into(), l.produit.0.into(), l.quantite.into(), l.prix_unitaire.0.into()])
            })
            .collect();
        let count = sales.iter().map(|s| s.lignes.len() as u64).sum();
        Self::insert_rows(
            conn,
            "INSERT INTO sale_lines (vente_id, produit_id, quantite, prix_unitaire_cents) VALUES ",
            "",
            4,
            lines,
        )
        .await?;
        Ok(count)
    }
}
