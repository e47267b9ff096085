//! SQLite storage adapter: the zero-setup embedded default (one instance).
//!
//! Writes go through a single-connection pool, so write transactions are serialized inside the
//! process and never meet `SQLITE_BUSY`; reads use a separate pool and see committed data (WAL).

mod catalogue;
mod errors;
mod replenishment;
mod reporting;
mod rows;
mod sales;
mod seeding;
mod stock;

use async_trait::async_trait;
use chrono::NaiveDate;
use magasin_domain::catalogue::{NewProduct, Product, ProductPatch};
use magasin_domain::ledger::{LedgerDiscrepancy, LedgerEntry, LedgerQuery};
use magasin_domain::paging::{CursorPage, Page, PageRequest};
use magasin_domain::replenishment::{ApprovalOutcome, NewReplenishment, Replenishment, ReplenishmentQuery};
use magasin_domain::reporting::{DashboardRow, ReportFilter, StoreReport};
use magasin_domain::sales::{RecordedSale, Sale, SaleQuery, ValidSale};
use magasin_domain::seed::{Dataset, HistoricSale};
use magasin_domain::stock::{StockItem, StockQuery, StockThresholds, StoreStockRow, WarehouseStockRow};
use magasin_domain::stores::Magasin;
use magasin_domain::{
    PoolStats, ProductId, ReplenishmentId, SaleId, Storage, StorageError, StorageResult, StoreId, WriteContext,
};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use std::str::FromStr;
use std::time::Duration;

pub use errors::map_error;

/// Readers that may run beside the writer.
const READ_CONNECTIONS: u32 = 4;

/// The SQLite adapter.
#[derive(Clone, Debug)]
pub struct SqliteStorage {
    writer: SqlitePool,
    reader: SqlitePool,
}

impl SqliteStorage {
    /// Opens (creating it when missing) the database at `url` (`sqlite://path/to/file.db`) and
    /// applies the embedded migrations.
    pub async fn connect(url: &str) -> StorageResult<Self> {
        let options = SqliteConnectOptions::from_str(url)
            .map_err(|e| StorageError::Unavailable(format!("invalid SQLite URL: {e}")))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true);
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(options.clone())
            .await
            .map_err(map_error)?;
        sqlx::migrate!("./migrations").run(&writer).await.map_err(StorageError::other)?;
        let reader = SqlitePoolOptions::new()
            .max_connections(READ_CONNECTIONS)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options.read_only(true))
            .await
            .map_err(map_error)?;
        Ok(Self { writer, reader })
    }

    /// The read pool (its size and use are exported as metrics).
    pub fn reader(&self) -> &SqlitePool {
        &self.reader
    }

    /// The write pool (one connection).
    pub fn writer(&self) -> &SqlitePool {
        &self.writer
    }
}

