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
    let url = url(args);
    if let Some(path) = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")) {
        let file = path.split('?').next().unwrap_or(path);
        if let Some(dir) = Path::new(file).parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).with_context(|| format!("creating the database folder {}", dir.display()))?;
        }
        let storage =
            magasin_store_sqlite::connect(&url).await.with_context(|| format!("opening SQLite database {file}"))?;
        return Ok(Arc::new(storage));
    }
    if is_postgres(&url) {
        let statement_timeout = (args.db_statement_timeout > 0).then(|| Duration::from_secs(args.db_statement_timeout));
        let storage = magasin_store_postgres::connect(&url, args.db_max_connections, statement_timeout)
            .await
            .context("connecting to PostgreSQL")?;
        return Ok(Arc::new(storage));
    }
    bail!("unsupported DATABASE_URL scheme: expected sqlite://… or postgres://…")
}
