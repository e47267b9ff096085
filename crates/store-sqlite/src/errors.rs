//! Driver errors mapped into the domain's `StorageError`.

use magasin_domain::StorageError;
use sqlx::error::ErrorKind;

/// Maps a sqlx error: constraint violations become conflicts, connection trouble unavailability.
pub fn map_error(error: sqlx::Error) -> StorageError {
    match &error {
        sqlx::Error::Database(db) => match db.kind() {
            ErrorKind::UniqueViolation if db.message().contains("products.nom") => {
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

/// Like [`map_error`], naming the product when its name is already taken.
pub fn map_product_error(error: sqlx::Error, nom: Option<&str>) -> StorageError {
    let duplicate_name = matches!(
        &error,
        sqlx::Error::Database(db) if db.kind() == ErrorKind::UniqueViolation && db.message().contains("products.nom")
    );
    match (duplicate_name, nom) {
        (true, Some(nom)) => StorageError::Conflict(format!("A product named {nom:?} already exists.")),
        _ => map_error(error),
    }
}

/// Begins a transaction on `pool`, recording the wait for its connection as
/// `magasin_db_pool_wait_seconds{pool}`.
pub async fn begin(
    pool: &sqlx::SqlitePool,
    name: &'static str,
) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, StorageError> {
    let started = std::time::Instant::now();
    let tx = pool.begin().await.map_err(map_error);
    metrics::histogram!("magasin_db_pool_wait_seconds", "pool" => name).record(started.elapsed().as_secs_f64());
    tx
}

/// Takes a connection from `pool`, recording the wait like [`begin`].
pub async fn acquire(
    pool: &sqlx::SqlitePool,
    name: &'static str,
) -> Result<sqlx::pool::PoolConnection<sqlx::Sqlite>, StorageError> {
    let started = std::time::Instant::now();
    let conn = pool.acquire().await.map_err(map_error);
    metrics::histogram!("magasin_db_pool_wait_seconds", "pool" => name).record(started.elapsed().as_secs_f64());
    conn
}
