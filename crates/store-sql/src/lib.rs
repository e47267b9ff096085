//! The half of storage both engines share: row types and their conversions, every statement
//! both engines accept (`$N` placeholders, `ON CONFLICT`, `RETURNING`, `UPDATE … FROM (VALUES …)`
//! work on SQLite and PostgreSQL alike), and every use case of the storage port, written once
//! against [`Engine`]. An adapter crate supplies its engine (what it writes differently), its
//! pools and its migrations, and gets [`SqlStorage`], which implements the port.

mod accounts;
mod adjustments;
mod audit;
mod catalogue;
mod closing;
mod counts;
mod driver;
mod engine;
mod health;
mod idempotency;
mod ledger;
pub mod migrations;
mod pools;
mod purchasing;
mod receiving;
mod reordering;
mod replenishment;
mod reporting;
mod returns;
mod rows;
mod run;
mod sales;
mod seeding;
mod shipping;
mod statement;
mod stock;
mod stores;
#[cfg(feature = "testing")]
pub mod testing;
mod till;
mod timing;
mod verification;
mod write_batch;

pub use driver::{Column, Driver, Reads};
pub use engine::{Connection, Db, Dialect, Engine, MAX_BINDS, is_duplicate_product_name};
pub use pools::NamedPool;

use async_trait::async_trait;

use chrono::{DateTime, NaiveDate, Utc};
use magasin_domain::accounts::{ApiTokenInfo, NewUser, User, UserChange, UserCredentials};
use magasin_domain::adjustments::{
    Adjustment, AdjustmentQuery, RecordedAdjustment, Shrinkage, ShrinkageQuery, ValidAdjustment,
};
use magasin_domain::audit::{AuditEntry, AuditQuery};
use magasin_domain::catalogue::{CatalogueRow, CodeLookup, NewProduct, Product, ProductPatch};
use magasin_domain::closing::{ClosingQuery, DayClosing, DayFigures, ValidClosing};
use magasin_domain::counts::{Count, CountEntry, CountQuery, NewCount};
use magasin_domain::ledger::{LedgerDiscrepancy, LedgerEntry, LedgerQuery};
use magasin_domain::paging::{CursorPage, Page, PageRequest};
use magasin_domain::purchasing::{OrderChange, OrderQuery, PurchaseOrder, RaisedOrder, ValidOrder};
use magasin_domain::receiving::{Receipt, ReceiptQuery, RecordedReceipt, ValidReceipt};
use magasin_domain::reordering::{
    Raise, RaisedRequest, ReorderRule, RuleChange, Suggestion, WarehouseRule, WarehouseRuleChange, WarehouseSuggestion,
};
use magasin_domain::replenishment::{
    ApprovalOutcome, ApprovalTerms, NewReplenishment, Replenishment, ReplenishmentQuery,
};
use magasin_domain::reporting::{DashboardRow, ReportFilter, StoreReport};
use magasin_domain::returns::{RecordedReturn, SaleReturn, ValidReturn};
use magasin_domain::sales::{PaymentTotal, RecordedSale, Sale, SaleQuery, ValidSale};
use magasin_domain::seed::{Dataset, HistoricSale};
use magasin_domain::shipping::{Gaps, NewTransfer, Shipment, ShipmentOutcome, ShipmentQuery, ShipmentStep};
use magasin_domain::stock::{StockItem, StockQuery, StockThresholds, StoreStockRow, WarehouseStockRow};
use magasin_domain::stores::Magasin;
use magasin_domain::till::{TillItem, TillSearch};
use magasin_domain::verification::{AggregateDiscrepancy, StockRowsDiscrepancy, VerificationReport};
use magasin_domain::{
    ApiTokenId, CountId, PoolStats, ProductId, PurchaseOrderId, ReceiptId, ReplenishmentId, ReturnId, SaleId,
    ShipmentId, Storage, StorageResult, StoreId, UserId, WriteContext,
};
use sqlx::Pool;
use sqlx::migrate::Migrator;
use timing::timed;

/// A storage on engine `E`: writes through one pool, reads through another (the same pool where
/// the engine serves reads and writes alike).
#[derive(Debug)]
pub struct SqlStorage<E: Engine> {
    writer: NamedPool<E>,
    reader: NamedPool<E>,
    migrator: &'static Migrator,
}

