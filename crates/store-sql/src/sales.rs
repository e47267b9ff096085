//! Sales: record (atomically, stock never negative), cancel once, read and list.

use crate::SqlStorage;
use crate::audit::audit_insert;
use crate::engine::{Connection, Engine};
use crate::idempotency::{SALE_KEYS, key_link};
use crate::ledger::{LedgerBatch, Movement, ledger_inserts};
use crate::rows::{HeldPriceRow, LineRow, PriceRow, SaleRow, assemble_sales, invariant};
use crate::statement::Statement;
use crate::write_batch::WriteBatch;
use chrono::{DateTime, NaiveDate, Utc};
use magasin_domain::audit::AuditAction;
use magasin_domain::ledger::{LedgerReason, SourceDocument};
use magasin_domain::paging::CursorPage;
use magasin_domain::sales::{
    PaymentTotal, RecordedSale, Sale, SaleLine, SaleQuery, SaleStatus, ValidSale, sale_total, settle,
};
use magasin_domain::stock::Location;
use magasin_domain::{Money, ProductId, SaleId, StorageError, StorageResult, StoreId, WriteContext};
use std::collections::{BTreeMap, HashMap};

const SALE_COLUMNS: &str = "SELECT v.id, v.magasin_id, m.nom AS magasin_nom, v.date_vente, v.total_cents, v.statut,
    v.date_annulation, v.acteur, v.annulee_par, v.mode_paiement, v.montant_remis_cents, v.rendu_cents
    FROM sales v JOIN stores m ON m.id = v.magasin_id";

/// Quantity and amount sold (or returned) per product id.
pub(crate) type Sums = BTreeMap<i64, (i64, i64)>;

/// A pair of kept aggregates: all-time per store and product, and per store, day and product.
pub(crate) struct KeptSums {
    pub totals: &'static str,
    pub daily: &'static str,
}

/// What sales sold.
pub(crate) const SOLD: KeptSums = KeptSums { totals: "sales_totals", daily: "sales_daily" };
/// What returns took back.
pub(crate) const RETURNED: KeptSums = KeptSums { totals: "returns_totals", daily: "returns_daily" };

fn too_large() -> StorageError {
    StorageError::Conflict("The sale total is too large.".into())
}

/// Quantity and amount per product over the lines (a product may appear on several lines),
/// in product order: the order in which rows are locked.
fn per_product(lignes: &[SaleLine]) -> StorageResult<Sums> {
    let mut sums = Sums::new();
    for line in lignes {
        let amount = line.prix_unitaire.times(line.quantite).ok_or_else(too_large)?;
        let entry = sums.entry(line.produit.0).or_default();
        entry.0 = entry.0.checked_add(line.quantite).ok_or_else(too_large)?;
        entry.1 = entry.1.checked_add(amount.0).ok_or_else(too_large)?;
    }
    Ok(sums)
}

/// The statements adding per-product sums to a pair of kept aggregates (all-time, then the
/// day's), rows taken in product order.
pub(crate) fn aggregate_upserts(kept: &KeptSums, store: StoreId, jour: NaiveDate, sums: &Sums) -> [Statement; 2] {
    let KeptSums { totals, daily } = kept;
    let mut all_time =
        Statement::new(&format!("INSERT INTO {totals} (magasin_id, produit_id, quantite, montant_cents) VALUES "));
    all_time.bind_rows(sums.iter().map(|(p, (q, a))| [store.0.into(), (*p).into(), (*q).into(), (*a).into()]));
    all_time.push(&format!(
        " ON CONFLICT (magasin_id, produit_id) DO UPDATE SET
             quantite = {totals}.quantite + excluded.quantite,
             montant_cents = {totals}.montant_cents + excluded.montant_cents"
    ));
    let mut per_day =
        Statement::new(&format!("INSERT INTO {daily} (magasin_id, jour, produit_id, quantite, montant_cents) VALUES "));
    per_day
        .bind_rows(sums.iter().map(|(p, (q, a))| [store.0.into(), jour.into(), (*p).into(), (*q).into(), (*a).into()]));
    per_day.push(&format!(
        " ON CONFLICT (magasin_id, jour, produit_id) DO UPDATE SET
             quantite = {daily}.quantite + excluded.quantite,
             montant_cents = {daily}.montant_cents + excluded.montant_cents"
    ));
    [all_time, per_day]
}

