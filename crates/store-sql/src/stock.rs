//! Stock at the warehouse and in the stores: lists, and restocking a store.

use crate::SqlStorage;
use crate::engine::{Connection, Engine};
use crate::ledger::{LedgerBatch, Movement};
use crate::rows::{LevelRow, StockItemRow, StorePageDbRow, WarehouseDbRow};
use crate::statement::Statement;
use magasin_domain::ledger::{LedgerReason, SourceDocument};
use magasin_domain::paging::Page;
use magasin_domain::stock::{Location, StockItem, StockOrdering, StockQuery, StoreStockRow, WarehouseStockRow};
use magasin_domain::{ProductId, StorageError, StorageResult, StoreId, WriteContext};
use std::collections::{BTreeMap, HashMap};

/// Appends the filters of a stock query (the stock table is aliased `s`, products `p`).
fn push_filters<E: Engine>(s: &mut Statement, query: &StockQuery) {
    push_filters_on::<E>(s, query, "p.nom_key");
}

/// Appends the filters of a stock query, the product's name key read from `name_key`.
fn push_filters_on<E: Engine>(s: &mut Statement, query: &StockQuery, name_key: &str) {
    if let Some(name) = &query.name_contains {
        s.push(" AND ");
        crate::catalogue::push_contains::<E>(s, name_key, name);
    }
    if let Some(q) = query.quantite {
        s.push(" AND s.quantite = ").bind(q);
    }
    if let Some(q) = query.quantite_gte {
        s.push(" AND s.quantite >= ").bind(q);
    }
    if let Some(q) = query.quantite_lte {
        s.push(" AND s.quantite <= ").bind(q);
    }
}

/// The columns a stock list sorts by: the product's name and its id, the quantity, and the
/// product as the stock row names it.
struct SortColumns {
    name: &'static str,
    name_id: &'static str,
    quantity: &'static str,
    product: &'static str,
}

/// The stock rows (`s`) joined to their products (`p`).
const ROWS: SortColumns =
    SortColumns { name: "p.nom", name_id: "p.id", quantity: "s.quantite", product: "s.produit_id" };
/// The page's rows joined to the store (`g`): the join keeps no order of its own.
const PAGE: SortColumns =
    SortColumns { name: "g.produit_nom", name_id: "g.produit_id", quantity: "g.quantite", product: "g.produit_id" };

/// Names sort by bytes on every engine, so both answer the same order; equal quantities by product.
fn push_order<E: Engine>(s: &mut Statement, ordering: StockOrdering, c: &SortColumns) {
    let bytes = E::DIALECT.byte_order;
    let order = match ordering {
        StockOrdering::NameAsc => format!("{}{bytes} ASC, {} ASC", c.name, c.name_id),
        StockOrdering::NameDesc => format!("{}{bytes} DESC, {} DESC", c.name, c.name_id),
        StockOrdering::QuantityAsc => format!("{} ASC, {} ASC", c.quantity, c.product),
        StockOrdering::QuantityDesc => format!("{} DESC, {} ASC", c.quantity, c.product),
    };
    s.push(" ORDER BY ").push(&order);
}

fn push_order_and_page<E: Engine>(s: &mut Statement, query: &StockQuery) {
    push_order::<E>(s, query.ordering, &ROWS);
    s.limit(query.page.limit()).offset(query.page.offset());
}

/// Whether a query keeps only some of the stock rows (otherwise the store's own count serves).
fn is_filtered(query: &StockQuery) -> bool {
    query.name_contains.is_some()
        || query.quantite.is_some()
        || query.quantite_gte.is_some()
        || query.quantite_lte.is_some()
}

/// Whether a store's page can be chosen from its stock rows alone (ordered and filtered by
/// quantity, through the store's quantity index), the products joined to the page's rows only.
fn paged_by_stock_alone(query: &StockQuery) -> bool {
    query.name_contains.is_none() && matches!(query.ordering, StockOrdering::QuantityAsc | StockOrdering::QuantityDesc)
}

/// The stock rows a transaction created, per store, to add to the stores' counts
/// (`stores.stock_rows`) by [`NewStockRows::record`], the transaction's last lock on a store.
#[derive(Debug, Default)]
pub(crate) struct NewStockRows(BTreeMap<StoreId, i64>);

impl NewStockRows {
    pub(crate) fn add(&mut self, store: StoreId, rows: usize) {
        if rows > 0 {
            *self.0.entry(store).or_default() += i64::try_from(rows).unwrap_or(i64::MAX);
        }
    }

    /// Adds the tallied rows to their stores' counts, in store order.
    pub(crate) async fn record<E: Engine>(self, conn: &mut Connection<E>) -> StorageResult<()> {
        for (store, rows) in self.0 {
            let count = Statement::new("UPDATE stores SET stock_rows = stock_rows + $1 WHERE id = $2")
                .value(rows)
                .value(store.0);
            SqlStorage::<E>::execute(conn, &count).await?;
        }
        Ok(())
    }
}