impl<E: Engine> Clone for SqlStorage<E> {
    fn clone(&self) -> Self {
        Self { writer: self.writer.clone(), reader: self.reader.clone(), migrator: self.migrator }
    }
}

impl<E: Engine> SqlStorage<E> {
    /// A storage whose database is migrated by `migrator` (the adapter applies it).
    pub fn new(writer: NamedPool<E>, reader: NamedPool<E>, migrator: &'static Migrator) -> Self {
        Self { writer, reader, migrator }
    }

    /// The pool writes go through.
    pub fn writer(&self) -> &Pool<Db<E>> {
        &self.writer.pool
    }

    /// The pool reads go through.
    pub fn reader(&self) -> &Pool<Db<E>> {
        &self.reader.pool
    }

    /// The engine's migrations.
    pub fn migrator(&self) -> &'static Migrator {
        self.migrator
    }
}

#[async_trait]
impl<E: Engine> Storage for SqlStorage<E> {
    fn engine(&self) -> &'static str {
        E::DIALECT.name
    }

    fn pool_stats(&self) -> Vec<PoolStats> {
        let (writer, reader) = (self.writer.stats(), self.reader.stats());
        if writer.pool == reader.pool { vec![writer] } else { vec![writer, reader] }
    }

    /// The database answers, and every embedded migration is recorded as applied.
    async fn ping(&self) -> StorageResult<()> {
        timed("ping", self.check_migrations()).await
    }
    async fn list_stores(&self) -> StorageResult<Vec<Magasin>> {
        timed("list_stores", self.stores()).await
    }

    async fn get_store(&self, id: StoreId) -> StorageResult<Magasin> {
        timed("get_store", self.store(id)).await
    }

    async fn list_products(&self, search: Option<&str>, page: PageRequest) -> StorageResult<Page<Product>> {
        timed("list_products", self.products(search, page)).await
    }

    async fn get_product(&self, id: ProductId) -> StorageResult<Product> {
        timed("get_product", self.product(id)).await
    }

    async fn import_products(&self, rows: &[CatalogueRow], ctx: &WriteContext) -> StorageResult<Vec<Product>> {
        timed("import_products", self.import_products(rows, ctx)).await
    }

    async fn product_by_code(&self, lookup: &CodeLookup) -> StorageResult<Option<Product>> {
        timed("product_by_code", self.product_with_code(lookup)).await
    }

    async fn till_search(&self, store: StoreId, search: &TillSearch) -> StorageResult<Vec<TillItem>> {
        timed("till_search", self.till_items(store, search)).await
    }

    async fn create_product(&self, product: &NewProduct, ctx: &WriteContext) -> StorageResult<Product> {
        timed("create_product", self.insert_product(product, ctx)).await
    }

    async fn update_product(&self, id: ProductId, patch: &ProductPatch, ctx: &WriteContext) -> StorageResult<Product> {
        timed("update_product", self.patch_product(id, patch, ctx)).await
    }

    async fn warehouse_stock(&self, query: &StockQuery) -> StorageResult<Page<WarehouseStockRow>> {
        timed("warehouse_stock", self.warehouse_page(query)).await
    }

    async fn store_stock(&self, store: StoreId) -> StorageResult<Vec<StockItem>> {
        timed("store_stock", self.store_items(store)).await
    }

    async fn store_stock_page(&self, store: StoreId, query: &StockQuery) -> StorageResult<Page<StoreStockRow>> {
        timed("store_stock_page", self.store_page(store, query)).await
    }

    async fn ledger(&self, query: &LedgerQuery) -> StorageResult<CursorPage<LedgerEntry>> {
        timed("ledger", self.ledger_page(query)).await
    }

    async fn ledger_discrepancies(&self) -> StorageResult<Vec<LedgerDiscrepancy>> {
        timed("ledger_discrepancies", self.discrepancies()).await
    }

    async fn record_sale(&self, sale: &ValidSale, ctx: &WriteContext) -> StorageResult<RecordedSale> {
        timed("record_sale", self.insert_sale(sale, ctx)).await
    }

    async fn cancel_sale(&self, id: SaleId, ctx: &WriteContext) -> StorageResult<Sale> {
        timed("cancel_sale", self.cancel(id, ctx)).await
    }

    async fn get_sale(&self, id: SaleId) -> StorageResult<Sale> {
        timed("get_sale", self.sale(id)).await
    }

    async fn payment_totals(&self, store: StoreId, day: NaiveDate) -> StorageResult<Vec<PaymentTotal>> {
        timed("payment_totals", self.payments_of_day(store, day)).await
    }

    async fn list_sales(&self, query: &SaleQuery) -> StorageResult<CursorPage<Sale>> {
        timed("list_sales", self.sales_page(query)).await
    }

    async fn day_figures(&self, store: StoreId, day: NaiveDate) -> StorageResult<DayFigures> {
        timed("day_figures", self.figures_of_day(store, day)).await
    }

    async fn close_day(&self, closing: &ValidClosing, ctx: &WriteContext) -> StorageResult<DayClosing> {
        timed("close_day", self.insert_closing(closing, ctx)).await
    }

    async fn get_closing(&self, store: StoreId, day: NaiveDate) -> StorageResult<Option<DayClosing>> {
        timed("get_closing", self.closing_of_day(store, day)).await
    }

    async fn list_closings(&self, query: &ClosingQuery) -> StorageResult<CursorPage<DayClosing>> {
        timed("list_closings", self.closings_page(query)).await
    }

    async fn create_replenishment(
        &self,
        request: &NewReplenishment,
        ctx: &WriteContext,
    ) -> StorageResult<Replenishment> {
        timed("create_replenishment", self.insert_replenishment(request, ctx)).await
    }

    async fn get_replenishment(&self, id: ReplenishmentId) -> StorageResult<Replenishment> {
        timed("get_replenishment", self.replenishment(id)).await
    }

    async fn list_replenishments(&self, query: &ReplenishmentQuery) -> StorageResult<CursorPage<Replenishment>> {
        timed("list_replenishments", self.replenishments_page(query)).await
    }

    async fn create_purchase_order(&self, order: &ValidOrder, ctx: &WriteContext) -> StorageResult<PurchaseOrder> {
        timed("create_purchase_order", self.insert_purchase_order(order, ctx)).await
    }

    async fn get_purchase_order(&self, id: PurchaseOrderId) -> StorageResult<PurchaseOrder> {
        timed("get_purchase_order", self.purchase_order(id)).await
    }

    async fn list_purchase_orders(&self, query: &OrderQuery) -> StorageResult<CursorPage<PurchaseOrder>> {
        timed("list_purchase_orders", self.purchase_orders_page(query)).await
    }

    async fn change_purchase_order(
        &self,
        id: PurchaseOrderId,
        change: OrderChange,
        ctx: &WriteContext,
    ) -> StorageResult<PurchaseOrder> {
        timed("change_purchase_order", self.update_purchase_order(id, change, ctx)).await
    }

    async fn set_rules(&self, change: &RuleChange, ctx: &WriteContext) -> StorageResult<u64> {
        timed("set_rules", self.upsert_rules(change, ctx)).await
    }

    async fn store_rules(&self, store: StoreId) -> StorageResult<Vec<ReorderRule>> {
        timed("store_rules", self.rules_of(store)).await
    }

    async fn suggestions(&self, store: Option<StoreId>, today: NaiveDate) -> StorageResult<Vec<Suggestion>> {
        timed("suggestions", self.suggested(store, today)).await
    }

    async fn set_warehouse_rules(&self, change: &WarehouseRuleChange, ctx: &WriteContext) -> StorageResult<u64> {
        timed("set_warehouse_rules", self.upsert_warehouse_rules(change, ctx)).await
    }

    async fn warehouse_rules(&self) -> StorageResult<Vec<WarehouseRule>> {
        timed("warehouse_rules", self.warehouse_rule_list()).await
    }

    async fn warehouse_suggestions(&self) -> StorageResult<Vec<WarehouseSuggestion>> {
        timed("warehouse_suggestions", self.warehouse_suggested()).await
    }

    async fn create_keyed_purchase_orders(
        &self,
        orders: &[(String, ValidOrder)],
        ctx: &WriteContext,
    ) -> StorageResult<Vec<RaisedOrder>> {
        timed("create_keyed_purchase_orders", self.insert_keyed_orders(orders, ctx)).await
    }

    async fn delete_rule(&self, store: StoreId, product: ProductId, ctx: &WriteContext) -> StorageResult<()> {
        timed("delete_rule", self.remove_rule(store, product, ctx)).await
    }

    async fn record_return(&self, retour: &ValidReturn, ctx: &WriteContext) -> StorageResult<RecordedReturn> {
        timed("record_return", self.insert_return(retour, ctx)).await
    }

    async fn get_return(&self, id: ReturnId) -> StorageResult<SaleReturn> {
        timed("get_return", self.sale_return(id)).await
    }

    async fn sale_returns(&self, sale: SaleId) -> StorageResult<Vec<SaleReturn>> {
        timed("sale_returns", self.returns_of_sale(sale)).await
    }

    async fn record_receipt(&self, receipt: &ValidReceipt, ctx: &WriteContext) -> StorageResult<RecordedReceipt> {
        timed("record_receipt", self.insert_receipt(receipt, ctx)).await
    }

    async fn get_receipt(&self, id: ReceiptId) -> StorageResult<Receipt> {
        timed("get_receipt", self.receipt(id)).await
    }

    async fn list_receipts(&self, query: &ReceiptQuery) -> StorageResult<CursorPage<Receipt>> {
        timed("list_receipts", self.receipts_page(query)).await
    }

    async fn record_adjustment(
        &self,
        adjustment: &ValidAdjustment,
        ctx: &WriteContext,
    ) -> StorageResult<RecordedAdjustment> {
        timed("record_adjustment", self.insert_adjustment(adjustment, ctx)).await
    }

    async fn list_adjustments(&self, query: &AdjustmentQuery) -> StorageResult<CursorPage<Adjustment>> {
        timed("list_adjustments", self.adjustments_page(query)).await
    }

    async fn shrinkage(&self, query: &ShrinkageQuery) -> StorageResult<Shrinkage> {
        timed("shrinkage", self.shrinkage_report(query)).await
    }

    async fn open_count(&self, count: &NewCount, ctx: &WriteContext) -> StorageResult<Count> {
        timed("open_count", self.insert_count(count, ctx)).await
    }

    async fn enter_count(&self, id: CountId, entries: &[CountEntry], ctx: &WriteContext) -> StorageResult<Count> {
        timed("enter_count", self.enter_entries(id, entries, ctx)).await
    }

    async fn close_count(&self, id: CountId, validate: bool, ctx: &WriteContext) -> StorageResult<Count> {
        timed("close_count", self.close_count(id, validate, ctx)).await
    }

    async fn get_count(&self, id: CountId) -> StorageResult<Count> {
        timed("get_count", self.count(id)).await
    }

    async fn count_location(&self, id: CountId) -> StorageResult<magasin_domain::stock::Location> {
        timed("count_location", self.count_place(id)).await
    }

    async fn list_counts(&self, query: &CountQuery) -> StorageResult<CursorPage<Count>> {
        timed("list_counts", self.counts_page(query)).await
    }

    async fn verify_ledger(
        &self,
        now: DateTime<Utc>,
        settled: DateTime<Utc>,
    ) -> StorageResult<Option<VerificationReport>> {
        timed("verify_ledger", self.verification_pass(now, settled)).await
    }

    async fn aggregate_discrepancies(&self) -> StorageResult<Vec<AggregateDiscrepancy>> {
        timed("aggregate_discrepancies", self.every_aggregate_discrepancy()).await
    }

    async fn stock_rows_discrepancies(&self) -> StorageResult<Vec<StockRowsDiscrepancy>> {
        timed("stock_rows_discrepancies", self.every_stock_rows_discrepancy()).await
    }

    async fn last_verification(&self) -> StorageResult<Option<VerificationReport>> {
        timed("last_verification", self.last_pass()).await
    }

    async fn approve_replenishment(
        &self,
        id: ReplenishmentId,
        terms: &ApprovalTerms,
        ctx: &WriteContext,
    ) -> StorageResult<ApprovalOutcome> {
        timed("approve_replenishment", self.approve(id, terms, ctx)).await
    }

    async fn reject_replenishment(&self, id: ReplenishmentId, ctx: &WriteContext) -> StorageResult<Replenishment> {
        timed("reject_replenishment", self.reject(id, ctx)).await
    }

    async fn pending_replenishments(&self) -> StorageResult<i64> {
        timed("pending_replenishments", self.pending_count()).await
    }

    async fn raise_replenishments(
        &self,
        raise: Raise,
        today: NaiveDate,
        ctx: &WriteContext,
    ) -> StorageResult<Vec<RaisedRequest>> {
        timed("raise_replenishments", self.raise(raise, today, ctx)).await
    }

    async fn automatic_request_due(&self, store: StoreId, products: &[ProductId]) -> StorageResult<bool> {
        timed("automatic_request_due", self.automatic_due(store, products)).await
    }

    async fn sales_report(&self, filter: &ReportFilter) -> StorageResult<Vec<StoreReport>> {
        timed("sales_report", self.report(filter)).await
    }

    async fn dashboard(
        &self,
        filter: &ReportFilter,
        thresholds: StockThresholds,
        today: NaiveDate,
    ) -> StorageResult<Vec<DashboardRow>> {
        timed("dashboard", self.dashboard_rows(filter, thresholds, today)).await
    }

    async fn create_user(&self, user: &NewUser, password_hash: &str, ctx: &WriteContext) -> StorageResult<User> {
        timed("create_user", self.insert_user(user, password_hash, ctx)).await
    }

    async fn get_user(&self, id: UserId) -> StorageResult<User> {
        timed("get_user", self.user(id)).await
    }

    async fn user_credentials(&self, login: &str) -> StorageResult<Option<UserCredentials>> {
        timed("user_credentials", self.credentials(login)).await
    }

    async fn list_users(&self) -> StorageResult<Vec<User>> {
        timed("list_users", self.users()).await
    }

    async fn update_user(&self, id: UserId, change: &UserChange, ctx: &WriteContext) -> StorageResult<User> {
        timed("update_user", self.change_user(id, change, ctx)).await
    }

    async fn end_sessions(&self, id: UserId) -> StorageResult<User> {
        timed("end_sessions", self.bump_session_epoch(id)).await
    }

    async fn create_api_token(
        &self,
        user: UserId,
        name: &str,
        secret_hash: &str,
        ctx: &WriteContext,
    ) -> StorageResult<ApiTokenInfo> {
        timed("create_api_token", self.insert_api_token(user, name, secret_hash, ctx)).await
    }

    async fn api_token_holder(&self, secret_hash: &str, at: DateTime<Utc>) -> StorageResult<Option<User>> {
        timed("api_token_holder", self.token_holder(secret_hash, at)).await
    }

    async fn list_api_tokens(&self, user: UserId) -> StorageResult<Vec<ApiTokenInfo>> {
        timed("list_api_tokens", self.api_tokens(user)).await
    }

    async fn revoke_api_token(&self, user: UserId, id: ApiTokenId, ctx: &WriteContext) -> StorageResult<ApiTokenInfo> {
        timed("revoke_api_token", self.revoke_token(user, id, ctx)).await
    }

    async fn create_transfer(
        &self,
        transfer: &NewTransfer,
        key: Option<&str>,
        ctx: &WriteContext,
    ) -> StorageResult<ShipmentOutcome> {
        timed("create_transfer", self.insert_transfer(transfer, key, ctx)).await
    }

    async fn get_shipment(&self, id: ShipmentId) -> StorageResult<Shipment> {
        timed("get_shipment", self.shipment(id)).await
    }

    async fn list_shipments(&self, query: &ShipmentQuery) -> StorageResult<CursorPage<Shipment>> {
        timed("list_shipments", self.shipments_page(query)).await
    }

    async fn shipment_step(
        &self,
        id: ShipmentId,
        step: ShipmentStep,
        gaps: &Gaps,
        ctx: &WriteContext,
    ) -> StorageResult<ShipmentOutcome> {
        timed("shipment_step", self.take_shipment_step(id, step, gaps, ctx)).await
    }

    async fn audit_log(&self, query: &AuditQuery) -> StorageResult<CursorPage<AuditEntry>> {
        timed("audit_log", self.audit_page(query)).await
    }

    async fn is_empty(&self) -> StorageResult<bool> {
        timed("is_empty", self.has_no_store()).await
    }

    async fn load_dataset(&self, dataset: &Dataset, ctx: &WriteContext) -> StorageResult<()> {
        timed("load_dataset", self.load(dataset, ctx)).await
    }

    async fn import_sales_history(&self, sales: &[HistoricSale]) -> StorageResult<u64> {
        timed("import_sales_history", self.import_history(sales)).await
    }
}
