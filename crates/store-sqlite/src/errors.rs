//! SQLite's errors mapped into the domain's `StorageError`.

use magasin_domain::StorageError;
use magasin_store_sql::is_duplicate_product_name;
use sqlx::error::ErrorKind;

/// Maps a sqlx error: constraint violations become conflicts, connection trouble unavailability.
pub fn map_error(error: sqlx::Error) -> StorageError {
    match &error {
        sqlx::Error::Database(db) => match db.kind() {
            ErrorKind::UniqueViolation if is_duplicate_product_name(db.as_ref()) => {
                StorageError::Conflict("A product with this name already exists.".into())
            }
            ErrorKind::UniqueViolation => StorageError::Conflict(format!("Duplicate value: {}", db.message())),
            ErrorKind::ForeignKeyViolation => StorageError::Conflict("A referenced row does not exist.".into()),
            ErrorKind::CheckViolation => {
                StorageError::Conflict(format!("Value refused by a constraint: {}", db.message()))
            }
            _ if db.message().contains("database is locked") => StorageError::Unavailable(db.message().to_string()),
            _ => StorageError::other(error),
        },
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => {
            StorageError::Unavailable(error.to_string())
        }
        _ => StorageError::other(error),
    }
}
