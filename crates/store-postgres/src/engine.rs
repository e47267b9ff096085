//! What PostgreSQL writes its own way.

use crate::errors::map_error;
use crate::seeding::{copy_history, reset_sequences};
use magasin_domain::seed::HistoricSale;
use magasin_domain::{StorageError, StorageResult};
use magasin_store_sql::{Dialect, Engine, MAX_BINDS};
use sqlx::PgConnection;

/// The PostgreSQL engine.
#[derive(Debug, Clone, Copy)]
pub struct PgEngine;

/// Names sort by bytes (`COLLATE "C"`), as SQLite sorts them, so both engines answer the same
/// order; concurrent writers lock the rows they read, in the order read.
const POSTGRES: Dialect = Dialect {
    name: "postgres",
    position: "strpos",
    byte_order: " COLLATE \"C\"",
    for_update: " FOR UPDATE",
    // The key is any constant no other advisory lock of the database uses.
    verifier_lock: Some("SELECT pg_try_advisory_xact_lock(72026010)"),
    for_share: " FOR KEY SHARE",
    chains_writes: true,
    join_texts: "string_agg",
    binds_per_statement: MAX_BINDS,
};

impl Engine for PgEngine {
    type Db = sqlx::Postgres;
    const DIALECT: Dialect = POSTGRES;

    fn map_error(error: sqlx::Error) -> StorageError {
        map_error(error)
    }

    /// Sale ids from the sequence, rows streamed with `COPY`.
    async fn insert_history(conn: &mut PgConnection, sales: &[HistoricSale], totals: &[i64]) -> StorageResult<u64> {
        copy_history(conn, sales, totals).await
    }

    /// The sequences of the tables seeded with explicit ids move past them.
    async fn follow_explicit_ids(conn: &mut PgConnection) -> StorageResult<()> {
        reset_sequences(conn).await
    }
}
