//! SQLite storage adapter: the zero-setup embedded default (one instance).
//!
//! Writes go through a single-connection pool, so write transactions are serialized inside the
//! process and never meet `SQLITE_BUSY`; reads use a separate pool and see committed data (WAL).
//! Everything both engines write alike lives in `magasin-store-sql`; this crate holds what is
//! SQLite's own: connecting, migrations, error mapping and the few SQL spellings of [`SqliteEngine`].

pub mod backup;
mod engine;
mod errors;
#[cfg(feature = "testing")]
pub mod testing;

pub use engine::SqliteEngine;
pub use errors::map_error;

use magasin_domain::{StorageError, StorageResult};
use magasin_store_sql::migrations::{self, Dialect};
use magasin_store_sql::{NamedPool, SqlStorage};
use sqlx::migrate::Migrator;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::str::FromStr;
use std::sync::LazyLock;
use std::time::Duration;

/// The SQLite storage.
pub type SqliteStorage = SqlStorage<SqliteEngine>;

/// The migrations embedded in the binary, in this engine's spelling (`store-sql/migrations/`).
static MIGRATOR: LazyLock<Migrator> = LazyLock::new(|| migrations::migrator(Dialect::Sqlite));

/// Readers that may run beside the writer.
const READ_CONNECTIONS: u32 = 4;

/// Rows a reader's thread may read ahead of the request consuming them. sqlx's default (50) makes
/// the two trade a wake-up for nearly every row of a large answer: the report at 2,000 products
/// × 20 stores (80,000 rows) spent 41 % of its time switching threads.
const READ_ROW_BUFFER: usize = 4096;

/// Opens (creating it when missing) the database at `url` (`sqlite://path/to/file.db`) and
/// applies the embedded migrations.
pub async fn connect(url: &str) -> StorageResult<SqliteStorage> {
    let options = SqliteConnectOptions::from_str(url)
        .map_err(|e| StorageError::Unavailable(format!("invalid SQLite URL: {e}")))?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .busy_timeout(Duration::from_secs(10))
        .foreign_keys(true);
    let writer = SqlitePoolOptions::new()
        .max_connections(1)
        .acquire_timeout(Duration::from_secs(30))
        .connect_with(options.clone())
        .await
        .map_err(map_error)?;
    MIGRATOR.run(&writer).await.map_err(StorageError::other)?;
    let reader = SqlitePoolOptions::new()
        .max_connections(READ_CONNECTIONS)
        .acquire_timeout(Duration::from_secs(10))
        .connect_with(options.read_only(true).row_buffer_size(READ_ROW_BUFFER))
        .await
        .map_err(map_error)?;
    Ok(SqlStorage::new(NamedPool::new(writer, "write"), NamedPool::new(reader, "read"), &MIGRATOR))
}
