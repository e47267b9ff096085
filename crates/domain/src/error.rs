//! Errors of the domain: invalid input, and what the storage port can answer.

use crate::ids::ProductId;
use std::fmt;

/// One invalid field and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

/// Every invalid field of one input, in the order they were checked.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ValidationErrors(pub Vec<FieldError>);

impl ValidationErrors {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn single(field: impl Into<String>, message: impl Into<String>) -> Self {
        let mut errors = Self::new();
        errors.add(field, message);
        errors
    }

    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldError { field: field.into(), message: message.into() });
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok(value)` when nothing was added, the errors otherwise.
    pub fn into_result<T>(self, value: T) -> Result<T, ValidationErrors> {
        if self.is_empty() { Ok(value) } else { Err(self) }
    }
}

impl fmt::Display for ValidationErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self.0.iter().map(|e| format!("{}: {}", e.field, e.message)).collect();
        f.write_str(&parts.join("; "))
    }
}

impl std::error::Error for ValidationErrors {}

/// What a storage adapter answers when it cannot do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The entity does not exist.
    #[error("{entity} {id} not found")]
    NotFound { entity: &'static str, id: i64 },
    /// The request conflicts with the current state (already cancelled, already decided, duplicate name…).
    #[error("{0}")]
    Conflict(String),
    /// Not enough local stock for one product of a sale (`requested`: the sale's total for it;
    /// `available`: the stock before the sale).
    #[error("insufficient stock for {product_name} (product {product}): {available} available, {requested} requested")]
    InsufficientStock { product: ProductId, product_name: String, requested: i64, available: i64 },
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
