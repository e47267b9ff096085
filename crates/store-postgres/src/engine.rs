//! What PostgreSQL writes its own way.

use crate::errors::{is_duplicate_product_name, map_error};
use crate::seeding::{copy_history, reset_sequences};
use magasin_domain::seed::HistoricSale;
use magasin_domain::{StorageError, StorageResult};
use magasin_store_sql::Engine;
use sqlx::PgConnection;

/// The PostgreSQL engine.
#[derive(Debug, Clone, Copy)]
pub struct PgEngine;

impl Engine for PgEngine {
    type Db = sqlx::Postgres;

    const NAME: &'static str = "postgres";
    const POSITION: &'static str = "strpos";
    /// Names sort by bytes, as SQLite sorts them, so both engines answer the same order.
    const BYTE_ORDER: &'static str = " COLLATE \"C\"";
    /// Concurrent writers lock the rows they read, in the order read.
    const FOR_UPDATE: &'static str = " FOR UPDATE";
    /// The protocol numbers parameters with 16 bits.
    const MAX_BINDS: usize = 65_535;

    fn map_error(error: sqlx::Error) -> StorageError {
        map_error(error)
    }

    fn is_duplicate_product_name(error: &sqlx::Error) -> bool {
        is_duplicate_product_name(error)
    }

    async fn insert_history(conn: &mut PgConnection, sales: &[HistoricSale], totals: &[i64]) -> StorageResult<u64> {
        copy_history(conn, sales, totals).await
    }

    async fn follow_explicit_ids(conn: &mut PgConnection) -> StorageResult<()> {
        reset_sequences(conn).await
    }
}
