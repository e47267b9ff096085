//! The retail domain of magasin: what a store, a product, a sale, a replenishment request and a
//! stock movement are, the rules they obey, and the storage port the adapters implement.
//!
//! Nothing here knows about HTTP, SQL or an async runtime.

pub mod accounts;
pub mod adjustments;
pub mod audit;
pub mod catalogue;
pub mod closing;
pub mod counts;
pub mod error;
pub mod ids;
pub mod ledger;
pub mod money;
pub mod paging;
pub mod purchasing;
pub mod receiving;
pub mod reordering;
pub mod replenishment;
pub mod reporting;
pub mod returns;
pub mod sales;
pub mod seed;
pub mod shipping;
pub mod stock;
pub mod storage;
pub mod stores;
pub mod till;
pub mod validation;
pub mod verification;

#[cfg(feature = "contract")]
pub mod contract;

pub use error::StorageError;
pub use ids::{
    AdjustmentId, ApiTokenId, CountId, LedgerEntryId, ProductId, PurchaseOrderId, ReceiptId, ReplenishmentId, ReturnId,
    SaleId, ShipmentId, StoreId, UserId,
};
pub use money::Money;
pub use storage::{PoolStats, Storage, StorageResult, WriteContext};
pub use validation::{FieldError, ValidationCode, ValidationErrors};
