//! What each engine does its own way. Everything else in this crate is written once, generic
//! over an [`Engine`], and each engine crate implements the trait for its engine.

use crate::driver::{Driver, Reads};
use crate::rows::{
    DashboardDbRow, DiscrepancyRow, FigureRow, LedgerRow, LevelRow, LineRow, PriceRow, ProductRow, ReplenishmentRow,
    SaleRow, StockItemRow, StoreRow, StoreStockDbRow, TrendRow, WarehouseDbRow,
};
use chrono::{DateTime, NaiveDate, Utc};
use magasin_domain::seed::HistoricSale;
use magasin_domain::{StorageError, StorageResult};
use sqlx::Database;
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
                 + Reads<PriceRow>
                 + Reads<LevelRow>
                 + Reads<StockItemRow>
                 + Reads<StoreStockDbRow>
                 + Reads<WarehouseDbRow>
                 + Reads<DiscrepancyRow>
                 + Reads<SaleRow>
                 + Reads<LineRow>
                 + Reads<ReplenishmentRow>
                 + Reads<LedgerRow>
                 + Reads<FigureRow>
                 + Reads<DashboardDbRow>
                 + Reads<TrendRow>
                 + Reads<(i64,)>
                 + Reads<(Option<i64>,)>
                 + Reads<(String,)>
                 + Reads<(i64, String)>
                 + Reads<(i64, NaiveDate)>
                 + Reads<(i64, DateTime<Utc>)>
                 + Reads<(Option<i64>, String)>
                 + Reads<(Option<i64>, Option<i64>)>,
    >;

    /// `"sqlite"` or `"postgres"`.
    const NAME: &'static str;

    /// The SQL function `f(haystack, needle)` giving the 1-based position of `needle` in
    /// `haystack`, 0 when absent.
    const POSITION: &'static str;

    /// Appended to a text expression so that it sorts by bytes (empty where that is the default).
    const BYTE_ORDER: &'static str;

    /// Appended to a `SELECT` whose rows the transaction then writes, to lock them in the order
    /// read; empty on an engine whose writers are serialized anyway.
    const FOR_UPDATE: &'static str;

    /// The most values one statement may bind.
    const MAX_BINDS: usize;

    /// Maps a driver error into the port's error.
    fn map_error(error: sqlx::Error) -> StorageError;

    /// Whether `error` is the violation of the unique product name.
    fn is_duplicate_product_name(error: &sqlx::Error) -> bool;

    /// Writes imported sales (ids chosen so that live sales follow them) and their lines, whose
    /// totals are `totals`, in the caller's transaction. Returns the number of lines written.
    fn insert_history(
        conn: &mut Connection<Self>,
        sales: &[HistoricSale],
        totals: &[i64],
    ) -> impl Future<Output = StorageResult<u64>> + Send;

    /// After rows were inserted with explicit ids, makes the next generated ids follow them.
    fn follow_explicit_ids(conn: &mut Connection<Self>) -> impl Future<Output = StorageResult<()>> + Send;
}
