//! What each engine does its own way. Everything else in this crate is written once, generic
//! over an [`Engine`], and each engine crate implements the trait for its engine.

use crate::SqlStorage;
use crate::driver::{Driver, Reads};
use crate::rows::{
    AdjustmentRow, AggregateRow, ApiTokenRow, AuditRow, ClosingRow, CountLineRow, CountRow, DashboardDbRow,
    DiscrepancyRow, HeldPriceRow, LedgerRow, LevelRow, LineRow, OrderLineRow, OrderRow, PackedFiguresRow, PriceRow,
    ProductRow, ReceiptLineRow, ReceiptRow, ReplenishmentRow, RequestLineRow, ReturnLineRow, ReturnRow, RuleRow,
    SaleRow, ShipmentLineRow, ShipmentRow, ShrinkageRow, StockItemRow, StorePageDbRow, StoreRow, SuggestionRow,
    TillRow, TrendRow, UserRow, WarehouseDbRow, WarehouseRuleRow, WarehouseSuggestionRow,
};
use chrono::{DateTime, NaiveDate, Utc};
use magasin_domain::seed::HistoricSale;
use magasin_domain::{StorageError, StorageResult};
use sqlx::Database;
use sqlx::error::{DatabaseError, ErrorKind};
use std::future::Future;

/// The sqlx database of an engine.
pub type Db<E> = <E as Engine>::Db;
/// A connection of an engine.
pub type Connection<E> = <Db<E> as Database>::Connection;
/// A row read from an engine.
pub type Row<E> = <Db<E> as Database>::Row;

/// One storage engine: its sqlx driver, the rows this crate reads from it, and the few things
/// it writes differently.
pub trait Engine: Send + Sync + 'static {
    /// The driver, able to read every row type this crate reads.
    type Db: Driver<
        Row: Reads<StoreRow>
                 + Reads<ProductRow>
                 + Reads<TillRow>
                 + Reads<PriceRow>
                 + Reads<HeldPriceRow>
                 + Reads<LevelRow>
                 + Reads<StockItemRow>
                 + Reads<StorePageDbRow>
                 + Reads<WarehouseDbRow>
                 + Reads<DiscrepancyRow>
                 + Reads<SaleRow>
                 + Reads<LineRow>
                 + Reads<ReceiptRow>
                 + Reads<ReceiptLineRow>
                 + Reads<ReturnRow>
                 + Reads<OrderRow>
                 + Reads<RuleRow>
                 + Reads<SuggestionRow>
                 + Reads<WarehouseRuleRow>
                 + Reads<WarehouseSuggestionRow>
                 + Reads<OrderLineRow>
                 + Reads<ReturnLineRow>
                 + Reads<(i64, DateTime<Utc>, String, i64)>
                 + Reads<AdjustmentRow>
                 + Reads<ShrinkageRow>
                 + Reads<ReplenishmentRow>
                 + Reads<RequestLineRow>
                 + Reads<LedgerRow>
                 + Reads<PackedFiguresRow>
                 + Reads<DashboardDbRow>
                 + Reads<TrendRow>
                 + Reads<UserRow>
                 + Reads<ApiTokenRow>
                 + Reads<AuditRow>
                 + Reads<(i64,)>
                 + Reads<(i64, i64)>
                 + Reads<(i64, i64, Option<DateTime<Utc>>)>
                 + Reads<(i64, i64, Option<DateTime<Utc>>, i64)>
                 + Reads<(Option<i64>,)>
                 + Reads<(String,)>
                 + Reads<(i64, String)>
                 + Reads<(String, i64)>
                 + Reads<(bool,)>
                 + Reads<AggregateRow>
                 + Reads<CountRow>
                 + Reads<CountLineRow>
                 + Reads<(i64, DateTime<Utc>, i64, i64, i64, String, i64)>
                 + Reads<(i64, i64, i64)>
                 + Reads<(i64, NaiveDate)>
                 + Reads<(i64, DateTime<Utc>)>
                 + Reads<(i64, DateTime<Utc>, i64)>
                 + Reads<(Option<i64>, String)>
                 + Reads<(Option<i64>, Option<i64>)>
                 + Reads<(i64, Option<String>)>
                 + Reads<(Option<String>, i64, i64)>
                 + Reads<ShipmentRow>
                 + Reads<ShipmentLineRow>
                 + Reads<ClosingRow>,
    >;

    /// How the engine spells what the two engines say differently.
    const DIALECT: Dialect;

    /// Maps a driver error into the port's error.
    fn map_error(error: sqlx::Error) -> StorageError;

    /// Writes imported sales (ids chosen so that live sales follow them) and their lines, whose
    /// totals are `totals`, in the caller's transaction. Returns the number of lines written.
    ///
    /// Provided: multi-row inserts taking the ids after the largest one — right where one
    /// writer at a time can insert sales (SQLite). An engine with concurrent writers overrides it.
    fn insert_history(
        conn: &mut Connection<Self>,
        sales: &[HistoricSale],
        totals: &[i64],
    ) -> impl Future<Output = StorageResult<u64>> + Send
    where
        Self: Sized,
    {
        SqlStorage::<Self>::insert_history_rows(conn, sales, totals)
    }

    /// After rows were inserted with explicit ids, makes the next generated ids follow them.
    ///
    /// Provided: nothing, right where generated ids always follow the largest one (SQLite's row
    /// ids). An engine drawing ids from sequences overrides it.
    fn follow_explicit_ids(conn: &mut Connection<Self>) -> impl Future<Output = StorageResult<()>> + Send {
        let _ = conn;
        async { Ok(()) }
    }
}

