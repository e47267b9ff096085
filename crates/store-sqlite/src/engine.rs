//! What SQLite writes its own way. Its history import and ids are the provided ones: one
//! connection writes at a time, and row ids always follow the largest.

use crate::errors::map_error;
use magasin_domain::StorageError;
use magasin_store_sql::{Dialect, Engine};

/// The SQLite engine.
#[derive(Debug, Clone, Copy)]
pub struct SqliteEngine;

impl Engine for SqliteEngine {
    type Db = sqlx::Sqlite;
    /// Text compares by bytes unless told otherwise; nothing to lock behind the single writer.
    const DIALECT: Dialect = Dialect {
        name: "sqlite",
        position: "instr",
        byte_order: "",
        for_update: "",
        verifier_lock: None,
        for_share: "",
        chains_writes: false,
        join_texts: "group_concat",
    };

    fn map_error(error: sqlx::Error) -> StorageError {
        map_error(error)
    }
}
