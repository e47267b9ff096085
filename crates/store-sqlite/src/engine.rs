//! What SQLite writes its own way.

use crate::errors::{is_duplicate_product_name, map_error};
use magasin_domain::seed::HistoricSale;
use magasin_domain::{StorageError, StorageResult};
use magasin_store_sql::{Engine, SqlStorage};
use sqlx::SqliteConnection;

/// The SQLite engine.
#[derive(Debug, Clone, Copy)]
pub struct SqliteEngine;

impl Engine for SqliteEngine {
    type Db = sqlx::Sqlite;

    const NAME: &'static str = "sqlite";
    const POSITION: &'static str = "instr";
    /// SQLite compares text by bytes unless told otherwise.
    const BYTE_ORDER: &'static str = "";
    /// One connection writes at a time: nothing to lock.
    const FOR_UPDATE: &'static str = "";
    /// `SQLITE_MAX_VARIABLE_NUMBER` since SQLite 3.32.
    const MAX_BINDS: usize = 32_766;

    fn map_error(error: sqlx::Error) -> StorageError {
        map_error(error)
    }

    fn is_duplicate_product_name(error: &sqlx::Error) -> bool {
        is_duplicate_product_name(error)
    }

    /// The single writer takes the next ids itself.
    async fn insert_history(conn: &mut SqliteConnection, sales: &[HistoricSale], totals: &[i64]) -> StorageResult<u64> {
        SqlStorage::<Self>::insert_history_rows(conn, sales, totals).await
    }

    /// SQLite's row ids always follow the largest one.
    async fn follow_explicit_ids(_conn: &mut SqliteConnection) -> StorageResult<()> {
        Ok(())
    }
}