/// How an engine spells what the two engines say differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dialect {
    /// `"sqlite"` or `"postgres"`.
    pub name: &'static str,
    /// The SQL function `f(haystack, needle)` giving the 1-based position of `needle` in
    /// `haystack`, 0 when absent.
    pub position: &'static str,
    /// Appended to a text expression so that it sorts by bytes (empty where that is the default).
    pub byte_order: &'static str,
    /// Appended to a `SELECT` whose rows the transaction then writes, to lock them in the order
    /// read; empty on an engine whose writers are serialized anyway.
    pub for_update: &'static str,
    /// A statement answering whether this transaction now holds the ledger verifier's lock
    /// (released at its end); `None` on an engine with one instance.
    pub verifier_lock: Option<&'static str>,
    /// Appended to a `SELECT` to share-lock the rows read against a `for_update` (empty where
    /// writers are serialized). PostgreSQL's `FOR KEY SHARE`: the lock a foreign key already
    /// takes on the store of a sale, so a sale pays no stronger lock than before.
    pub for_share: &'static str,
    /// Whether several data-modifying statements can be sent as one (PostgreSQL's
    /// data-modifying `WITH`): one round trip instead of one per statement.
    pub chains_writes: bool,
    /// The aggregate joining texts with a separator: `f(text, ',')`.
    pub join_texts: &'static str,
    /// The most values a statement of many rows (or ids) binds: the rows beyond go to the next
    /// statement. At most [`MAX_BINDS`].
    pub binds_per_statement: usize,
}

/// The most values one statement may bind: SQLite's limit (`SQLITE_MAX_VARIABLE_NUMBER` since
/// 3.32), the smaller of the two engines' (PostgreSQL's is 65,535).
pub const MAX_BINDS: usize = 32_766;

/// Whether `error` is the violation of the unique product name. PostgreSQL names the violated
/// constraint; SQLite names its column.
pub fn is_duplicate_product_name(error: &dyn DatabaseError) -> bool {
    violates_unique(error, "products_nom_unique", "products.nom")
}

/// Whether `error` is the violation of the unique `constraint` on `table.column`. PostgreSQL
/// names the violated constraint; SQLite names its column.
pub(crate) fn violates_unique(error: &dyn DatabaseError, constraint: &str, table_column: &str) -> bool {
    error.kind() == ErrorKind::UniqueViolation
        && (error.constraint() == Some(constraint) || error.message().ends_with(table_column))
}
