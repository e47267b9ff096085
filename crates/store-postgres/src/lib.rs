//! PostgreSQL storage adapter: production, and the engine for several instances.
//!
//! Concurrency is PostgreSQL's: conditional updates (stock never below zero), rows locked in
//! product order (no deadlock between two sales), and decisions taken with
//! `WHERE statut = 'en_attente'` (a request is decided once). Migrations run under sqlx's
//! advisory lock, so instances starting together do not race.

mod catalogue;
mod errors;
mod replenishment;
mod reporting;
mod rows;
mod sales;
mod seeding;
mod stock;
#[cfg(feature = "testing")]
pub mod testing;

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
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use std::str::FromStr;
use std::time::Duration;

pub use errors::map_error;

/// The migrations embedded in the binary, paired with the SQLite adapter's.
static MIGRATOR: Migrator = sqlx::migrate!("./migrations");

/// How long a caller waits for a free connection before the database counts as unavailable.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);

/// The PostgreSQL adapter.
#[derive(Clone, Debug)]
pub struct PgStorage {
    pool: PgPool,
}

impl PgStorage {
    /// Connects to `url` (`postgres://…`) with at most `max_connections` connections and
    /// applies the embedded migrations.
    pub async fn connect(url: &str, max_connections: u32) -> StorageResult<Self> {
        let options = PgConnectOptions::from_str(url)
            .map_err(|e| StorageError::Unavailable(format!("invalid PostgreSQL URL: {e}")))?;
        Self::connect_with_options(options, max_connections).await
    }

    /// Like [`PgStorage::connect`], with options built by the caller (a `search_path`, TLS…).
    pub async fn connect_with_options(options: PgConnectOptions, max_connections: u32) -> StorageResult<Self> {
        let pool = PgPoolOptions::new()
            .max_connections(max_connections.max(1))
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_with(options)
            .await
            .map_err(map_error)?;
        let storage = Self::from_pool(pool);
        storage.migrate().await?;
        Ok(storage)
    }

    /// Wraps an existing pool as it is: call [`PgStorage::migrate`] unless it is known to be
    /// migrated.
    pub fn from_pool(pool: PgPool) -> Self {
        Self { pool }
    }

    /// Applies the embedded migrations not applied yet. sqlx holds an advisory lock meanwhile,
    /// so instances starting together migrate once.
    pub async fn migrate(&self) -> StorageResult<()> {
        MIGRATOR.run(&self.pool).await.map_err(errors::map_migrate_error)
    }

    /// The connection pool (its size and use are exported as metrics).
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }
}

