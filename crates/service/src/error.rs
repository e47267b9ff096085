//! What a use case can answer when it does not do what was asked.

use magasin_domain::{StorageError, ValidationErrors};

pub type ServiceResult<T> = Result<T, ServiceError>;

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// The input breaks a rule; each field says why.
    #[error("invalid input: {0}")]
    Invalid(ValidationErrors),
    /// The actor's role or stores do not allow the action; nothing was written.
    #[error("{0}")]
    Forbidden(String),
    /// What the storage answered: not found, conflict, insufficient stock, unavailable…
    #[error(transparent)]
    Storage(StorageError),
    /// A failure of the service itself (cache, rendering): logged, never shown.
    #[error("internal error: {0}")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl From<StorageError> for ServiceError {
    /// A rule the storage checked is invalid input like any other.
    fn from(error: StorageError) -> Self {
        match error {
            StorageError::Invalid(errors) => ServiceError::Invalid(errors),
            error => ServiceError::Storage(error),
        }
    }
}

impl From<ValidationErrors> for ServiceError {
    fn from(errors: ValidationErrors) -> Self {
        ServiceError::Invalid(errors)
    }
}
