//! `magasin backup` and `magasin restore`: SQLite only; the work is `magasin_store_sqlite::backup`.

use crate::cli::{BackupArgs, RestoreArgs};
use crate::storage;
use anyhow::{Context, Result, bail};
use indicatif::ProgressBar;
use magasin_store_sqlite::backup::CheckedDatabase;
use std::future::Future;
use std::time::Duration;

const POSTGRES: &str = "is for SQLite databases: back up PostgreSQL with pg_dump and restore it with \
     pg_restore (point-in-time recovery: WAL archiving), as docs/operations.md describes";

pub async fn backup(args: &BackupArgs) -> Result<()> {
    let url = sqlite_url(&args.db, "magasin backup")?;
    let written = with_spinner(
        format!("backing up to {}", args.to.display()),
        magasin_store_sqlite::backup::backup(&url, &args.to, args.force),
    )
    .await
    .context("backup not made")?;
    eprintln!("backup written and checked: {}", describe(&written));
    Ok(())
}

pub async fn restore(args: &RestoreArgs) -> Result<()> {
    let url = sqlite_url(&args.db, "magasin restore")?;
    let restored = with_spinner(
        format!("restoring {}", args.from.display()),
        magasin_store_sqlite::backup::restore(&args.from, &url, args.force),
    )
    .await
    .context("nothing restored")?;
    eprintln!("database restored from {}: {}", args.from.display(), describe(&restored));
    if restored.behind {
        eprintln!("its missing migrations are applied when magasin next starts on it");
    }
    Ok(())
}

fn sqlite_url(db: &crate::cli::DbArgs, command: &str) -> Result<String> {
    let url = storage::url(db);
    if storage::is_postgres(&url) {
        bail!("{command} {POSTGRES}");
    }
    if !storage::is_sqlite(&url) {
        bail!("unsupported DATABASE_URL scheme: expected sqlite://… or postgres://…");
    }
    Ok(url)
}

fn describe(db: &CheckedDatabase) -> String {
    format!(
        "{} ({:.1} MiB, {} bytes; {} sales, {} ledger rows; migration {})",
        db.path.display(),
        db.bytes as f64 / (1024.0 * 1024.0),
        db.bytes,
        db.sales,
        db.ledger_rows,
        db.migration
    )
}

/// Runs `work` with a spinner on the terminal (nothing when stderr is not one).
async fn with_spinner<T>(message: String, work: impl Future<Output = T>) -> T {
    let spinner = ProgressBar::new_spinner().with_message(message);
    spinner.enable_steady_tick(Duration::from_millis(120));
    let result = work.await;
    spinner.finish_and_clear();
    result
}
