//! PostgreSQL's errors mapped into the domain's `StorageError`.

use magasin_domain::StorageError;
use magasin_store_sql::is_duplicate_product_name;
use sqlx::error::{DatabaseError, ErrorKind};
use sqlx::migrate::MigrateError;
use sqlx::postgres::PgDatabaseError;

/// SQLSTATEs meaning the server cannot serve us right now (connection lost, shutting down,
/// starting up, too many connections, out of resources).
fn means_unavailable(code: &str) -> bool {
    code.starts_with("08") || code.starts_with("53") || matches!(code, "57P01" | "57P02" | "57P03")
}

/// SQLSTATEs of a transaction the server rolled back to settle a conflict with another one (a
/// deadlock, a serialization failure): the same request, sent again, may well succeed.
fn means_try_again(code: &str) -> bool {
    matches!(code, "40P01" | "40001")
}

/// A statement cancelled, by `statement_timeout` most often: its transaction rolls back, and
/// the request may be retried.
const QUERY_CANCELED: &str = "57014";

/// The entity stored in a referenced table.
fn entity_of_table(table: &str) -> &'static str {
    match table {
        "stores" => "store",
        "products" => "product",
        "sales" => "sale",
        "replenishments" => "replenishment request",
        _ => "row",
    }
}

/// Reads `Key (produit_id)=(99) is not present in table "products".` into `("product", 99)`.
fn missing_reference(detail: &str) -> Option<(&'static str, i64)> {
    let (_, after_key) = detail.split_once(")=(")?;
    let (id, rest) = after_key.split_once(')')?;
    let id = id.parse().ok()?;
    let (_, table) = rest.split_once("is not present in table \"")?;
    let table = table.split('"').next()?;
    Some((entity_of_table(table), id))
}

fn map_database_error(db: &dyn DatabaseError) -> Option<StorageError> {
    let pg = db.try_downcast_ref::<PgDatabaseError>();
    let code = db.code().map(|c| c.into_owned()).unwrap_or_default();
    if code == QUERY_CANCELED {
        return Some(StorageError::Unavailable("a statement took longer than the database's statement timeout".into()));
    }
    if means_unavailable(&code) {
        return Some(StorageError::Unavailable(db.message().to_string()));
    }
    if means_try_again(&code) {
        return Some(StorageError::Unavailable(format!(
            "the database rolled the transaction back to settle a conflict with another one ({}); try again",
            db.message()
        )));
    }
    Some(match db.kind() {
        ErrorKind::UniqueViolation if is_duplicate_product_name(db) => {
            StorageError::Conflict("A product with this name already exists.".into())
        }
        ErrorKind::UniqueViolation => StorageError::Conflict(format!("Duplicate value: {}", db.message())),
        ErrorKind::ForeignKeyViolation => match pg.and_then(|e| e.detail()).and_then(missing_reference) {
            Some((entity, id)) => StorageError::not_found(entity, id),
            None => StorageError::Conflict("The row is still referenced by another one.".into()),
        },
        ErrorKind::CheckViolation | ErrorKind::NotNullViolation => {
            StorageError::Conflict(format!("Value refused by a constraint: {}", db.message()))
        }
        _ => return None,
    })
}

/// Maps a sqlx error: a missing referenced row becomes `NotFound`, other constraint violations
/// `Conflict`, connection trouble `Unavailable`, anything else `Other`.
pub fn map_error(error: sqlx::Error) -> StorageError {
    match &error {
        sqlx::Error::Database(db) => map_database_error(db.as_ref()).unwrap_or_else(|| StorageError::other(error)),
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) | sqlx::Error::Tls(_) => {
            StorageError::Unavailable(error.to_string())
        }
        _ => StorageError::other(error),
    }
}

/// Maps a migration failure: a database that cannot be reached is unavailable, anything else
/// (a changed or missing migration) is a failure.
pub fn map_migrate_error(error: MigrateError) -> StorageError {
    match error {
        MigrateError::Execute(e) => map_error(e),
        other => StorageError::other(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_missing_reference_of_a_foreign_key_violation() {
        assert_eq!(
            missing_reference("Key (produit_id)=(99) is not present in table \"products\"."),
            Some(("product", 99))
        );
        assert_eq!(missing_reference("Key (magasin_id)=(7) is not present in table \"stores\"."), Some(("store", 7)));
        assert_eq!(missing_reference("Key (id)=(3) is still referenced from table \"sale_lines\"."), None);
    }

    #[test]
    fn connection_trouble_is_unavailability() {
        assert!(means_unavailable("08006"));
        assert!(means_unavailable("53300"));
        assert!(means_unavailable("57P01"));
        assert!(!means_unavailable("23505"));
        assert!(!means_unavailable("40P01"));
        assert!(means_try_again("40P01"));
        assert!(!means_try_again("23505"));
    }
}