#[async_trait]
impl Storage for SqliteStorage {
    fn engine(&self) -> &'static str {
        "sqlite"
    }

    fn pool_stats(&self) -> Vec<PoolStats> {
        let stats = |pool: &'static str, p: &SqlitePool, max: u32| PoolStats {
            pool,
            size: p.size(),
            idle: u32::try_from(p.num_idle()).unwrap_or(u32::MAX),
            max,
        };
        vec![stats("write", &self.writer, 1), stats("read", &self.reader, READ_CONNECTIONS)]
    }

    async fn ping(&self) -> StorageResult<()> {
        let applied: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations WHERE success")
            .fetch_one(&self.reader)
            .await
            .map_err(map_error)?;
        if applied == 0 {
            return Err(StorageError::Unavailable("migrations are not applied".into()));
        }
        Ok(())
    }

    async fn list_stores(&self) -> StorageResult<Vec<Magasin>> {
        stock::list_stores(&self.reader).await
    }

    async fn get_store(&self, id: StoreId) -> StorageResult<Magasin> {
        stock::get_store(&self.reader, id).await
    }

    async fn list_products(&self, search: Option<&str>, page: PageRequest) -> StorageResult<Page<Product>> {
        catalogue::list(&self.reader, search, page).await
    }

    async fn get_product(&self, id: ProductId) -> StorageResult<Product> {
        catalogue::get(&self.reader, id).await
    }

    async fn create_product(&self, product: &NewProduct, ctx: &WriteContext) -> StorageResult<Product> {
        catalogue::create(&self.writer, product, ctx).await
    }

    async fn update_product(&self, id: ProductId, patch: &ProductPatch) -> StorageResult<Product> {
        catalogue::update(&self.writer, id, patch).await
    }

    async fn warehouse_stock(&self, query: &StockQuery) -> StorageResult<Page<WarehouseStockRow>> {
        stock::warehouse_page(&self.reader, query).await
    }

    async fn store_stock(&self, store: StoreId) -> StorageResult<Vec<StockItem>> {
        stock::store_items(&self.reader, store).await
    }

    async fn store_stock_page(&self, store: StoreId, query: &StockQuery) -> StorageResult<Page<StoreStockRow>> {
        stock::store_page(&self.reader, store, query).await
    }

    async fn ledger(&self, query: &LedgerQuery) -> StorageResult<CursorPage<LedgerEntry>> {
        stock::ledger(&self.reader, query).await
    }

    async fn ledger_discrepancies(&self) -> StorageResult<Vec<LedgerDiscrepancy>> {
        stock::ledger_discrepancies(&self.reader).await
    }

    async fn record_sale(&self, sale: &ValidSale, ctx: &WriteContext) -> StorageResult<RecordedSale> {
        sales::record(&self.writer, sale, ctx).await
    }

    async fn cancel_sale(&self, id: SaleId, ctx: &WriteContext) -> StorageResult<Sale> {
        sales::cancel(&self.writer, id, ctx).await
    }

    async fn get_sale(&self, id: SaleId) -> StorageResult<Sale> {
        sales::get(&self.reader, id).await
    }

    async fn list_sales(&self, query: &SaleQuery) -> StorageResult<CursorPage<Sale>> {
        sales::list(&self.reader, query).await
    }

    async fn create_replenishment(&self, request: &NewReplenishment) -> StorageResult<Replenishment> {
        replenishment::create(&self.writer, request).await
    }

    async fn get_replenishment(&self, id: ReplenishmentId) -> StorageResult<Replenishment> {
        replenishment::get(&self.reader, id).await
    }

    async fn list_replenishments(&self, query: &ReplenishmentQuery) -> StorageResult<CursorPage<Replenishment>> {
        replenishment::list(&self.reader, query).await
    }

    async fn approve_replenishment(&self, id: ReplenishmentId, ctx: &WriteContext) -> StorageResult<ApprovalOutcome> {
        replenishment::approve(&self.writer, id, ctx).await
    }

    async fn reject_replenishment(&self, id: ReplenishmentId, ctx: &WriteContext) -> StorageResult<Replenishment> {
        replenishment::reject(&self.writer, id, ctx).await
    }

    async fn pending_replenishments(&self) -> StorageResult<i64> {
        replenishment::pending_count(&self.reader).await
    }

    async fn sales_report(&self, filter: &ReportFilter) -> StorageResult<Vec<StoreReport>> {
        reporting::sales_report(&self.reader, filter).await
    }

    async fn dashboard(
        &self,
        filter: &ReportFilter,
        thresholds: StockThresholds,
        today: NaiveDate,
    ) -> StorageResult<Vec<DashboardRow>> {
        reporting::dashboard(&self.reader, filter, thresholds, today).await
    }

    async fn is_empty(&self) -> StorageResult<bool> {
        let stores: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM stores").fetch_one(&self.reader).await.map_err(map_error)?;
        Ok(stores == 0)
    }

    async fn load_dataset(&self, dataset: &Dataset, ctx: &WriteContext) -> StorageResult<()> {
        seeding::load_dataset(&self.writer, dataset, ctx).await
    }

    async fn import_sales_history(&self, sales: &[HistoricSale]) -> StorageResult<u64> {
        seeding::import_sales_history(&self.writer, sales).await
    }
}
