//! Errors of the domain: invalid input (see [`crate::validation`]), and what the storage port
//! can answer.

use crate::ids::{ProductId, StoreId};
use crate::validation::ValidationErrors;

/// What a storage adapter answers when it cannot do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The entity does not exist.
    #[error("{entity} {id} not found")]
    NotFound { entity: &'static str, id: i64 },
    /// The input breaks a rule only the storage can check, inside its transaction (a sale's
    /// total at the prices it reads there).
    #[error("invalid input: {0}")]
    Invalid(ValidationErrors),
    /// The request conflicts with the current state (already cancelled, already decided, duplicate name…).
    #[error("{0}")]
    Conflict(String),
    /// Not enough local stock for one product of a sale (`requested`: the sale's total for it;
    /// `available`: the stock before the sale). The text is the API's; the web interface has its own.
    #[error("Insufficient stock for {product_name} (product {product}): {available} available, {requested} requested.")]
    InsufficientStock { product: ProductId, product_name: String, requested: i64, available: i64 },
    /// The store's till is closed for the day: the day's sales, cancellations and returns can
    /// no longer change, and it is not closed twice. The text is the API's; the web interface
    /// has its own.
    #[error(
        "The till of store {store_name} (store {store}) is closed for {jour}: its sales, cancellations and returns of that day can no longer change."
    )]
    DayClosed { store: StoreId, store_name: String, jour: chrono::NaiveDate },
    /// The database cannot be reached right now.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// Anything else: a bug or a broken database. Its detail is logged, never shown to clients.
    #[error("storage failure: {0}")]
    Other(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl StorageError {
    pub fn not_found(entity: &'static str, id: i64) -> Self {
        StorageError::NotFound { entity, id }
    }

    pub fn other(error: impl std::error::Error + Send + Sync + 'static) -> Self {
        StorageError::Other(Box::new(error))
    }
}
