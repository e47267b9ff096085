//! Stores, stock levels, and the stock ledger (reads, discrepancies, and appending movements).

use crate::errors::map_error;
use crate::rows::{LedgerRow, StoreRow, location_of, store_column};
use chrono::{DateTime, Utc};
use magasin_domain::ledger::{LedgerDiscrepancy, LedgerEntry, LedgerQuery, LedgerReason, SourceDocument};
use magasin_domain::paging::{CursorPage, Page};
use magasin_domain::stock::{Location, StockItem, StockOrdering, StockQuery, StoreStockRow, WarehouseStockRow};
use magasin_domain::stores::Magasin;
use magasin_domain::{ProductId, StorageError, StorageResult, StoreId};
use sqlx::{QueryBuilder, Sqlite, SqliteConnection, SqlitePool};

pub async fn list_stores(pool: &SqlitePool) -> StorageResult<Vec<Magasin>> {
    let rows: Vec<StoreRow> =
        sqlx::query_as("SELECT id, nom, adresse FROM stores ORDER BY id").fetch_all(pool).await.map_err(map_error)?;
    Ok(rows.into_iter().map(Magasin::from).collect())
}

pub async fn get_store(pool: &SqlitePool, id: StoreId) -> StorageResult<Magasin> {
    let row: Option<StoreRow> = sqlx::query_as("SELECT id, nom, adresse FROM stores WHERE id = ?")
        .bind(id.0)
        .fetch_optional(pool)
        .await
        .map_err(map_error)?;
    row.map(Magasin::from).ok_or(StorageError::not_found("store", id.0))
}

pub async fn store_items(pool: &SqlitePool, store: StoreId) -> StorageResult<Vec<StockItem>> {
    get_store(pool, store).await?;
    let rows: Vec<(i64, String, i64)> = sqlx::query_as(
        "SELECT s.produit_id, p.nom, s.quantite FROM store_stock s JOIN products p ON p.id = s.produit_id
         WHERE s.magasin_id = ? ORDER BY s.produit_id",
    )
    .bind(store.0)
    .fetch_all(pool)
    .await
    .map_err(map_error)?;
    Ok(rows.into_iter().map(|(id, nom, quantite)| StockItem { produit_id: ProductId(id), nom, quantite }).collect())
}

/// Appends the filters of a stock query (the table is aliased `s`, products `p`).
fn push_filters(qb: &mut QueryBuilder<'_, Sqlite>, query: &StockQuery) {
    if let Some(name) = &query.name_contains {
        qb.push(" AND instr(p.nom_key, ").push_bind(name.clone()).push(") > 0");
    }
    if let Some(q) = query.quantite {
        qb.push(" AND s.quantite = ").push_bind(q);
    }
    if let Some(q) = query.quantite_gte {
        qb.push(" AND s.quantite >= ").push_bind(q);
    }
    if let Some(q) = query.quantite_lte {
        qb.push(" AND s.quantite <= ").push_bind(q);
    }
}

fn push_order_and_page(qb: &mut QueryBuilder<'_, Sqlite>, query: &StockQuery) {
    qb.push(match query.ordering {
        StockOrdering::NameAsc => " ORDER BY p.nom ASC, p.id ASC",
        StockOrdering::NameDesc => " ORDER BY p.nom DESC, p.id DESC",
        StockOrdering::QuantityAsc => " ORDER BY s.quantite ASC, p.id ASC",
        StockOrdering::QuantityDesc => " ORDER BY s.quantite DESC, p.id ASC",
    });
    qb.push(" LIMIT ").push_bind(query.page.limit()).push(" OFFSET ").push_bind(query.page.offset());
}

pub async fn store_page(pool: &SqlitePool, store: StoreId, query: &StockQuery) -> StorageResult<Page<StoreStockRow>> {
    let magasin = get_store(pool, store).await?;
    let mut count = QueryBuilder::<Sqlite>::new(
        "SELECT COUNT(*) FROM store_stock s JOIN products p ON p.id = s.produit_id WHERE s.magasin_id = ",
    );
    count.push_bind(store.0);
    push_filters(&mut count, query);
    let total: i64 = count.build_query_scalar().fetch_one(pool).await.map_err(map_error)?;

    let mut select = QueryBuilder::<Sqlite>::new(
        "SELECT s.id, s.produit_id, s.quantite, p.nom FROM store_stock s JOIN products p ON p.id = s.produit_id
         WHERE s.magasin_id = ",
    );
    select.push_bind(store.0);
    push_filters(&mut select, query);
    push_order_and_page(&mut select, query);
    let rows: Vec<(i64, i64, i64, String)> = select.build_query_as().fetch_all(pool).await.map_err(map_error)?;
    let items = rows
        .into_iter()
        .map(|(id, produit, quantite, produit_nom)| StoreStockRow {
            id,
            produit: ProductId(produit),
            magasin: store,
            quantite,
            produit_nom,
            magasin_nom: magasin.nom.clone(),
        })
        .collect();
    Ok(Page { count: u64::try_from(total).unwrap_or(0), items })
}

