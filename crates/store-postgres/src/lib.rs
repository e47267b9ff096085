//! PostgreSQL storage adapter: production, and the engine for several instances.
//!
//! Concurrency is PostgreSQL's: conditional updates (stock never below zero), rows locked in
//! product order (no deadlock between two sales), and decisions taken with
//! `WHERE statut = 'en_attente'` (a request is decided once). Migrations run under sqlx's
//! advisory lock, so instances starting together do not race.

mod engine;
mod errors;
mod seeding;
#[cfg(feature = "testing")]
pub mod testing;

pub use engine::PgEngine;
pub use errors::map_error;

use magasin_domain::{StorageError, StorageResult};
use magasin_store_sql::migrations::{self, Dialect};
use magasin_store_sql::{NamedPool, SqlStorage};
use sqlx::Connection;
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPool, PgPoolOptions};
use std::str::FromStr;
use std::sync::LazyLock;
use std::time::Duration;

/// The PostgreSQL storage.
pub type PgStorage = SqlStorage<PgEngine>;

/// The migrations embedded in the binary, in this engine's spelling (`store-sql/migrations/`).
static MIGRATOR: LazyLock<Migrator> = LazyLock::new(|| migrations::migrator(Dialect::Postgres));

/// How long a caller waits for a free connection before the database counts as unavailable.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);

/// Connects to `url` (`postgres://…`) with at most `max_connections` connections, applies the
/// embedded migrations, and cancels any statement that runs longer than `statement_timeout`
/// (`None`: no limit).
pub async fn connect(url: &str, max_connections: u32, statement_timeout: Option<Duration>) -> StorageResult<PgStorage> {
    let options = PgConnectOptions::from_str(url)
        .map_err(|e| StorageError::Unavailable(format!("invalid PostgreSQL URL: {e}")))?;
    connect_with_options(options, max_connections, statement_timeout).await
}

/// Like [`connect`], with options built by the caller (a `search_path`, TLS…). The migrations
/// run first on a connection of their own, without the statement timeout: a long migration,
/// or the wait for another instance's, is not a stuck request.
pub async fn connect_with_options(
    options: PgConnectOptions,
    max_connections: u32,
    statement_timeout: Option<Duration>,
) -> StorageResult<PgStorage> {
    let mut migrating = PgConnection::connect_with(&options).await.map_err(map_error)?;
    MIGRATOR.run(&mut migrating).await.map_err(errors::map_migrate_error)?;
    let _ = migrating.close().await;
    let options = match statement_timeout {
        Some(timeout) => options.options([("statement_timeout", format!("{}ms", timeout.as_millis().max(1)))]),
        None => options,
    };
    let pool = PgPoolOptions::new()
        .max_connections(max_connections.max(1))
        .acquire_timeout(ACQUIRE_TIMEOUT)
        .connect_with(options)
        .await
        .map_err(map_error)?;
    Ok(from_pool(pool))
}

/// A storage over the same database as `storage`, with a pool of its own of at most
/// `max_connections` connections, opened when first needed (none at once). A server worker
/// that runs its own event loop uses one, so that its connections are driven by that loop and
/// no database answer waits for another thread (docs/architecture.md).
pub fn worker_storage(storage: &PgStorage, max_connections: u32) -> PgStorage {
    let main = storage.writer();
    let pool = PgPoolOptions::new()
        .max_connections(max_connections.max(1))
        .acquire_timeout(ACQUIRE_TIMEOUT)
        .connect_lazy_with((*main.connect_options()).clone());
    from_pool(pool)
}

/// Wraps an existing pool as it is: call [`migrate`] unless it is known to be migrated.
pub fn from_pool(pool: PgPool) -> PgStorage {
    let pool = NamedPool::new(pool, "main");
    SqlStorage::new(pool.clone(), pool, &MIGRATOR)
}

/// Applies the embedded migrations not applied yet. sqlx holds an advisory lock meanwhile, so
/// instances starting together migrate once.
pub async fn migrate(storage: &PgStorage) -> StorageResult<()> {
    MIGRATOR.run(storage.writer()).await.map_err(errors::map_migrate_error)
}
