//! Loading a data set into an empty database, and importing sales history in fast batches.

use crate::errors::{begin, map_error};
use chrono::NaiveDate;
use magasin_domain::catalogue::search_key;
use magasin_domain::ledger::LedgerReason;
use magasin_domain::sales::SaleStatus;
use magasin_domain::seed::{Dataset, HistoricLine, HistoricSale};
use magasin_domain::{StorageError, StorageResult, WriteContext};
use sqlx::postgres::PgCopyIn;
use sqlx::{PgConnection, PgPool};
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Moves the identity sequences of the tables seeded with explicit ids past those ids, so that
/// later inserts do not collide with them.
async fn reset_sequences(conn: &mut PgConnection) -> StorageResult<()> {
    for table in ["stores", "products"] {
        sqlx::query(&format!(
            "SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE(MAX(id), 1), MAX(id) IS NOT NULL)
             FROM {table}"
        ))
        .execute(&mut *conn)
        .await
        .map_err(map_error)?;
    }
    Ok(())
}

pub async fn load_dataset(pool: &PgPool, d: &Dataset, ctx: &WriteContext) -> StorageResult<()> {
    let mut tx = begin(pool).await?;
    let ids: Vec<i64> = d.stores.iter().map(|s| s.id.0).collect();
    let noms: Vec<&str> = d.stores.iter().map(|s| s.nom.as_str()).collect();
    let adresses: Vec<&str> = d.stores.iter().map(|s| s.adresse.as_str()).collect();
    sqlx::query("INSERT INTO stores (id, nom, adresse) SELECT * FROM UNNEST($1::BIGINT[], $2::TEXT[], $3::TEXT[])")
        .bind(&ids)
        .bind(&noms)
        .bind(&adresses)
        .execute(&mut *tx)
        .await
        .map_err(map_error)?;

    let ids: Vec<i64> = d.products.iter().map(|p| p.id.0).collect();
    let noms: Vec<&str> = d.products.iter().map(|p| p.nom.as_str()).collect();
    let nom_keys: Vec<String> = d.products.iter().map(|p| search_key(&p.nom)).collect();
    let categories: Vec<&str> = d.products.iter().map(|p| p.categorie.as_str()).collect();
    let categorie_keys: Vec<String> = d.products.iter().map(|p| search_key(&p.categorie)).collect();
    let prix: Vec<i64> = d.products.iter().map(|p| p.prix.0).collect();
    let descriptions: Vec<Option<&str>> = d.products.iter().map(|p| p.description.as_deref()).collect();
    sqlx::query(
        "INSERT INTO products (id, nom, nom_key, categorie, categorie_key, prix_cents, description)
         SELECT * FROM UNNEST($1::BIGINT[], $2::TEXT[], $3::TEXT[], $4::TEXT[], $5::TEXT[], $6::BIGINT[], $7::TEXT[])",
    )
    .bind(&ids)
    .bind(&noms)
    .bind(&nom_keys)
    .bind(&categories)
    .bind(&categorie_keys)
    .bind(&prix)
    .bind(&descriptions)
    .execute(&mut *tx)
    .await
    .map_err(map_error)?;

    let produits: Vec<i64> = d.warehouse.iter().map(|(p, _)| p.0).collect();
    let quantites: Vec<i64> = d.warehouse.iter().map(|(_, q)| *q).collect();
    sqlx::query("INSERT INTO warehouse_stock (produit_id, quantite) SELECT * FROM UNNEST($1::BIGINT[], $2::BIGINT[])")
        .bind(&produits)
        .bind(&quantites)
        .execute(&mut *tx)
        .await
        .map_err(map_error)?;

    let magasins: Vec<i64> = d.local.iter().map(|(s, _, _)| s.0).collect();
    let produits: Vec<i64> = d.local.iter().map(|(_, p, _)| p.0).collect();
    let quantites: Vec<i64> = d.local.iter().map(|(_, _, q)| *q).collect();
    sqlx::query(
        "INSERT INTO store_stock (magasin_id, produit_id, quantite) SELECT * FROM UNNEST($1::BIGINT[], $2::BIGINT[], $3::BIGINT[])",
    )
    .bind(&magasins)
    .bind(&produits)
    .bind(&quantites)
    .execute(&mut *tx)
    .await
    .map_err(map_error)?;

    // Opening balances: one ledger row per non-zero quantity, warehouse first.
    let opening = d
        .warehouse
        .iter()
        .map(|(p, q)| (None, p.0, *q))
        .chain(d.local.iter().map(|(s, p, q)| (Some(s.0), p.0, *q)))
        .filter(|(_, _, q)| *q != 0);
    let (mut lieux, mut produits, mut quantites) = (Vec::new(), Vec::new(), Vec::new());
    for (lieu, produit, quantite) in opening {
        lieux.push(lieu);
        produits.push(produit);
        quantites.push(quantite);
    }
    sqlx::query(
        "INSERT INTO stock_ledger (magasin_id, produit_id, quantite, solde, motif, request_id, date)
         SELECT m, p, q, q, $4, $5, $6 FROM UNNEST($1::BIGINT[], $2::BIGINT[], $3::BIGINT[]) AS t(m, p, q)",
    )
    .bind(&lieux)
    .bind(&produits)
    .bind(&quantites)
    .bind(LedgerReason::Opening.as_str())
    .bind(ctx.request_id.as_deref())
    .bind(ctx.at)
    .execute(&mut *tx)
    .await
    .map_err(map_error)?;
    reset_sequences(&mut tx).await?;
    tx.commit().await.map_err(map_error)
}

