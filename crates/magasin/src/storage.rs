//! Opens the storage engine named by the database URL.

use crate::cli::DbArgs;
use anyhow::{Context, Result, bail};
use magasin_domain::Storage;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// The embedded default: a SQLite file under `./data/`.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/magasin.db";

/// The database URL given, or the default.
pub fn url(args: &DbArgs) -> String {
    args.database_url.clone().filter(|u| !u.trim().is_empty()).unwrap_or_else(|| DEFAULT_DATABASE_URL.into())
}

/// Whether `url` names a SQLite database.
pub fn is_sqlite(url: &str) -> bool {
    url.starts_with("sqlite:")
}

/// Whether `url` names a PostgreSQL database.
pub fn is_postgres(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

/// Opens and migrates the database; an unknown scheme is refused (never a silent new database).
pub async fn open(args: &DbArgs) -> Result<Arc<dyn Storage>> {
    Ok(open_for_workers(args, 0).await?.0)
}

/// Opens and migrates the database, and gives each of `workers` server workers its storage.
/// With PostgreSQL each worker has a pool of its own, the `--db-max-connections` budget shared
/// among them, so that its connections are driven by its own event loop; the first storage
/// keeps a pool of its own, of at most [`BACKGROUND_CONNECTIONS`], for start-up and background
/// work (without workers: of the whole budget). SQLite's connections
/// run on threads of their own, so the workers share its pools.
pub async fn open_for_workers(args: &DbArgs, workers: usize) -> Result<(Arc<dyn Storage>, Vec<Arc<dyn Storage>>)> {
    let url = url(args);
    if let Some(path) = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")) {
        let file = path.split('?').next().unwrap_or(path);
        if let Some(dir) = Path::new(file).parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).with_context(|| format!("creating the database folder {}", dir.display()))?;
        }
        let storage: Arc<dyn Storage> = Arc::new(
            magasin_store_sqlite::connect(&url).await.with_context(|| format!("opening SQLite database {file}"))?,
        );
        return Ok((storage.clone(), vec![storage; workers]));
    }
    if is_postgres(&url) {
        let statement_timeout = (args.db_statement_timeout > 0).then(|| Duration::from_secs(args.db_statement_timeout));
        // Serving, the workers' pools share the budget and the first pool is for background work.
        let own =
            if workers > 0 { args.db_max_connections.min(BACKGROUND_CONNECTIONS) } else { args.db_max_connections };
        let storage =
            magasin_store_postgres::connect(&url, own, statement_timeout).await.context("connecting to PostgreSQL")?;
        let share = worker_share(args.db_max_connections, workers);
        let per_worker = (0..workers)
            .map(|_| Arc::new(magasin_store_postgres::worker_storage(&storage, share)) as Arc<dyn Storage>)
            .collect();
        return Ok((Arc::new(storage), per_worker));
    }
    bail!("unsupported DATABASE_URL scheme: expected sqlite://… or postgres://…")
}

/// Connections of the pool for start-up and background work (the ledger's verifier) when the
/// workers have pools of their own.
pub const BACKGROUND_CONNECTIONS: u32 = 2;

/// Each worker's part of the connection budget: an equal share, at least one.
pub fn worker_share(budget: u32, workers: usize) -> u32 {
    let workers = u32::try_from(workers.max(1)).unwrap_or(u32::MAX);
    budget.div_ceil(workers).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_budget_is_shared_among_workers_with_at_least_one_each() {
        assert_eq!(worker_share(10, 2), 5);
        assert_eq!(worker_share(10, 3), 4);
        assert_eq!(worker_share(10, 1), 10);
        assert_eq!(worker_share(2, 8), 1);
        assert_eq!(worker_share(0, 2), 1);
        assert_eq!(worker_share(10, 0), 10);
    }
}
