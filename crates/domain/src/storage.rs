//! The storage port: one method per use case, each one transaction in the adapter.

use crate::accounts::{ApiTokenInfo, NewUser, User, UserChange, UserCredentials};
use crate::adjustments::{Adjustment, AdjustmentQuery, RecordedAdjustment, Shrinkage, ShrinkageQuery, ValidAdjustment};
use crate::audit::{AuditEntry, AuditQuery};
use crate::catalogue::{CatalogueRow, CodeLookup, NewProduct, Product, ProductPatch};
use crate::closing::{ClosingQuery, DayClosing, DayFigures, ValidClosing};
use crate::counts::{Count, CountEntry, CountQuery, NewCount};
use crate::error::StorageError;
use crate::ids::{
    ApiTokenId, CountId, ProductId, PurchaseOrderId, ReceiptId, ReplenishmentId, ReturnId, SaleId, ShipmentId, StoreId,
    UserId,
};
use crate::ledger::{LedgerDiscrepancy, LedgerEntry, LedgerQuery};
use crate::paging::{CursorPage, Page, PageRequest};
use crate::purchasing::{OrderChange, OrderQuery, PurchaseOrder, RaisedOrder, ValidOrder};
use crate::receiving::{Receipt, ReceiptQuery, RecordedReceipt, ValidReceipt};
use crate::reordering::{
    Raise, RaisedRequest, ReorderRule, RuleChange, Suggestion, WarehouseRule, WarehouseRuleChange, WarehouseSuggestion,
};
use crate::replenishment::{ApprovalOutcome, ApprovalTerms, NewReplenishment, Replenishment, ReplenishmentQuery};
use crate::reporting::{DashboardRow, ReportFilter, StoreReport};
use crate::returns::{RecordedReturn, SaleReturn, ValidReturn};
use crate::sales::{PaymentTotal, RecordedSale, Sale, SaleQuery, ValidSale};
use crate::seed::{Dataset, HistoricSale};
use crate::shipping::{Gaps, NewTransfer, Shipment, ShipmentOutcome, ShipmentQuery, ShipmentStep};
use crate::stock::{StockItem, StockQuery, StockThresholds, StoreStockRow, WarehouseStockRow};
use crate::stores::Magasin;
use crate::verification::{AggregateDiscrepancy, StockRowsDiscrepancy, VerificationReport};
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};

pub type StorageResult<T> = Result<T, StorageError>;

/// Who asked for a write, and in which request: written beside what it changes (the stock
/// ledger, the sale, the decision, the product's audit row).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WriteContext {
    /// The API request id, when the write came from a request.
    pub request_id: Option<String>,
    /// When the write happens.
    pub at: DateTime<Utc>,
    /// Who makes it: a user's login, `service` (the service token), or `system` (magasin itself:
    /// seeding, the demo data).
    pub actor: String,
}

/// The actor of writes magasin makes itself (seeding, the demo data).
pub const SYSTEM_ACTOR: &str = "system";

impl WriteContext {
    /// A write magasin makes itself, now.
    pub fn now() -> Self {
        Self { request_id: None, at: Utc::now(), actor: SYSTEM_ACTOR.into() }
    }

    /// A write by `actor`, now, in the request `request_id`.
    pub fn by(actor: &crate::accounts::Actor, request_id: Option<String>, at: DateTime<Utc>) -> Self {
        Self { request_id, at, actor: actor.name().to_string() }
    }
}

/// Occupancy of one connection pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolStats {
    /// The pool's name (`main`, `read`, `write`).
    pub pool: &'static str,
    /// Open connections.
    pub size: u32,
    /// Open connections not in use.
    pub idle: u32,
    /// Largest number of connections.
    pub max: u32,
}

