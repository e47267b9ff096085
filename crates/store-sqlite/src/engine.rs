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
    /// A statement binds at most 500 values: SQLite finds each `$N` of a statement by a linear
    /// search among its parameters, when it parses the text and when sqlx binds each value
    /// (`sqlite3_bind_parameter_name`), so a statement's cost grows with the square of its
    /// parameters. At 32,766 (its limit), seeding's 40,000 opening ledger rows took about a
    /// minute, nearly all of it in those searches.
    const DIALECT: Dialect = Dialect {
        name: "sqlite",
        position: "instr",
        byte_order: "",
        for_update: "",
        verifier_lock: None,
        for_share: "",
        chains_writes: false,
        join_texts: "group_concat",
        binds_per_statement: 500,
    };

    fn map_error(error: sqlx::Error) -> StorageError {
        map_error(error)
    }
}
