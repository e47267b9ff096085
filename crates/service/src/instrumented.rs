//! A storage decorator that times every operation by name and counts database errors.

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
use std::future::Future;
use std::sync::Arc;
use std::time::Instant;

/// Wraps a storage; `magasin_db_query_duration_seconds{query}` and `magasin_db_errors_total{query,kind}`.
pub struct Instrumented {
    inner: Arc<dyn Storage>,
}

impl Instrumented {
    pub fn new(inner: Arc<dyn Storage>) -> Self {
        Self { inner }
    }
}

async fn timed<T>(query: &'static str, operation: impl Future<Output = StorageResult<T>>) -> StorageResult<T> {
    let started = Instant::now();
    let result = operation.await;
    metrics::histogram!("magasin_db_query_duration_seconds", "query" => query).record(started.elapsed().as_secs_f64());
    let kind = match &result {
        Err(StorageError::Unavailable(_)) => Some("unavailable"),
        Err(StorageError::Other(_)) => Some("other"),
        _ => None,
    };
    if let Some(kind) = kind {
        metrics::counter!("magasin_db_errors_total", "query" => query, "kind" => kind).increment(1);
    }
    result
}

#[async_trait]
impl Storage for Instrumented {
    fn engine(&self) -> &'static str {
        self.inner.engine()
    }
    fn pool_stats(&self) -> Vec<PoolStats> {
        self.inner.pool_stats()
    }
    async fn ping(&self) -> StorageResult<()> {
        timed("ping", self.inner.ping()).await
    }
    async fn list_stores(&self) -> StorageResult<Vec<Magasin>> {
        timed("list_stores", self.inner.list_stores()).await
    }
    async fn get_store(&self, id: StoreId) -> StorageResult<Magasin> {
        timed("get_store", self.inner.get_store(id)).await
    }
    async fn list_products(&self, search: Option<&str>, page: PageRequest) -> StorageResult<Page<Product>> {
        timed("list_products", self.inner.list_products(search, page)).await
    }
    async fn get_product(&self, id: ProductId) -> StorageResult<Product> {
        timed("get_product", self.inner.get_product(id)).await
    }
    async fn create_product(&self, product: &NewProduct, ctx: &WriteContext) -> StorageResult<Product> {
        timed("create_product", self.inner.create_product(product, ctx)).await
    }
    async fn update_product(&self, id: ProductId, patch: &ProductPatch) -> StorageResult<Product> {
        timed("update_product", self.inner.update_product(id, patch)).await
    }
    async fn warehouse_stock(&self, query: &StockQuery) -> StorageResult<Page<WarehouseStockRow>> {
        timed("warehouse_stock", self.inner.warehouse_stock(query)).await
    }
    async fn store_stock(&self, store: StoreId) -> StorageResult<Vec<StockItem>> {
        timed("store_stock", self.inner.store_stock(store)).await
    }
    async fn store_stock_page(&self, store: StoreId, query: &StockQuery) -> StorageResult<Page<StoreStockRow>> {
        timed("store_stock_page", self.inner.store_stock_page(store, query)).await
    }
    async fn ledger(&self, query: &LedgerQuery) -> StorageResult<CursorPage<LedgerEntry>> {
        timed("ledger", self.inner.ledger(query)).await
    }
    async fn ledger_discrepancies(&self) -> StorageResult<Vec<LedgerDiscrepancy>> {
        timed("ledger_discrepancies", self.inner.ledger_discrepancies()).await
    }
    async fn record_sale(&self, sale: &ValidSale, ctx: &WriteContext) -> StorageResult<RecordedSale> {
        timed("record_sale", self.inner.record_sale(sale, ctx)).await
    }
    async fn cancel_sale(&self, id: SaleId, ctx: &WriteContext) -> StorageResult<Sale> {
        timed("cancel_sale", self.inner.cancel_sale(id, ctx)).await
    }
    async fn get_sale(&self, id: SaleId) -> StorageResult<Sale> {
        timed("get_sale", self.inner.get_sale(id)).await
    }
    async fn list_sales(&self, query: &SaleQuery) -> StorageResult<CursorPage<Sale>> {
        timed("list_sales", self.inner.list_sales(query)).await
    }
    async fn create_replenishment(&self, request: &NewReplenishment) -> StorageResult<Replenishment> {
        timed("create_replenishment", self.inner.create_replenishment(request)).await
    }
    async fn get_replenishment(&self, id: ReplenishmentId) -> StorageResult<Replenishment> {
        timed("get_replenishment", self.inner.get_replenishment(id)).await
    }
    async fn list_replenishments(&self, query: &ReplenishmentQuery) -> StorageResult<CursorPage<Replenishment>> {
        timed("list_replenishments", self.inner.list_replenishments(query)).await
    }
    async fn approve_replenishment(&self, id: ReplenishmentId, ctx: &WriteContext) -> StorageResult<ApprovalOutcome> {
        timed("approve_replenishment", self.inner.approve_replenishment(id, ctx)).await
    }
    async fn reject_replenishment(&self, id: ReplenishmentId, ctx: &WriteContext) -> StorageResult<Replenishment> {
        timed("reject_replenishment", self.inner.reject_replenishment(id, ctx)).await
    }
    async fn pending_replenishments(&self) -> StorageResult<i64> {
        timed("pending_replenishments", self.inner.pending_replenishments()).await
    }
    async fn sales_report(&self, filter: &ReportFilter) -> StorageResult<Vec<StoreReport>> {
        timed("sales_report", self.inner.sales_report(filter)).await
    }
    async fn dashboard(
        &self,
        filter: &ReportFilter,
        thresholds: StockThresholds,
        today: NaiveDate,
    ) -> StorageResult<Vec<DashboardRow>> {
        timed("dashboard", self.inner.dashboard(filter, thresholds, today)).await
    }
    async fn is_empty(&self) -> StorageResult<bool> {
        timed("is_empty", self.inner.is_empty()).await
    }
    async fn load_dataset(&self, dataset: &Dataset, ctx: &WriteContext) -> StorageResult<()> {
        timed("load_dataset", self.inner.load_dataset(dataset, ctx)).await
    }
    async fn import_sales_history(&self, sales: &[HistoricSale]) -> StorageResult<u64> {
        timed("import_sales_history", self.inner.import_sales_history(sales)).await
    }
}
