//! Stores, stock levels, and the stock ledger (reads, discrepancies, and appending movements).

use crate::errors::map_error;
use crate::rows::{
    DiscrepancyRow, LedgerRow, LevelRow, StockItemRow, StoreRow, StoreStockDbRow, WarehouseDbRow, store_column,
};
use magasin_domain::ledger::{LedgerDiscrepancy, LedgerEntry, LedgerQuery, LedgerReason, SourceDocument};
use magasin_domain::paging::{CursorPage, Page};
use magasin_domain::stock::{Location, StockItem, StockOrdering, StockQuery, StoreStockRow, WarehouseStockRow};
use magasin_domain::stores::Magasin;
use magasin_domain::{ProductId, StorageError, StorageResult, StoreId, WriteContext};
use sqlx::{PgConnection, PgExecutor, PgPool, Postgres, QueryBuilder};
use std::collections::HashMap;

pub async fn list_stores(pool: &PgPool) -> StorageResult<Vec<Magasin>> {
    let rows: Vec<StoreRow> =
        sqlx::query_as("SELECT id, nom, adresse FROM stores ORDER BY id").fetch_all(pool).await.map_err(map_error)?;
    Ok(rows.into_iter().map(Magasin::from).collect())
}

pub async fn get_store(executor: impl PgExecutor<'_>, id: StoreId) -> StorageResult<Magasin> {
    let row: Option<StoreRow> = sqlx::query_as("SELECT id, nom, adresse FROM stores WHERE id = $1")
        .bind(id.0)
        .fetch_optional(executor)
        .await
        .map_err(map_error)?;
    row.map(Magasin::from).ok_or(StorageError::not_found("store", id.0))
}

pub async fn store_items(pool: &PgPool, store: StoreId) -> StorageResult<Vec<StockItem>> {
    get_store(pool, store).await?;
    let rows: Vec<StockItemRow> = sqlx::query_as(
        "SELECT s.produit_id, p.nom, s.quantite FROM store_stock s JOIN products p ON p.id = s.produit_id
         WHERE s.magasin_id = $1 ORDER BY s.produit_id",
    )
    .bind(store.0)
    .fetch_all(pool)
    .await
    .map_err(map_error)?;
    Ok(rows.into_iter().map(StockItem::from).collect())
}