#[async_trait]
impl Storage for PgStorage {
    fn engine(&self) -> &'static str {
        "postgres"
    }

    fn pool_stats(&self) -> Vec<PoolStats> {
        vec![PoolStats {
            pool: "main",
            size: self.pool.size(),
            idle: u32::try_from(self.pool.num_idle()).unwrap_or(u32::MAX),
            max: self.pool.options().get_max_connections(),
        }]
    }

    /// The database answers, and every embedded migration is recorded as applied.
    async fn ping(&self) -> StorageResult<()> {
        let mut conn = errors::acquire(&self.pool).await?;
        sqlx::query("SELECT 1").execute(&mut *conn).await.map_err(map_error)?;
        let applied: Vec<i64> = sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success")
            .fetch_all(&mut *conn)
            .await
            .map_err(map_error)?;
        let missing: Vec<i64> =
            MIGRATOR.iter().map(|m| m.version).filter(|version| !applied.contains(version)).collect();
        if !missing.is_empty() {
            return Err(StorageError::Unavailable(format!("migrations not applied: {missing:?}")));
        }
        Ok(())
    }

    async fn list_stores(&self) -> StorageResult<Vec<Magasin>> {
        stock::list_stores(&self.pool).await
    }

    async fn get_store(&self, id: StoreId) -> StorageResult<Magasin> {
        stock::get_store(&self.pool, id).await
    }

    async fn list_products(&self, search: Option<&str>, page: PageRequest) -> StorageResult<Page<Product>> {
        catalogue::list(&self.pool, search, page).await
    }

    async fn get_product(&self, id: ProductId) -> StorageResult<Product> {
        catalogue::get(&self.pool, id).await
    }

    async fn create_product(&self, product: &NewProduct, ctx: &WriteContext) -> StorageResult<Product> {
        catalogue::create(&self.pool, product, ctx).await
    }

    async fn update_product(&self, id: ProductId, patch: &ProductPatch) -> StorageResult<Product> {
        catalogue::update(&self.pool, id, patch).await
    }

    async fn warehouse_stock(&self, query: &StockQuery) -> StorageResult<Page<WarehouseStockRow>> {
        stock::warehouse_page(&self.pool, query).await
    }

    async fn store_stock(&self, store: StoreId) -> StorageResult<Vec<StockItem>> {
        stock::store_items(&self.pool, store).await
    }

    async fn store_stock_page(&self, store: StoreId, query: &StockQuery) -> StorageResult<Page<StoreStockRow>> {
        stock::store_page(&self.pool, store, query).await
    }

    async fn ledger(&self, query: &LedgerQuery) -> StorageResult<CursorPage<LedgerEntry>> {
        stock::ledger(&self.pool, query).await
    }

    async fn ledger_discrepancies(&self) -> StorageResult<Vec<LedgerDiscrepancy>> {
        stock::ledger_discrepancies(&self.pool).await
    }

    async fn record_sale(&self, sale: &ValidSale, ctx: &WriteContext) -> StorageResult<RecordedSale> {
        sales::record(&self.pool, sale, ctx).await
    }

    async fn cancel_sale(&self, id: SaleId, ctx: &WriteContext) -> StorageResult<Sale> {
        sales::cancel(&self.pool, id, ctx).await
    }

    async fn get_sale(&self, id: SaleId) -> StorageResult<Sale> {
        sales::get(&self.pool, id).await
    }

    async fn list_sales(&self, query: &SaleQuery) -> StorageResult<CursorPage<Sale>> {
        sales::list(&self.pool, query).await
    }

    async fn create_replenishment(&self, request: &NewReplenishment) -> StorageResult<Replenishment> {
        replenishment::create(&self.pool, request).await
    }

    async fn get_replenishment(&self, id: ReplenishmentId) -> StorageResult<Replenishment> {
        replenishment::get(&self.pool, id).await
    }

    async fn list_replenishments(&self, query: &ReplenishmentQuery) -> StorageResult<CursorPage<Replenishment>> {
        replenishment::list(&self.pool, query).await
    }

    async fn approve_replenishment(&self, id: ReplenishmentId, ctx: &WriteContext) -> StorageResult<ApprovalOutcome> {
        replenishment::approve(&self.pool, id, ctx).await
    }

    async fn reject_replenishment(&self, id: ReplenishmentId, ctx: &WriteContext) -> StorageResult<Replenishment> {
        replenishment::reject(&self.pool, id, ctx).await
    }

    async fn pending_replenishments(&self) -> StorageResult<i64> {
        replenishment::pending_count(&self.pool).await
    }

    async fn sales_report(&self, filter: &ReportFilter) -> StorageResult<Vec<StoreReport>> {
        reporting::sales_report(&self.pool, filter).await
    }

    async fn dashboard(
        &self,
        filter: &ReportFilter,
        thresholds: StockThresholds,
        today: NaiveDate,
    ) -> StorageResult<Vec<DashboardRow>> {
        reporting::dashboard(&self.pool, filter, thresholds, today).await
    }

    async fn is_empty(&self) -> StorageResult<bool> {
        let any: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM stores)")
            .fetch_one(&self.pool)
            .await
            .map_err(map_error)?;
        Ok(!any)
    }

    async fn load_dataset(&self, dataset: &Dataset, ctx: &WriteContext) -> StorageResult<()> {
        seeding::load_dataset(&self.pool, dataset, ctx).await
    }

    async fn import_sales_history(&self, sales: &[HistoricSale]) -> StorageResult<u64> {
        seeding::import_sales_history(&self.pool, sales).await
    }
}
