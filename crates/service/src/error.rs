//! What a use case can answer when it does not do what was asked.

use magasin_domain::{ProductId, StorageError, ValidationErrors};

pub type ServiceResult<T> = Result<T, ServiceError>;

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// The input breaks a rule; each field says why.
    #[error("invalid input: {0}")]
    Invalid(ValidationErrors),
    #[error("{entity} {id} not found")]
    NotFound { entity: &'static str, id: i64 },
    #[error("{0}")]
    Conflict(String),
    #[error("insufficient stock for {product_name}: {available} available, {requested} requested")]
    InsufficientStock { product: ProductId, product_name: String, requested: i64, available: i64 },
    #[error("service unavailable: {0}")]
    Unavailable(String),
    #[error("internal error: {0}")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl From<ValidationErrors> for ServiceError {
    fn from(errors: ValidationErrors) -> Self {
        ServiceError::Invalid(errors)
    }
}

impl From<StorageError> for ServiceError {
    fn from(error: StorageError) -> Self {
        match error {
            StorageError::NotFound { entity, id } => ServiceError::NotFound { entity, id },
            StorageError::Conflict(message) => ServiceError::Conflict(message),
            StorageError::InsufficientStock { product, product_name, requested, available } => {
                ServiceError::InsufficientStock { product, product_name, requested, available }
            }
            StorageError::Unavailable(message) => ServiceError::Unavailable(message),
            StorageError::Other(source) => ServiceError::Internal(source),
        }
    }
}