/// Appends the filters of a stock query (the stock table is aliased `s`, products `p`).
fn push_filters(qb: &mut QueryBuilder<'_, Postgres>, query: &StockQuery) {
    if let Some(name) = &query.name_contains {
        qb.push(" AND strpos(p.nom_key, ").push_bind(name.clone()).push(") > 0");
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

/// Names sort by bytes (`COLLATE "C"`), as SQLite does, so both engines answer the same order.
fn push_order_and_page(qb: &mut QueryBuilder<'_, Postgres>, query: &StockQuery) {
    qb.push(match query.ordering {
        StockOrdering::NameAsc => " ORDER BY p.nom COLLATE \"C\" ASC, p.id ASC",
        StockOrdering::NameDesc => " ORDER BY p.nom COLLATE \"C\" DESC, p.id DESC",
        StockOrdering::QuantityAsc => " ORDER BY s.quantite ASC, p.id ASC",
        StockOrdering::QuantityDesc => " ORDER BY s.quantite DESC, p.id ASC",
    });
    qb.push(" LIMIT ").push_bind(query.page.limit()).push(" OFFSET ").push_bind(query.page.offset());
}

fn count_of(total: i64) -> u64 {
    u64::try_from(total).unwrap_or(0)
}

pub async fn store_page(pool: &PgPool, store: StoreId, query: &StockQuery) -> StorageResult<Page<StoreStockRow>> {
    get_store(pool, store).await?;
    let mut count = QueryBuilder::<Postgres>::new(
        "SELECT COUNT(*) FROM store_stock s JOIN products p ON p.id = s.produit_id WHERE s.magasin_id = ",
    );
    count.push_bind(store.0);
    push_filters(&mut count, query);
    let total: i64 = count.build_query_scalar().fetch_one(pool).await.map_err(map_error)?;

    let mut select = QueryBuilder::<Postgres>::new(
        "SELECT s.id, s.produit_id, s.magasin_id, s.quantite, p.nom AS produit_nom, m.nom AS magasin_nom
         FROM store_stock s JOIN products p ON p.id = s.produit_id JOIN stores m ON m.id = s.magasin_id
         WHERE s.magasin_id = ",
    );
    select.push_bind(store.0);
    push_filters(&mut select, query);
    push_order_and_page(&mut select, query);
    let rows: Vec<StoreStockDbRow> = select.build_query_as().fetch_all(pool).await.map_err(map_error)?;
    Ok(Page { count: count_of(total), items: rows.into_iter().map(StoreStockRow::from).collect() })
}

pub async fn warehouse_page(pool: &PgPool, query: &StockQuery) -> StorageResult<Page<WarehouseStockRow>> {
    let mut count = QueryBuilder::<Postgres>::new(
        "SELECT COUNT(*) FROM warehouse_stock s JOIN products p ON p.id = s.produit_id WHERE TRUE",
    );
    push_filters(&mut count, query);
    let total: i64 = count.build_query_scalar().fetch_one(pool).await.map_err(map_error)?;
    let mut select = QueryBuilder::<Postgres>::new(
        "SELECT s.produit_id, p.nom AS produit_nom, s.quantite
         FROM warehouse_stock s JOIN products p ON p.id = s.produit_id WHERE TRUE",
    );
    push_filters(&mut select, query);
    push_order_and_page(&mut select, query);
    let rows: Vec<WarehouseDbRow> = select.build_query_as().fetch_all(pool).await.map_err(map_error)?;
    Ok(Page { count: count_of(total), items: rows.into_iter().map(WarehouseStockRow::from).collect() })
}

pub async fn ledger(pool: &PgPool, query: &LedgerQuery) -> StorageResult<CursorPage<LedgerEntry>> {
    let mut qb = QueryBuilder::<Postgres>::new(
        "SELECT l.id, l.magasin_id, l.produit_id, p.nom AS produit_nom, l.quantite, l.solde, l.motif,
                l.vente_id, l.demande_id, l.request_id, l.date
         FROM stock_ledger l JOIN products p ON p.id = l.produit_id",
    );
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

/// Ledger sums and stock rows compared by a full outer join on (location, product): a stock
/// row without entries, or entries without a stock row, count as well. `entrepot` keeps the
/// warehouse apart from every store, whatever the store ids are.
pub async fn ledger_discrepancies(pool: &PgPool) -> StorageResult<Vec<LedgerDiscrepancy>> {
    let rows: Vec<DiscrepancyRow> = sqlx::query_as(
        "WITH sums AS (
             SELECT magasin_id IS NULL AS entrepot, COALESCE(magasin_id, 0) AS lieu, produit_id,
                    SUM(quantite)::BIGINT AS total
             FROM stock_ledger GROUP BY 1, 2, 3),
         levels AS (
             SELECT TRUE AS entrepot, 0::BIGINT AS lieu, produit_id, quantite FROM warehouse_stock
             UNION ALL
             SELECT FALSE, magasin_id, produit_id, quantite FROM store_stock)
         SELECT CASE WHEN COALESCE(v.entrepot, s.entrepot) THEN NULL ELSE COALESCE(v.lieu, s.lieu) END AS magasin_id,
                COALESCE(v.produit_id, s.produit_id) AS produit_id,
                COALESCE(v.quantite, 0) AS quantite,
                COALESCE(s.total, 0) AS ledger_sum
         FROM levels v FULL OUTER JOIN sums s
             ON s.entrepot = v.entrepot AND s.lieu = v.lieu AND s.produit_id = v.produit_id
         WHERE COALESCE(v.quantite, 0) <> COALESCE(s.total, 0)
         ORDER BY 1 NULLS FIRST, 2",
    )
    .fetch_all(pool)
    .await
    .map_err(map_error)?;
    Ok(rows.into_iter().map(LedgerDiscrepancy::from).collect())
}

/// One stock movement: `quantite` is signed, `solde` the balance after it.
pub struct Movement {
    pub location: Location,
    pub produit: ProductId,
    pub quantite: i64,
    pub solde: i64,
    pub motif: LedgerReason,
    pub document: Option<SourceDocument>,
}

/// Movements of one write, appended to the ledger in one statement, in the order pushed.
pub struct LedgerBatch<'a> {
    ctx: &'a WriteContext,
    magasins: Vec<Option<i64>>,
    produits: Vec<i64>,
    quantites: Vec<i64>,
    soldes: Vec<i64>,
    motifs: Vec<&'static str>,
    ventes: Vec<Option<i64>>,
    demandes: Vec<Option<i64>>,
}

impl<'a> LedgerBatch<'a> {
    pub fn new(ctx: &'a WriteContext) -> Self {
        Self {
            ctx,
            magasins: Vec::new(),
            produits: Vec::new(),
            quantites: Vec::new(),
            soldes: Vec::new(),
            motifs: Vec::new(),
            ventes: Vec::new(),
            demandes: Vec::new(),
        }
    }

    pub fn push(&mut self, m: Movement) {
        let (vente, demande) = match m.document {
            Some(SourceDocument::Sale(id)) => (Some(id.0), None),
            Some(SourceDocument::Replenishment(id)) => (None, Some(id.0)),
            None => (None, None),
        };
        self.magasins.push(store_column(m.location));
        self.produits.push(m.produit.0);
        self.quantites.push(m.quantite);
        self.soldes.push(m.solde);
        self.motifs.push(m.motif.as_str());
        self.ventes.push(vente);
        self.demandes.push(demande);
    }

    pub async fn insert(self, conn: &mut PgConnection) -> StorageResult<()> {
        if self.produits.is_empty() {
            return Ok(());
        }
        sqlx::query(
            "INSERT INTO stock_ledger (magasin_id, produit_id, quantite, solde, motif, vente_id, demande_id, request_id, date)
             SELECT m, p, q, s, motif, v, d, $8, $9
             FROM UNNEST($1::BIGINT[], $2::BIGINT[], $3::BIGINT[], $4::BIGINT[], $5::TEXT[], $6::BIGINT[], $7::BIGINT[])
                 WITH ORDINALITY AS u(m, p, q, s, motif, v, d, n)
             ORDER BY n",
        )
        .bind(&self.magasins)
        .bind(&self.produits)
        .bind(&self.quantites)
        .bind(&self.soldes)
        .bind(&self.motifs)
        .bind(&self.ventes)
        .bind(&self.demandes)
        .bind(self.ctx.request_id.as_deref())
        .bind(self.ctx.at)
        .execute(conn)
        .await
        .map_err(map_error)?;
        Ok(())
    }
}

/// Adds quantities to a store's stock, creating missing rows; `items` are `(product, quantity)`
/// with distinct products. Rows are locked in product order, as sales lock them. Returns the
/// new balance per product.
pub async fn restock_store(
    conn: &mut PgConnection,
    store: StoreId,
    items: &[(i64, i64)],
) -> StorageResult<HashMap<i64, i64>> {
    let (produits, quantites): (Vec<i64>, Vec<i64>) = items.iter().copied().unzip();
    let rows: Vec<LevelRow> = sqlx::query_as(
        "INSERT INTO store_stock (magasin_id, produit_id, quantite)
         SELECT $1, p, q FROM UNNEST($2::BIGINT[], $3::BIGINT[]) AS u(p, q) ORDER BY p
         ON CONFLICT (magasin_id, produit_id) DO UPDATE SET quantite = store_stock.quantite + EXCLUDED.quantite
         RETURNING produit_id, quantite",
    )
    .bind(store.0)
    .bind(&produits)
    .bind(&quantites)
    .fetch_all(conn)
    .await
    .map_err(map_error)?;
    Ok(rows.into_iter().map(|r| (r.produit_id, r.quantite)).collect())
}