impl<E: Engine> SqlStorage<E> {
    /// A store's whole local stock, by product id.
    pub(crate) async fn store_items(&self, store: StoreId) -> StorageResult<Vec<StockItem>> {
        let mut conn = self.reader.acquire().await?;
        Self::fetch_store(&mut conn, store).await?;
        let select = Statement::new(
            "SELECT s.produit_id, p.nom, s.quantite FROM store_stock s JOIN products p ON p.id = s.produit_id
             WHERE s.magasin_id = $1 ORDER BY s.produit_id",
        )
        .value(store.0);
        let rows: Vec<StockItemRow> = Self::all(&mut conn, &select).await?;
        Ok(rows.into_iter().map(StockItem::from).collect())
    }

    /// A page of a store's stock in one statement: the store (unknown: not found) with the
    /// number of rows the filters keep, joined to the page's rows (none past the end). Without a
    /// filter the number is the store's own (`stores.stock_rows`); with one, the rows are counted
    /// by one of the store's indexes (by name key, or by quantity), without the products. (One statement
    /// counting by a window over the page's rows was tried for the name filter: the window makes
    /// the page read every row of the store instead of stopping at the page, 3 ms instead of 0.8.)
    pub(crate) async fn store_page(&self, store: StoreId, query: &StockQuery) -> StorageResult<Page<StoreStockRow>> {
        let mut select = Statement::new("SELECT m.nom AS magasin_nom, ");
        if is_filtered(query) {
            // Not correlated with the store's row, so that it is counted once, not per row; by
            // the stock rows alone, which keep their product's name key (`store_stock.nom_key`).
            select.push("(SELECT COUNT(*) FROM store_stock s WHERE s.magasin_id = ").bind(store.0);
            push_filters_on::<E>(&mut select, query, "s.nom_key");
            select.push(")");
        } else {
            select.push("m.stock_rows");
        }
        select.push(" AS total, g.id, g.produit_id, g.quantite, g.produit_nom FROM stores m LEFT JOIN (");
        if paged_by_stock_alone(query) {
            // Each of the page's rows finds its product's name by the key: joined, PostgreSQL
            // would hash the whole catalogue for a page of 10 rows.
            select.push(
                "SELECT s.id, s.produit_id, s.quantite, (SELECT p.nom FROM products p WHERE p.id = s.produit_id)
                 AS produit_nom FROM (SELECT s.id, s.produit_id, s.quantite FROM store_stock s WHERE s.magasin_id = ",
            );
            select.bind(store.0);
            push_filters::<E>(&mut select, query);
            push_order_and_page::<E>(&mut select, query);
            select.push(") s");
        } else {
            select.push(
                "SELECT s.id, s.produit_id, s.quantite, p.nom AS produit_nom
                 FROM store_stock s JOIN products p ON p.id = s.produit_id WHERE s.magasin_id = ",
            );
            select.bind(store.0);
            push_filters::<E>(&mut select, query);
            push_order_and_page::<E>(&mut select, query);
        }
        select.push(") g ON 1 = 1 WHERE m.id = ").bind(store.0);
        push_order::<E>(&mut select, query.ordering, &PAGE);
        let mut conn = self.reader.acquire().await?;
        let rows: Vec<StorePageDbRow> = Self::all(&mut conn, &select).await?;
        let first = rows.first().ok_or(StorageError::not_found("store", store.0))?;
        let count = u64::try_from(first.total).unwrap_or(0);
        Ok(Page { count, items: rows.into_iter().filter_map(|row| row.into_item(store)).collect() })
    }

    pub(crate) async fn warehouse_page(&self, query: &StockQuery) -> StorageResult<Page<WarehouseStockRow>> {
        // Counted by the stock table alone unless a name filter needs the products.
        let mut count = Statement::new("SELECT COUNT(*) FROM warehouse_stock s");
        if query.name_contains.is_some() {
            count.push(" JOIN products p ON p.id = s.produit_id");
        }
        count.push(" WHERE TRUE");
        push_filters::<E>(&mut count, query);
        let mut select = Statement::new(
            "SELECT s.produit_id, p.nom AS produit_nom, s.quantite, s.reserve
             FROM warehouse_stock s JOIN products p ON p.id = s.produit_id WHERE TRUE",
        );
        push_filters::<E>(&mut select, query);
        push_order_and_page::<E>(&mut select, query);
        let mut conn = self.reader.acquire().await?;
        let (total,): (i64,) = Self::one(&mut conn, &count).await?;
        let rows: Vec<WarehouseDbRow> = Self::all(&mut conn, &select).await?;
        let ids: Vec<i64> = rows.iter().map(|r| r.produit_id).collect();
        let expected = Self::expected(&mut conn, &ids).await?;
        let items = rows
            .into_iter()
            .map(|r| {
                let attendu = expected.get(&r.produit_id).copied().unwrap_or(0);
                WarehouseStockRow { attendu, ..WarehouseStockRow::from(r) }
            })
            .collect();
        Ok(Page { count: u64::try_from(total).unwrap_or(0), items })
    }

    /// Adds quantities to a store's stock, creating missing rows, and adds the rows created to
    /// the store's count as its last statement; for a transaction that restocks once and then
    /// takes no lock another restock could hold. See [`Self::restock_store_rows`].
    pub(crate) async fn restock_store(
        conn: &mut Connection<E>,
        store: StoreId,
        items: &[(i64, i64)],
    ) -> StorageResult<HashMap<i64, i64>> {
        let mut created = NewStockRows::default();
        let balances = Self::restock_store_rows(conn, store, items, &mut created).await?;
        created.record::<E>(conn).await?;
        Ok(balances)
    }

    /// Adds quantities to a store's stock, creating missing rows; `items` are `(product,
    /// quantity)` with distinct products, taken in product order (the order every writer locks
    /// rows in). Returns the new balance per product; the rows created are tallied in `created`.
    ///
    /// The missing rows are created first (a row another transaction is creating is waited for,
    /// then counted as existing), then the existing ones are added to. The store's count of stock
    /// rows is left to `created.record`, the transaction's last lock: a transaction that held the
    /// store's row while it waited for a stock row could deadlock with another restock of that
    /// store, which holds the stock row and waits for the store's. (Sales lock the store's row
    /// `FOR KEY SHARE`, which that update does not wait for.)
    pub(crate) async fn restock_store_rows(
        conn: &mut Connection<E>,
        store: StoreId,
        items: &[(i64, i64)],
        created_rows: &mut NewStockRows,
    ) -> StorageResult<HashMap<i64, i64>> {
        let mut sorted = items.to_vec();
        sorted.sort_unstable();
        let mut create = Statement::new("INSERT INTO store_stock (magasin_id, produit_id, quantite) VALUES ");
        create.bind_rows(sorted.iter().map(|&(p, q)| [store.0.into(), p.into(), q.into()]));
        create.push(" ON CONFLICT (magasin_id, produit_id) DO NOTHING RETURNING produit_id, quantite");
        let created: Vec<LevelRow> = Self::all(conn, &create).await?;
        let mut balances: HashMap<i64, i64> = created.iter().map(|r| (r.produit_id, r.quantite)).collect();
        let existing: Vec<(i64, i64)> = sorted.into_iter().filter(|(p, _)| !balances.contains_key(p)).collect();
        if !existing.is_empty() {
            let mut add = Statement::new("INSERT INTO store_stock (magasin_id, produit_id, quantite) VALUES ");
            add.bind_rows(existing.iter().map(|&(p, q)| [store.0.into(), p.into(), q.into()]));
            add.push(
                " ON CONFLICT (magasin_id, produit_id) DO UPDATE SET quantite = store_stock.quantite + excluded.quantite
                 RETURNING produit_id, quantite",
            );
            let rows: Vec<LevelRow> = Self::all(conn, &add).await?;
            balances.extend(rows.into_iter().map(|r| (r.produit_id, r.quantite)));
        }
        created_rows.add(store, created.len());
        Ok(balances)
    }

    /// Puts goods back into a store's stock, `lines` being `(product, units)` in the document's
    /// order (a product may come twice), with a ledger row per line and its running balance.
    pub(crate) async fn put_back(
        conn: &mut Connection<E>,
        store: StoreId,
        lines: &[(ProductId, i64)],
        motif: LedgerReason,
        document: SourceDocument,
        ctx: &WriteContext,
    ) -> StorageResult<()> {
        let mut units: BTreeMap<i64, i64> = BTreeMap::new();
        for (product, quantity) in lines {
            *units.entry(product.0).or_default() += quantity;
        }
        let items: Vec<(i64, i64)> = units.iter().map(|(p, q)| (*p, *q)).collect();
        let after = Self::restock_store(conn, store, &items).await?;
        let mut balance: HashMap<i64, i64> =
            units.iter().map(|(p, q)| (*p, after.get(p).copied().unwrap_or(*q) - q)).collect();
        let mut ledger = LedgerBatch::new(ctx);
        for &(produit, quantite) in lines {
            let solde = balance.entry(produit.0).or_default();
            *solde += quantite;
            ledger.push(Movement {
                location: Location::Store(store),
                produit,
                quantite,
                solde: *solde,
                motif,
                document: Some(document),
            });
        }
        Self::append_ledger(conn, ledger).await
    }
}