/// Sends the COPY text in pieces of about this many bytes, so memory stays bounded.
const COPY_CHUNK_BYTES: usize = 1 << 20;

/// A `COPY … FROM STDIN` in text format, fed row by row and sent in bounded pieces.
struct CopyStream<'c> {
    copy: PgCopyIn<&'c mut PgConnection>,
    buffer: String,
}

impl<'c> CopyStream<'c> {
    async fn begin(conn: &'c mut PgConnection, statement: &str) -> StorageResult<Self> {
        let copy = conn.copy_in_raw(statement).await.map_err(map_error)?;
        Ok(Self { copy, buffer: String::with_capacity(COPY_CHUNK_BYTES + 1024) })
    }

    /// Where the next rows are written (tab-separated fields, one row per line).
    fn rows(&mut self) -> &mut String {
        &mut self.buffer
    }

    /// Sends what was written once it reaches the chunk size.
    async fn flush_when_full(&mut self) -> StorageResult<()> {
        if self.buffer.len() >= COPY_CHUNK_BYTES {
            self.copy.send(self.buffer.as_bytes()).await.map_err(map_error)?;
            self.buffer.clear();
        }
        Ok(())
    }

    /// Sends the rest and ends the copy; returns the number of rows copied.
    async fn finish(mut self) -> StorageResult<u64> {
        if !self.buffer.is_empty() {
            self.copy.send(self.buffer.as_bytes()).await.map_err(map_error)?;
        }
        self.copy.finish().await.map_err(map_error)
    }
}

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

    async fn upsert(self, conn: &mut PgConnection) -> StorageResult<()> {
        let (mut m, mut p, mut q, mut a) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for ((store, product), (quantite, montant)) in self.totals {
            m.push(store);
            p.push(product);
            q.push(quantite);
            a.push(montant);
        }
        sqlx::query(
            "INSERT INTO sales_totals (magasin_id, produit_id, quantite, montant_cents)
             SELECT * FROM UNNEST($1::BIGINT[], $2::BIGINT[], $3::BIGINT[], $4::BIGINT[])
             ON CONFLICT (magasin_id, produit_id) DO UPDATE SET
                 quantite = sales_totals.quantite + EXCLUDED.quantite,
                 montant_cents = sales_totals.montant_cents + EXCLUDED.montant_cents",
        )
        .bind(&m)
        .bind(&p)
        .bind(&q)
        .bind(&a)
        .execute(&mut *conn)
        .await
        .map_err(map_error)?;

        let (mut m, mut j, mut p, mut q, mut a) = (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for ((store, jour, product), (quantite, montant)) in self.daily {
            m.push(store);
            j.push(jour);
            p.push(product);
            q.push(quantite);
            a.push(montant);
        }
        sqlx::query(
            "INSERT INTO sales_daily (magasin_id, jour, produit_id, quantite, montant_cents)
             SELECT * FROM UNNEST($1::BIGINT[], $2::DATE[], $3::BIGINT[], $4::BIGINT[], $5::BIGINT[])
             ON CONFLICT (magasin_id, jour, produit_id) DO UPDATE SET
                 quantite = sales_daily.quantite + EXCLUDED.quantite,
                 montant_cents = sales_daily.montant_cents + EXCLUDED.montant_cents",
        )
        .bind(&m)
        .bind(&j)
        .bind(&p)
        .bind(&q)
        .bind(&a)
        .execute(&mut *conn)
        .await
        .map_err(map_error)?;
        Ok(())
    }
}

/// One transaction per batch: sale ids drawn from the sequence (so live sales never collide
/// with them), sales and lines streamed with `COPY`, and the batch's aggregates summed in Rust
/// and upserted with one statement per table. History moves no stock and writes no ledger.
pub async fn import_sales_history(pool: &PgPool, sales: &[HistoricSale]) -> StorageResult<u64> {
    if sales.is_empty() {
        return Ok(0);
    }
    let mut tx = begin(pool).await?;
    let count = i64::try_from(sales.len()).map_err(|_| amount_too_large())?;
    let sale_ids: Vec<i64> =
        sqlx::query_scalar("SELECT nextval(pg_get_serial_sequence('sales', 'id')) FROM generate_series(1, $1)")
            .bind(count)
            .fetch_all(&mut *tx)
            .await
            .map_err(map_error)?;

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
        totals.push(total);
    }

    let mut copy =
        CopyStream::begin(&mut tx, "COPY sales (id, magasin_id, date_vente, jour, total_cents, statut) FROM STDIN")
            .await?;
    for ((sale, id), total) in sales.iter().zip(&sale_ids).zip(&totals) {
        let _ = writeln!(
            copy.rows(),
            "{id}\t{}\t{}\t{}\t{total}\t{}",
            sale.magasin.0,
            sale.date_vente.format("%Y-%m-%d %H:%M:%S%.6f+00"),
            sale.date_vente.date_naive().format("%Y-%m-%d"),
            SaleStatus::Recorded.as_str(),
        );
        copy.flush_when_full().await?;
    }
    copy.finish().await?;

    let mut copy =
        CopyStream::begin(&mut tx, "COPY sale_lines (vente_id, produit_id, quantite, prix_unitaire_cents) FROM STDIN")
            .await?;
    for (sale, id) in sales.iter().zip(&sale_ids) {
        for line in &sale.lignes {
            let _ = writeln!(copy.rows(), "{id}\t{}\t{}\t{}", line.produit.0, line.quantite, line.prix_unitaire.0);
        }
        copy.flush_when_full().await?;
    }
    let lines = copy.finish().await?;
    aggregates.upsert(&mut tx).await?;
    tx.commit().await.map_err(map_error)?;
    Ok(lines)
}