pub async fn warehouse_page(pool: &SqlitePool, query: &StockQuery) -> StorageResult<Page<WarehouseStockRow>> {
    let mut count = QueryBuilder::<Sqlite>::new(
        "SELECT COUNT(*) FROM warehouse_stock s JOIN products p ON p.id = s.produit_id WHERE 1 = 1",
    );
    push_filters(&mut count, query);
    let total: i64 = count.build_query_scalar().fetch_one(pool).await.map_err(map_error)?;
    let mut select = QueryBuilder::<Sqlite>::new(
        "SELECT s.produit_id, p.nom, s.quantite FROM warehouse_stock s JOIN products p ON p.id = s.produit_id WHERE 1 = 1",
    );
    push_filters(&mut select, query);
    push_order_and_page(&mut select, query);
    let rows: Vec<(i64, String, i64)> = select.build_query_as().fetch_all(pool).await.map_err(map_error)?;
    let items = rows
        .into_iter()
        .map(|(produit, produit_nom, quantite)| WarehouseStockRow {
            produit: ProductId(produit),
            produit_nom,
            quantite,
        })
        .collect();
    Ok(Page { count: u64::try_from(total).unwrap_or(0), items })
}

const LEDGER_COLUMNS: &str =
    "SELECT l.id, l.magasin_id, l.produit_id, p.nom AS produit_nom, l.quantite, l.solde, l.motif,
    l.vente_id, l.demande_id, l.request_id, l.date FROM stock_ledger l JOIN products p ON p.id = l.produit_id";

pub async fn ledger(pool: &SqlitePool, query: &LedgerQuery) -> StorageResult<CursorPage<LedgerEntry>> {
    let mut qb = QueryBuilder::<Sqlite>::new(LEDGER_COLUMNS);
    match query.location {
        Location::Warehouse => qb.push(" WHERE l.magasin_id IS NULL"),
        Location::Store(id) => qb.push(" WHERE l.magasin_id = ").push_bind(id.0),
    };
    if let Some(p) = query.produit {
        qb.push(" AND l.produit_id = ").push_bind(p.0);
    }
    qb.push(" AND l.id < ").push_bind(query.cursor.before_or_max());
    qb.push(" ORDER BY l.id DESC LIMIT ").push_bind(query.cursor.fetch_limit());
    let rows: Vec<LedgerRow> = qb.build_query_as().fetch_all(pool).await.map_err(map_error)?;
    let entries = rows.into_iter().map(LedgerEntry::try_from).collect::<Result<Vec<_>, _>>()?;
    Ok(CursorPage::from_rows(entries, query.cursor, |e| e.id.0))
}

pub async fn ledger_discrepancies(pool: &SqlitePool) -> StorageResult<Vec<LedgerDiscrepancy>> {
    // Location key: 0 = warehouse (store ids start at 1).
    let rows: Vec<(i64, i64, i64, i64)> = sqlx::query_as(
        "WITH sums AS (
             SELECT COALESCE(magasin_id, 0) AS lieu, produit_id, SUM(quantite) AS total
             FROM stock_ledger GROUP BY COALESCE(magasin_id, 0), produit_id),
         levels AS (
             SELECT 0 AS lieu, produit_id, quantite FROM warehouse_stock
             UNION ALL SELECT magasin_id, produit_id, quantite FROM store_stock)
         SELECT v.lieu, v.produit_id, v.quantite, COALESCE(s.total, 0) FROM levels v
             LEFT JOIN sums s ON s.lieu = v.lieu AND s.produit_id = v.produit_id
             WHERE COALESCE(s.total, 0) <> v.quantite
         UNION ALL
         SELECT s.lieu, s.produit_id, 0, s.total FROM sums s
             WHERE s.total <> 0 AND NOT EXISTS (
                 SELECT 1 FROM levels v WHERE v.lieu = s.lieu AND v.produit_id = s.produit_id)",
    )
    .fetch_all(pool)
    .await
    .map_err(map_error)?;
    Ok(rows
        .into_iter()
        .map(|(lieu, produit, quantite, ledger_sum)| LedgerDiscrepancy {
            location: location_of((lieu != 0).then_some(lieu)),
            produit: ProductId(produit),
            quantite,
            ledger_sum,
        })
        .collect())
}

/// One stock movement to append to the ledger.
pub struct Movement<'a> {
    pub location: Location,
    pub produit: ProductId,
    pub quantite: i64,
    pub solde: i64,
    pub motif: LedgerReason,
    pub document: Option<SourceDocument>,
    pub request_id: Option<&'a str>,
    pub at: DateTime<Utc>,
}

pub async fn append_ledger(conn: &mut SqliteConnection, m: Movement<'_>) -> StorageResult<()> {
    let (vente, demande) = match m.document {
        Some(SourceDocument::Sale(id)) => (Some(id.0), None),
        Some(SourceDocument::Replenishment(id)) => (None, Some(id.0)),
        None => (None, None),
    };
    sqlx::query(
        "INSERT INTO stock_ledger (magasin_id, produit_id, quantite, solde, motif, vente_id, demande_id, request_id, date)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(store_column(m.location))
    .bind(m.produit.0)
    .bind(m.quantite)
    .bind(m.solde)
    .bind(m.motif.as_str())
    .bind(vente)
    .bind(demande)
    .bind(m.request_id)
    .bind(m.at)
    .execute(conn)
    .await
    .map_err(map_error)?;
    Ok(())
}

/// Adds `quantite` to a store's stock, creating its row when missing; returns the new balance.
pub async fn add_to_store(
    conn: &mut SqliteConnection,
    store: StoreId,
    produit: ProductId,
    quantite: i64,
) -> StorageResult<i64> {
    sqlx::query_scalar(
        "INSERT INTO store_stock (magasin_id, produit_id, quantite) VALUES (?, ?, ?)
         ON CONFLICT (magasin_id, produit_id) DO UPDATE SET quantite = store_stock.quantite + excluded.quantite
         RETURNING quantite",
    )
    .bind(store.0)
    .bind(produit.0)
    .bind(quantite)
    .fetch_one(conn)
    .await
    .map_err(map_error)
}