/// What magasin needs from a database. Every write method is one transaction: it happens
/// entirely or not at all, and appends its stock movements to the ledger in that transaction.
#[async_trait]
pub trait Storage: Send + Sync + 'static {
    /// `"sqlite"` or `"postgres"`.
    fn engine(&self) -> &'static str;

    /// Whether the database answers and its migrations are applied.
    async fn ping(&self) -> StorageResult<()>;

    /// Occupancy of the adapter's connection pools (for metrics).
    fn pool_stats(&self) -> Vec<PoolStats> {
        Vec::new()
    }

    // Stores.
    async fn list_stores(&self) -> StorageResult<Vec<Magasin>>;
    async fn get_store(&self, id: StoreId) -> StorageResult<Magasin>;

    // Catalogue.
    /// Products whose name or category contains `search` (a [`crate::catalogue::search_key`]), by id.
    async fn list_products(&self, search: Option<&str>, page: PageRequest) -> StorageResult<Page<Product>>;
    async fn get_product(&self, id: ProductId) -> StorageResult<Product>;
    /// Creates and updates products as the rows say, in one transaction: a row that cannot be
    /// written (a name or code taken: a conflict naming its line; an unknown product: not found)
    /// writes nothing at all. The products written, in the rows' order.
    async fn import_products(&self, rows: &[CatalogueRow], ctx: &WriteContext) -> StorageResult<Vec<Product>>;
    /// The product whose barcode, or else SKU, the lookup names (one indexed read).
    async fn product_by_code(&self, lookup: &CodeLookup) -> StorageResult<Option<Product>>;
    /// Up to [`crate::till::MAX_SUGGESTIONS`] products for a store's till, with what it can sell of each.
    async fn till_search(
        &self,
        store: StoreId,
        search: &crate::till::TillSearch,
    ) -> StorageResult<Vec<crate::till::TillItem>>;
    /// Creates the product and its warehouse stock row (with its opening ledger entry).
    async fn create_product(&self, product: &NewProduct, ctx: &WriteContext) -> StorageResult<Product>;
    /// Changes what the patch names; the audit log keeps the fields before and after.
    async fn update_product(&self, id: ProductId, patch: &ProductPatch, ctx: &WriteContext) -> StorageResult<Product>;

    // Stock.
    async fn warehouse_stock(&self, query: &StockQuery) -> StorageResult<Page<WarehouseStockRow>>;
    /// A store's whole local stock, by product id.
    async fn store_stock(&self, store: StoreId) -> StorageResult<Vec<StockItem>>;
    async fn store_stock_page(&self, store: StoreId, query: &StockQuery) -> StorageResult<Page<StoreStockRow>>;
    async fn ledger(&self, query: &LedgerQuery) -> StorageResult<CursorPage<LedgerEntry>>;
    /// Every location and product whose ledger sum differs from its quantity (empty when sound).
    async fn ledger_discrepancies(&self) -> StorageResult<Vec<LedgerDiscrepancy>>;

    // Sales.
    /// Records all lines or none: prices read, local stock decremented (never below zero),
    /// totals and daily aggregates updated, ledger appended. A known idempotency key with the
    /// same fingerprint returns the sale it recorded; with another fingerprint, a conflict.
    async fn record_sale(&self, sale: &ValidSale, ctx: &WriteContext) -> StorageResult<RecordedSale>;
    /// Cancels once: stock restored, aggregates reversed; a second cancel, or a cancel after a
    /// return, is a conflict.
    async fn cancel_sale(&self, id: SaleId, ctx: &WriteContext) -> StorageResult<Sale>;
    async fn get_sale(&self, id: SaleId) -> StorageResult<Sale>;
    async fn list_sales(&self, query: &SaleQuery) -> StorageResult<CursorPage<Sale>>;
    /// A store's sales of one day (not cancelled) by payment method: one read of that day's
    /// sales, by the store-day index.
    async fn payment_totals(&self, store: StoreId, day: NaiveDate) -> StorageResult<Vec<PaymentTotal>>;

    // End-of-day closes.
    /// A store's day as a close would keep it now (its sales by the store-day index, its
    /// cancellations by the cancellation-time index, its returns by the day index); an unknown
    /// store is not found.
    async fn day_figures(&self, store: StoreId, day: NaiveDate) -> StorageResult<DayFigures>;
    /// Closes a store's day once, its figures read in the same transaction under the store's
    /// lock (so no sale, cancellation or return of that store can slip between the figures and
    /// the close), with its audit row. A day closed already is [`StorageError::DayClosed`].
    async fn close_day(&self, closing: &ValidClosing, ctx: &WriteContext) -> StorageResult<DayClosing>;
    /// The close of a store's day, if it was closed; an unknown store is not found.
    async fn get_closing(&self, store: StoreId, day: NaiveDate) -> StorageResult<Option<DayClosing>>;
    /// A store's closes, the last recorded first; an unknown store is not found.
    async fn list_closings(&self, query: &ClosingQuery) -> StorageResult<CursorPage<DayClosing>>;

    // Reordering rules.
    /// Sets a store's rules (others stay) in one transaction with its audit row; an unknown store
    /// or product is not found. How many were set.
    async fn set_rules(&self, change: &RuleChange, ctx: &WriteContext) -> StorageResult<u64>;
    /// A store's rules, by product (an unknown store is not found).
    async fn store_rules(&self, store: StoreId) -> StorageResult<Vec<ReorderRule>>;
    /// Every product below its minimum with what to ask for, of one store (unknown: not found)
    /// or all, as of `today`.
    async fn suggestions(&self, store: Option<StoreId>, today: NaiveDate) -> StorageResult<Vec<Suggestion>>;
    /// Removes one rule; none is not found.
    async fn delete_rule(&self, store: StoreId, product: ProductId, ctx: &WriteContext) -> StorageResult<()>;
    /// Sets the warehouse's rules for the products named (others stay), with the audit row; an
    /// unknown product is not found. How many were set.
    async fn set_warehouse_rules(&self, change: &WarehouseRuleChange, ctx: &WriteContext) -> StorageResult<u64>;
    /// The warehouse's rules, by product.
    async fn warehouse_rules(&self) -> StorageResult<Vec<WarehouseRule>>;
    /// Every product of which the warehouse holds and still expects (sent orders) less than its
    /// rule's minimum, with what to order: one set query.
    async fn warehouse_suggestions(&self) -> StorageResult<Vec<WarehouseSuggestion>>;

    // Returns.
    /// Takes goods of a sale back in one transaction: resellable units into the store's stock
    /// (a ledger row each, reason `retour`), the refund at the prices paid, the return
    /// aggregates, the audit row. A line returning more than it sold in all, a cancelled sale, a
    /// sale past `window`, or past [`crate::returns::MAX_RETURNS_PER_SALE`] returns, is a
    /// conflict; an unknown sale or line is not found; a key replays as for sales.
    async fn record_return(&self, retour: &ValidReturn, ctx: &WriteContext) -> StorageResult<RecordedReturn>;
    async fn get_return(&self, id: ReturnId) -> StorageResult<SaleReturn>;
    /// The returns of a sale, oldest first (an unknown sale is not found).
    async fn sale_returns(&self, sale: SaleId) -> StorageResult<Vec<SaleReturn>>;

    // Replenishment.
    /// Records a pending request and its lines; an unknown store or product is not found.
    async fn create_replenishment(
        &self,
        request: &NewReplenishment,
        ctx: &WriteContext,
    ) -> StorageResult<Replenishment>;
    async fn get_replenishment(&self, id: ReplenishmentId) -> StorageResult<Replenishment>;
    async fn list_replenishments(&self, query: &ReplenishmentQuery) -> StorageResult<CursorPage<Replenishment>>;
    /// Decides a pending request exactly once, each line granted as [`crate::replenishment::grants`]
    /// says from the warehouse's stock read under lock: the granted goods move, or (the lab's
    /// approval) it is refused for lack of stock. With terms, a shortfall is a conflict and
    /// nothing is written. A request no longer pending is a conflict.
    async fn approve_replenishment(
        &self,
        id: ReplenishmentId,
        terms: &ApprovalTerms,
        ctx: &WriteContext,
    ) -> StorageResult<ApprovalOutcome>;
    async fn reject_replenishment(&self, id: ReplenishmentId, ctx: &WriteContext) -> StorageResult<Replenishment>;
    /// How many requests are pending.
    async fn pending_replenishments(&self) -> StorageResult<i64>;
    /// Writes, in one transaction, one request per store from the suggestions as of `today`
    /// ([`crate::reordering::lines_to_ask`]): for [`Raise::Suggestions`] under the store's key of
    /// the day (an existing one is returned, not written again; an unknown store is not found),
    /// for [`Raise::Automatic`] unless an automatic request of the store is pending (then none).
    async fn raise_replenishments(
        &self,
        raise: Raise,
        today: NaiveDate,
        ctx: &WriteContext,
    ) -> StorageResult<Vec<RaisedRequest>>;
    /// Whether a sale of `products` at `store` should raise an automatic request: one of them
    /// has an automatic rule and now needs goods, and no automatic request of the store is
    /// pending. One indexed read.
    async fn automatic_request_due(&self, store: StoreId, products: &[ProductId]) -> StorageResult<bool>;

    // Goods in transit.
    /// A transfer between two stores in one transaction: the goods reserved at the origin (each
    /// product's quantity less its reserve must cover its line, or nothing is written), the
    /// shipment prepared, its audit row. A key already used for the same transfer answers it
    /// unchanged; for another, a conflict. An unknown store or product is not found.
    async fn create_transfer(
        &self,
        transfer: &NewTransfer,
        key: Option<&str>,
        ctx: &WriteContext,
    ) -> StorageResult<ShipmentOutcome>;
    async fn get_shipment(&self, id: ShipmentId) -> StorageResult<Shipment>;
    async fn list_shipments(&self, query: &ShipmentQuery) -> StorageResult<CursorPage<Shipment>>;
    /// Takes a step of a shipment once, as [`crate::shipping::decide_step`] says, in one
    /// transaction with its stock, transit and ledger rows and its audit row: shipping moves the
    /// reserved goods into transit, receiving moves them into the store (less `gaps`, each unit
    /// of which leaves transit with its reason), cancelling releases the reserve. A step taken
    /// already answers the shipment unchanged (a reception naming other gaps is a conflict).
    async fn shipment_step(
        &self,
        id: ShipmentId,
        step: ShipmentStep,
        gaps: &Gaps,
        ctx: &WriteContext,
    ) -> StorageResult<ShipmentOutcome>;

    // Goods received.
    /// Records goods received at the warehouse in one transaction: the warehouse's stock, a
    /// ledger row per line (reason `reception`), the audit row. A key already used for the same
    /// receipt replays it; for another receipt it is a conflict. An unknown product is not found.
    /// Against a purchase order: the order must be waiting for goods and hold every product, and
    /// no line may receive more than it ordered plus the order's tolerance (conflicts); the lines'
    /// received quantities and the order's status move in the same transaction.
    async fn record_receipt(&self, receipt: &ValidReceipt, ctx: &WriteContext) -> StorageResult<RecordedReceipt>;
    async fn get_receipt(&self, id: ReceiptId) -> StorageResult<Receipt>;
    async fn list_receipts(&self, query: &ReceiptQuery) -> StorageResult<CursorPage<Receipt>>;

    // Purchase orders.
    /// Creates a draft; an unknown product is not found.
    async fn create_purchase_order(&self, order: &ValidOrder, ctx: &WriteContext) -> StorageResult<PurchaseOrder>;
    async fn get_purchase_order(&self, id: PurchaseOrderId) -> StorageResult<PurchaseOrder>;
    /// Creates drafts, each under its unique key, in one transaction; an order whose key exists
    /// is returned as it is (`created` false), not written again. An unknown product is not found.
    async fn create_keyed_purchase_orders(
        &self,
        orders: &[(String, ValidOrder)],
        ctx: &WriteContext,
    ) -> StorageResult<Vec<RaisedOrder>>;
    async fn list_purchase_orders(&self, query: &OrderQuery) -> StorageResult<CursorPage<PurchaseOrder>>;
    /// Sends, closes or cancels an order, once, as [`OrderChange::apply`] allows (a conflict
    /// otherwise), with its audit row.
    async fn change_purchase_order(
        &self,
        id: PurchaseOrderId,
        change: OrderChange,
        ctx: &WriteContext,
    ) -> StorageResult<PurchaseOrder>;

    // Adjustments.
    /// Corrects one quantity in one transaction: the stock row, a ledger row (reason
    /// `ajustement_<code>`, the adjustment as source), the audit row. A quantity that would go
    /// below zero is refused ([`crate::StorageError::InsufficientStock`]); an unknown store or
    /// product is not found; a key replays as for sales.
    async fn record_adjustment(
        &self,
        adjustment: &ValidAdjustment,
        ctx: &WriteContext,
    ) -> StorageResult<RecordedAdjustment>;
    async fn list_adjustments(&self, query: &AdjustmentQuery) -> StorageResult<CursorPage<Adjustment>>;
    /// Adjustments added up per reason.
    async fn shrinkage(&self, query: &ShrinkageQuery) -> StorageResult<Shrinkage>;

    // Physical counts.
    /// Opens a count: a line per product of the location (or of the category) with what it
    /// holds now. An unknown store is not found; a category without products a conflict.
    async fn open_count(&self, count: &NewCount, ctx: &WriteContext) -> StorageResult<Count>;
    /// Enters counted quantities; a product not on the count is not found, a count no longer
    /// open a conflict.
    async fn enter_count(&self, id: CountId, entries: &[CountEntry], ctx: &WriteContext) -> StorageResult<Count>;
    /// Validates (posting each counted line's variance as an adjustment) or cancels an open
    /// count, once: a count no longer open is a conflict.
    async fn close_count(&self, id: CountId, validate: bool, ctx: &WriteContext) -> StorageResult<Count>;
    async fn get_count(&self, id: CountId) -> StorageResult<Count>;
    /// Where a count is taken, without its lines (who may act on it depends on it).
    async fn count_location(&self, id: CountId) -> StorageResult<crate::stock::Location>;
    /// Counts of a location, newest first, without their lines.
    async fn list_counts(&self, query: &CountQuery) -> StorageResult<CursorPage<Count>>;

    // The ledger checking itself.
    /// One pass of the verifier: adds the ledger rows written before `settled` (and since the
    /// last pass) to the kept sums, compares every balance with them plus the newer rows, and the
    /// aggregates of the sales days touched since the last pass with their sale lines; records
    /// the pass. `None` when another instance is running a pass.
    async fn verify_ledger(
        &self,
        now: DateTime<Utc>,
        settled: DateTime<Utc>,
    ) -> StorageResult<Option<VerificationReport>>;
    /// Every kept sales aggregate that differs from the sale lines it sums (the full check).
    async fn aggregate_discrepancies(&self) -> StorageResult<Vec<AggregateDiscrepancy>>;
    /// Every store whose kept number of stock rows differs from the rows it holds.
    async fn stock_rows_discrepancies(&self) -> StorageResult<Vec<StockRowsDiscrepancy>>;
    /// The last pass, if one ran.
    async fn last_verification(&self) -> StorageResult<Option<VerificationReport>>;

    // Reporting, from the aggregates kept by sales (never from the sale lines).
    async fn sales_report(&self, filter: &ReportFilter) -> StorageResult<Vec<StoreReport>>;
    /// Per store: revenue, stock-outs, overstock, and the trend of the 7 days ending `today`.
    async fn dashboard(
        &self,
        filter: &ReportFilter,
        thresholds: StockThresholds,
        today: NaiveDate,
    ) -> StorageResult<Vec<DashboardRow>>;

    // Accounts.
    /// Creates an account acting for `user.stores`; a login already taken is a conflict, an
    /// unknown store not found.
    async fn create_user(&self, user: &NewUser, password_hash: &str, ctx: &WriteContext) -> StorageResult<User>;
    async fn get_user(&self, id: UserId) -> StorageResult<User>;
    /// The account with this login and its password hash (disabled accounts too).
    async fn user_credentials(&self, login: &str) -> StorageResult<Option<UserCredentials>>;
    /// Every account, by id.
    async fn list_users(&self) -> StorageResult<Vec<User>>;
    /// Changes what `change` names, in one transaction with its audit row; a new password, role or
    /// state also ends every session of the user (its epoch moves on). Disabling or demoting the
    /// last active administrator is a conflict, nothing written.
    async fn update_user(&self, id: UserId, change: &UserChange, ctx: &WriteContext) -> StorageResult<User>;
    /// Ends every session of the user, on every instance (its epoch moves on).
    async fn end_sessions(&self, id: UserId) -> StorageResult<User>;
    /// Keeps a personal token of `user` by the hash of its secret.
    async fn create_api_token(
        &self,
        user: UserId,
        name: &str,
        secret_hash: &str,
        ctx: &WriteContext,
    ) -> StorageResult<ApiTokenInfo>;
    /// The holder of the unrevoked token whose secret hashes to `secret_hash` (disabled or not);
    /// records the use at `at` (at most once a minute per token).
    async fn api_token_holder(&self, secret_hash: &str, at: DateTime<Utc>) -> StorageResult<Option<User>>;
    /// `user`'s tokens, revoked ones included, by id.
    async fn list_api_tokens(&self, user: UserId) -> StorageResult<Vec<ApiTokenInfo>>;
    /// Revokes one of `user`'s tokens (again: no change); another user's is not found.
    async fn revoke_api_token(&self, user: UserId, id: ApiTokenId, ctx: &WriteContext) -> StorageResult<ApiTokenInfo>;

    // Audit.
    /// Who did what: every write's entry, newest first (cursor-paged), by actor, action and days.
    async fn audit_log(&self, query: &AuditQuery) -> StorageResult<CursorPage<AuditEntry>>;

    // Seeding.
    /// Whether no store exists yet.
    async fn is_empty(&self) -> StorageResult<bool>;
    /// Loads stores, products and opening balances (with their ledger entries) in one transaction.
    async fn load_dataset(&self, dataset: &Dataset, ctx: &WriteContext) -> StorageResult<()>;
    /// Appends past sales (lines and aggregates); they do not move stock.
    async fn import_sales_history(&self, sales: &[HistoricSale]) -> StorageResult<u64>;
}