impl<E: Engine> SqlStorage<E> {
    /// The lines of several sales, in one query, ordered by sale then line.
    async fn load_lines(conn: &mut Connection<E>, sale_ids: &[i64]) -> StorageResult<Vec<LineRow>> {
        if sale_ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut select = Statement::new(
            "SELECT l.vente_id, l.produit_id, p.nom AS produit_nom, l.quantite, l.prix_unitaire_cents
             FROM sale_lines l JOIN products p ON p.id = l.produit_id WHERE l.vente_id IN (",
        );
        select.bind_list(sale_ids.iter().copied()).push(") ORDER BY l.vente_id, l.id");
        Self::all(conn, &select).await
    }

    async fn fetch_sale(conn: &mut Connection<E>, id: SaleId) -> StorageResult<Sale> {
        let row: Option<SaleRow> =
            Self::optional(conn, &Statement::new(&format!("{SALE_COLUMNS} WHERE v.id = $1")).value(id.0)).await?;
        let row = row.ok_or(StorageError::not_found("sale", id.0))?;
        let lines = Self::load_lines(conn, &[id.0]).await?;
        assemble_sales(vec![row], lines)?.pop().ok_or(StorageError::not_found("sale", id.0))
    }

    pub(crate) async fn sale(&self, id: SaleId) -> StorageResult<Sale> {
        let mut conn = self.reader.acquire().await?;
        Self::fetch_sale(&mut conn, id).await
    }

    pub(crate) async fn sales_page(&self, query: &SaleQuery) -> StorageResult<CursorPage<Sale>> {
        let mut select = Statement::new(SALE_COLUMNS);
        select.push(" WHERE v.id < ").bind(query.cursor.before_or_max());
        if let Some(store) = query.magasin {
            select.push(" AND v.magasin_id = ").bind(store.0);
        }
        if let Some(from) = query.from {
            select.push(" AND v.jour >= ").bind(from);
        }
        if let Some(to) = query.to {
            select.push(" AND v.jour <= ").bind(to);
        }
        select.push(" ORDER BY v.id DESC").limit(query.cursor.fetch_limit());
        let mut conn = self.reader.acquire().await?;
        let rows: Vec<SaleRow> = Self::all(&mut conn, &select).await?;
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let lines = Self::load_lines(&mut conn, &ids).await?;
        let sales = assemble_sales(rows, lines)?;
        Ok(CursorPage::from_rows(sales, query.cursor, |s| s.id.0))
    }

    /// The sale's lines with each product's name and current price, in the order given, the
    /// store's stock of each product (quantity and reserve, missing: none held) and the minimum
    /// of its automatic reordering rule, in one statement that locks the stock rows in product
    /// order where the engine locks rows, so two sales cannot deadlock. A product the store
    /// holds no row of is read from the catalogue alone (unknown: not found).
    ///
    /// The same statement reads whether the store's till is closed for the sale's day (refused:
    /// day closed). It runs after the store's row is taken (`lock_store`): on PostgreSQL it then
    /// sees a close that committed while this transaction waited for that row.
    async fn price_and_hold(
        conn: &mut Connection<E>,
        sale: &ValidSale,
        store_name: &str,
    ) -> StorageResult<(Vec<SaleLine>, HashMap<i64, HeldPriceRow>)> {
        let jour = sale.at.date_naive();
        let mut select = Statement::new(
            "SELECT s.produit_id, s.quantite, s.reserve, p.nom, p.prix_cents, r.seuil_min AS seuil_auto,
                    (SELECT MIN(c.jour) FROM day_closings c WHERE c.magasin_id = ",
        );
        select.bind(sale.magasin.0).push(" AND c.jour = ").bind(jour).push(
            ") AS jour_ferme
             FROM store_stock s JOIN products p ON p.id = s.produit_id
             LEFT JOIN reorder_rules r ON r.magasin_id = s.magasin_id AND r.produit_id = s.produit_id
                                      AND r.mode = 'automatique'
             WHERE s.magasin_id = ",
        );
        select.bind(sale.magasin.0).push(" AND s.produit_id IN (").bind_list(sale.lignes.iter().map(|l| l.produit.0));
        select.push(") ORDER BY s.produit_id");
        if !E::DIALECT.for_update.is_empty() {
            select.push(E::DIALECT.for_update).push(" OF s");
        }
        let rows: Vec<HeldPriceRow> = Self::all(conn, &select).await?;
        let closed = match rows.first() {
            Some(row) => row.jour_ferme,
            None => Self::closed_day(conn, sale.magasin, &[jour]).await?,
        };
        Self::refuse_closed(sale.magasin, store_name, closed)?;
        let held: HashMap<i64, HeldPriceRow> = rows.into_iter().map(|r| (r.produit_id, r)).collect();
        let unheld: Vec<i64> = sale.lignes.iter().map(|l| l.produit.0).filter(|id| !held.contains_key(id)).collect();
        let mut catalogue: HashMap<i64, PriceRow> = HashMap::new();
        if !unheld.is_empty() {
            let mut select = Statement::new("SELECT id, nom, prix_cents FROM products WHERE id IN (");
            select.bind_list(unheld.iter().copied()).push(")");
            let rows: Vec<PriceRow> = Self::all(conn, &select).await?;
            catalogue.extend(rows.into_iter().map(|r| (r.id, r)));
        }
        let lignes = sale
            .lignes
            .iter()
            .map(|line| {
                let id = line.produit.0;
                let (nom, prix_cents) = match (held.get(&id), catalogue.get(&id)) {
                    (Some(h), _) => (&h.nom, h.prix_cents),
                    (None, Some(p)) => (&p.nom, p.prix_cents),
                    (None, None) => return Err(StorageError::not_found("product", id)),
                };
                Ok(SaleLine {
                    produit: line.produit,
                    produit_nom: nom.clone(),
                    quantite: line.quantite,
                    prix_unitaire: Money(prix_cents),
                })
            })
            .collect::<StorageResult<Vec<SaleLine>>>()?;
        Ok((lignes, held))
    }

    /// Checks every product has enough of the stock `held` (locked by [`Self::price_and_hold`])
    /// beside what prepared transfers reserve. Returns the statement decrementing it (answering
    /// one row per product it decremented) and the quantities before the sale.
    fn take_stock(
        store: StoreId,
        lignes: &[SaleLine],
        sums: &Sums,
        held: &HashMap<i64, HeldPriceRow>,
    ) -> StorageResult<(Statement, HashMap<i64, i64>)> {
        for line in lignes {
            let requested = sums.get(&line.produit.0).map_or(line.quantite, |(q, _)| *q);
            let available = held.get(&line.produit.0).map_or(0, |r| r.quantite - r.reserve);
            if available < requested {
                return Err(StorageError::InsufficientStock {
                    product: line.produit,
                    product_name: line.produit_nom.clone(),
                    requested,
                    available,
                });
            }
        }
        let mut update =
            Statement::new("UPDATE store_stock SET quantite = store_stock.quantite - u.column2 FROM (VALUES ");
        update.bind_rows(sums.iter().map(|(p, (q, _))| [(*p).into(), (*q).into()]));
        update.push(") AS u WHERE store_stock.magasin_id = ").bind(store.0);
        update.push(
            " AND store_stock.produit_id = u.column1 AND store_stock.quantite - store_stock.reserve >= u.column2",
        );
        update.push(" RETURNING store_stock.produit_id");
        Ok((update, held.iter().map(|(p, r)| (*p, r.quantite)).collect()))
    }

    /// Decrements the stock (`take`, from [`Self::take_stock`]) and inserts the sale's row
    /// (`insert`), answering its id and time: chained into one statement where the engine
    /// chains writes (they touch different rows), one after the other elsewhere. Every product
    /// must be decremented: its row is locked, so anything else is a broken invariant.
    async fn take_and_insert(
        conn: &mut Connection<E>,
        take: Statement,
        mut insert: Statement,
        products: usize,
    ) -> StorageResult<(i64, DateTime<Utc>)> {
        let (sale_id, date_vente, taken) = if E::DIALECT.chains_writes {
            let mut chained = Statement::new("WITH taken AS (");
            chained.append(&take).push(") ").append(&insert);
            chained.push(" RETURNING id, date_vente, (SELECT COUNT(*) FROM taken)");
            let (id, at, taken): (i64, DateTime<Utc>, i64) = Self::one(conn, &chained).await?;
            (id, at, usize::try_from(taken).unwrap_or(0))
        } else {
            let taken: Vec<(i64,)> = Self::all(conn, &take).await?;
            let (id, at): (i64, DateTime<Utc>) = Self::one(conn, insert.push(" RETURNING id, date_vente")).await?;
            (id, at, taken.len())
        };
        if taken != products {
            return Err(invariant(format!("locked stock rows changed: {taken} of {products} updated")));
        }
        Ok((sale_id, date_vente))
    }

    /// Adds per-product sums to a pair of kept aggregates, rows taken in product order.
    pub(crate) async fn add_to_aggregates(
        conn: &mut Connection<E>,
        kept: &KeptSums,
        store: StoreId,
        jour: NaiveDate,
        sums: &Sums,
    ) -> StorageResult<()> {
        Self::execute_all(conn, aggregate_upserts(kept, store, jour, sums)).await
    }

    /// Takes a cancelled sale's sums back out of the aggregates (the sale created their rows),
    /// with plain updates: SQLite checks an upsert's proposed row against the CHECK constraints.
    /// Where the engine locks rows, they are locked in product order first, as every other
    /// writer takes them.
    async fn remove_from_aggregates(
        conn: &mut Connection<E>,
        store: StoreId,
        jour: NaiveDate,
        sums: &Sums,
    ) -> StorageResult<()> {
        for (table, day) in [("sales_totals", None), ("sales_daily", Some(jour))] {
            let day_filter = |s: &mut Statement, column: &str| {
                if let Some(day) = day {
                    s.push(&format!(" AND {column} = ")).bind(day);
                }
            };
            if !E::DIALECT.for_update.is_empty() {
                let mut lock = Statement::new(&format!("SELECT produit_id FROM {table} WHERE magasin_id = "));
                lock.bind(store.0);
                day_filter(&mut lock, "jour");
                lock.push(" AND produit_id IN (").bind_list(sums.keys().copied());
                lock.push(") ORDER BY produit_id").push(E::DIALECT.for_update);
                Self::execute(conn, &lock).await?;
            }
            let mut update = Statement::new(&format!(
                "UPDATE {table} SET quantite = {table}.quantite - u.column2,
                     montant_cents = {table}.montant_cents - u.column3
                 FROM (VALUES "
            ));
            update.bind_rows(sums.iter().map(|(p, (q, a))| [(*p).into(), (*q).into(), (*a).into()]));
            update.push(&format!(") AS u WHERE {table}.magasin_id = ")).bind(store.0);
            day_filter(&mut update, &format!("{table}.jour"));
            update.push(&format!(" AND {table}.produit_id = u.column1"));
            Self::execute(conn, &update).await?;
        }
        Ok(())
    }

    pub(crate) async fn insert_sale(&self, sale: &ValidSale, ctx: &WriteContext) -> StorageResult<RecordedSale> {
        let mut tx = self.writer.begin().await?;
        // A concurrent request with the same key waits on the claim: when the first commits, it
        // replays its sale; when the first rolls back (not enough stock), it claims the key itself.
        if let Some(key) = &sale.idempotency
            && let Some(id) = Self::claim_key(&mut tx, &SALE_KEYS, key, ctx).await?
        {
            let sale = Self::fetch_sale(&mut tx, SaleId(id)).await?;
            return Ok(RecordedSale { sale, replayed: true, below_automatic_minimum: Vec::new() });
        }
        let magasin_nom = Self::lock_store(&mut tx, sale.magasin, E::DIALECT.for_share).await?;
        let (lignes, held) = Self::price_and_hold(&mut tx, sale, &magasin_nom).await?;
        let total = sale_total(&lignes).map_err(StorageError::Invalid)?.0;
        let paiement = sale.paiement.map(|p| settle(&p, Money(total))).transpose().map_err(StorageError::Invalid)?;
        let sums = per_product(&lignes)?;
        let (take, mut balance) = Self::take_stock(sale.magasin, &lignes, &sums, &held)?;

        let jour = sale.at.date_naive();
        let insert = Statement::new(
            "INSERT INTO sales (magasin_id, date_vente, jour, total_cents, statut, acteur, mode_paiement,
                                montant_remis_cents, rendu_cents)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .value(sale.magasin.0)
        .value(sale.at)
        .value(jour)
        .value(total)
        .value(SaleStatus::Recorded.as_str())
        .value(ctx.actor.as_str())
        .value(paiement.map(|p| p.mode.as_str()))
        .value(paiement.and_then(|p| p.montant_remis).map(|m| m.0))
        .value(paiement.and_then(|p| p.rendu).map(|m| m.0));
        let (sale_id, date_vente) = Self::take_and_insert(&mut tx, take, insert, sums.len()).await?;
        // Everything else the sale writes touches rows of its own (its lines, its ledger rows, the
        // aggregates' rows, its key, its audit row): one batch, one round trip on PostgreSQL.
        let mut writes = WriteBatch::default();
        let mut insert =
            Statement::new("INSERT INTO sale_lines (vente_id, produit_id, quantite, prix_unitaire_cents) VALUES ");
        insert.bind_rows(
            lignes.iter().map(|l| [sale_id.into(), l.produit.0.into(), l.quantite.into(), l.prix_unitaire.0.into()]),
        );
        writes.push(insert);

        let mut ledger = LedgerBatch::new(ctx);
        for line in &lignes {
            let solde = balance.entry(line.produit.0).or_default();
            *solde -= line.quantite;
            ledger.push(Movement {
                location: Location::Store(sale.magasin),
                produit: line.produit,
                quantite: -line.quantite,
                solde: *solde,
                motif: LedgerReason::Sale,
                document: Some(SourceDocument::Sale(SaleId(sale_id))),
            });
        }
        writes.extend(ledger_inserts::<E>(ledger));
        writes.extend(aggregate_upserts(&SOLD, sale.magasin, jour, &sums));
        if let Some(key) = &sale.idempotency {
            writes.push(key_link(&SALE_KEYS, key, sale_id));
        }
        let recorded = Sale {
            id: SaleId(sale_id),
            magasin: sale.magasin,
            magasin_nom,
            date_vente,
            total: Money(total),
            statut: SaleStatus::Recorded,
            date_annulation: None,
            lignes,
            acteur: ctx.actor.clone(),
            annulee_par: None,
            paiement,
        };
        let summary = serde_json::json!({"magasin": recorded.magasin.0, "total": recorded.total.to_string()});
        writes.push(audit_insert(ctx, AuditAction::SaleRecorded, sale_id, None, Some(summary)));
        Self::run_batch(&mut tx, writes).await?;
        tx.commit().await.map_err(E::map_error)?;
        let below_automatic_minimum = held
            .values()
            .filter(|h| {
                h.seuil_auto.is_some_and(|minimum| balance.get(&h.produit_id).is_some_and(|after| *after < minimum))
            })
            .map(|h| ProductId(h.produit_id))
            .collect();
        Ok(RecordedSale { sale: recorded, replayed: false, below_automatic_minimum })
    }

    /// A store's sales of one day by payment method (cancelled ones left out), through the
    /// store-day index: the day's sales, never the history.
    pub(crate) async fn payments_of_day(&self, store: StoreId, day: NaiveDate) -> StorageResult<Vec<PaymentTotal>> {
        let mut conn = self.reader.acquire().await?;
        Self::fetch_store(&mut conn, store).await?;
        Self::fetch_payments(&mut conn, store, day).await
    }

    pub(crate) async fn cancel(&self, id: SaleId, ctx: &WriteContext) -> StorageResult<Sale> {
        let mut tx = self.writer.begin().await?;
        let update = Statement::new(
            "UPDATE sales SET statut = $1, date_annulation = $2, annulee_par = $5 WHERE id = $3 AND statut = $4
                 AND retours = 0
             RETURNING magasin_id, jour",
        )
        .value(SaleStatus::Cancelled.as_str())
        .value(ctx.at)
        .value(id.0)
        .value(SaleStatus::Recorded.as_str())
        .value(ctx.actor.as_str());
        let cancelled: Option<(i64, NaiveDate)> = Self::optional(&mut tx, &update).await?;
        let sale = Self::fetch_sale(&mut tx, id).await?;
        let Some((store, jour)) = cancelled else {
            if sale.statut == SaleStatus::Cancelled {
                return Err(StorageError::Conflict(format!("Sale {id} is already cancelled.")));
            }
            return Err(StorageError::Conflict(format!(
                "Sale {id} has returns: its remaining goods are returned, it can no longer be cancelled."
            )));
        };
        let store = StoreId(store);
        // The sale's day and today: a cancel changes both.
        Self::check_day_open(&mut tx, store, &[jour, ctx.at.date_naive()]).await?;
        let sums = per_product(&sale.lignes)?;
        let lines: Vec<(ProductId, i64)> = sale.lignes.iter().map(|l| (l.produit, l.quantite)).collect();
        Self::put_back(&mut tx, store, &lines, LedgerReason::SaleCancelled, SourceDocument::Sale(id), ctx).await?;
        Self::remove_from_aggregates(&mut tx, store, jour, &sums).await?;
        Self::audit(&mut tx, ctx, AuditAction::SaleCancelled, id.0, None, None).await?;
        tx.commit().await.map_err(E::map_error)?;
        Ok(sale)
    }
}
