//! Backups of a SQLite database while it serves, and putting one back.
//!
//! A backup is `VACUUM INTO` from a connection of its own: a read transaction in WAL mode, so the
//! copy is one consistent snapshot (every transaction committed before it, none after) and the
//! server's writer is never blocked. The copy is written next to its destination, checked
//! (integrity, foreign keys, magasin's migrations) and only then renamed into place.
//!
//! A restore copies the backup next to the database, checks the copy the same way, makes sure
//! nothing has the database open (an exclusive lock, taken without waiting), and renames the copy
//! over it: whatever happens, the database is either the old one or the backup, never a mixture.

use crate::MIGRATOR;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteLockingMode};
use sqlx::{ConnectOptions, Connection, Row, SqliteConnection};
use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

/// Why a backup or a restore did not happen. Nothing was replaced.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("invalid SQLite URL: {0}")]
    InvalidUrl(String),
    #[error("there is no database at {}", .0.display())]
    NoDatabase(PathBuf),
    #[error("{} already exists (--force replaces it)", .0.display())]
    Exists(PathBuf),
    #[error("{} is the database itself: back up to, or restore from, another file", .0.display())]
    SameFile(PathBuf),
    #[error("{} is in use (is magasin running on it?): stop it, then restore", .0.display())]
    InUse(PathBuf),
    #[error("{} is not a magasin database: {reason}", path.display())]
    NotMagasin { path: PathBuf, reason: String },
    #[error("{} is damaged: {reason}", path.display())]
    Damaged { path: PathBuf, reason: String },
    #[error("{} was made by a newer magasin (migration {version} is unknown to this one)", path.display())]
    Newer { path: PathBuf, version: i64 },
    #[error("{what}: {source}")]
    Io { what: String, source: std::io::Error },
    #[error("{what}: {source}")]
    Sqlite { what: String, source: sqlx::Error },
}

type Result<T> = std::result::Result<T, BackupError>;

/// A database file that passed the checks: where, how big, what it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedDatabase {
    pub path: PathBuf,
    pub bytes: u64,
    /// The latest migration applied to it.
    pub migration: i64,
    /// Whether migrations this binary knows are still to be applied (they are, at the next start).
    pub behind: bool,
    pub sales: i64,
    pub ledger_rows: i64,
}

/// The file of the database at `url` (`sqlite://path/to/file.db`).
pub fn database_path(url: &str) -> Result<PathBuf> {
    let options = SqliteConnectOptions::from_str(url).map_err(|e| BackupError::InvalidUrl(e.to_string()))?;
    Ok(options.get_filename().to_path_buf())
}

/// Writes a consistent copy of the database at `url` to `to`, even while it serves; refuses to
/// replace an existing `to` unless `overwrite`. The copy is checked before it takes the name `to`.
pub async fn backup(url: &str, to: &Path, overwrite: bool) -> Result<CheckedDatabase> {
    let source = database_path(url)?;
    if !source.is_file() {
        return Err(BackupError::NoDatabase(source));
    }
    if same_file(&source, to) {
        return Err(BackupError::SameFile(to.to_path_buf()));
    }
    if to.exists() && !overwrite {
        return Err(BackupError::Exists(to.to_path_buf()));
    }
    let partial = sibling(to, "partial")?;
    remove_if_present(&partial)?;
    let options = SqliteConnectOptions::from_str(url)
        .map_err(|e| BackupError::InvalidUrl(e.to_string()))?
        .busy_timeout(Duration::from_secs(10));
    let copied = async {
        let mut source = options.connect().await.map_err(sqlite(format!("opening {}", source.display())))?;
        let into = partial.to_str().ok_or_else(|| io_error("the backup's path is not UTF-8", &partial))?;
        sqlx::query("VACUUM INTO $1")
            .bind(into)
            .execute(&mut source)
            .await
            .map_err(sqlite(format!("copying into {}", partial.display())))?;
        source.close().await.map_err(sqlite("closing the database".into()))?;
        let checked = check(&partial).await?;
        put_in_place(&partial, to)?;
        Ok(checked)
    };
    let checked = removed_on_error(&partial, copied.await)?;
    Ok(CheckedDatabase { path: to.to_path_buf(), ..checked })
}

/// Replaces the database at `url` with the backup `from`, after checking the backup; refuses
/// while the database is open elsewhere, and to replace an existing database unless `overwrite`.
pub async fn restore(from: &Path, url: &str, overwrite: bool) -> Result<CheckedDatabase> {
    let target = database_path(url)?;
    if !from.is_file() {
        return Err(BackupError::NoDatabase(from.to_path_buf()));
    }
    if same_file(from, &target) {
        return Err(BackupError::SameFile(target));
    }
    let exists = target.exists();
    if exists && !overwrite {
        return Err(BackupError::Exists(target));
    }
    if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty()) {
        fs::create_dir_all(dir).map_err(io(format!("creating {}", dir.display())))?;
    }
    let incoming = sibling(&target, "restoring")?;
    remove_with_journals(&incoming)?;
    let restored = async {
        fs::copy(from, &incoming).map_err(io(format!("copying {} to {}", from.display(), incoming.display())))?;
        let checked = check(&incoming).await?;
        if exists {
            ensure_unused(&target).await?;
        }
        // Nothing has the database open and its write-ahead log is folded in: what is left of the
        // old -wal and -shm must not meet the new file.
        for suffix in ["-wal", "-shm", "-journal"] {
            remove_if_present(&with_suffix(&target, suffix))?;
        }
        put_in_place(&incoming, &target)?;
        Ok(checked)
    };
    let checked = removed_on_error(&incoming, restored.await)?;
    Ok(CheckedDatabase { path: target, ..checked })
}

/// Checks a database file: SQLite finds it whole, its foreign keys hold, and its migrations are
/// magasin's, none newer than this binary's. Leaves it a single file (rollback journal).
pub async fn check(path: &Path) -> Result<CheckedDatabase> {
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(false)
        .journal_mode(SqliteJournalMode::Delete)
        .foreign_keys(false);
    let mut conn = options
        .connect()
        .await
        .map_err(|e| BackupError::Damaged { path: path.to_path_buf(), reason: e.to_string() })?;
    let damaged = |reason: String| BackupError::Damaged { path: path.to_path_buf(), reason };
    let integrity: Vec<String> =
        sqlx::query_scalar("PRAGMA integrity_check").fetch_all(&mut conn).await.map_err(|e| damaged(e.to_string()))?;
    if integrity != ["ok"] {
        return Err(damaged(integrity.join("; ")));
    }
    let orphans =
        sqlx::query("PRAGMA foreign_key_check").fetch_all(&mut conn).await.map_err(|e| damaged(e.to_string()))?;
    if !orphans.is_empty() {
        return Err(damaged(format!("{} rows refer to rows that do not exist", orphans.len())));
    }
    let not_magasin = |reason: String| BackupError::NotMagasin { path: path.to_path_buf(), reason };
    let applied = sqlx::query("SELECT version, checksum, success FROM _sqlx_migrations ORDER BY version")
        .fetch_all(&mut conn)
        .await
        .map_err(|_| not_magasin("it has no migrations table".into()))?;
    if applied.is_empty() {
        return Err(not_magasin("no migration was applied to it".into()));
    }
    let mut migration = 0;
    for row in &applied {
        let version: i64 = row.get("version");
        let checksum: Vec<u8> = row.get("checksum");
        let success: bool = row.get("success");
        if !success {
            return Err(damaged(format!("migration {version} failed on it")));
        }
        let Some(known) = MIGRATOR.iter().find(|m| m.version == version) else {
            return Err(BackupError::Newer { path: path.to_path_buf(), version });
        };
        if known.checksum.as_ref() != checksum.as_slice() {
            return Err(not_magasin(format!("its migration {version} is not magasin's")));
        }
        migration = migration.max(version);
    }
    let behind = MIGRATOR.iter().any(|m| m.version > migration);
    let sales = count_rows(&mut conn, "sales").await.map_err(|e| not_magasin(e.to_string()))?;
    let ledger_rows = count_rows(&mut conn, "stock_ledger").await.map_err(|e| not_magasin(e.to_string()))?;
    conn.close().await.map_err(sqlite(format!("closing {}", path.display())))?;
    let bytes = fs::metadata(path).map_err(io(format!("reading {}", path.display())))?.len();
    Ok(CheckedDatabase { path: path.to_path_buf(), bytes, migration, behind, sales, ledger_rows })
}

/// Takes the database's lock without waiting, which fails when another connection has it open
/// (a WAL connection holds a shared lock as long as it is open), and folds its write-ahead log
/// into the file, so that no -wal is left behind. Best effort: a server may still open it later.
async fn ensure_unused(target: &Path) -> Result<()> {
    let options = SqliteConnectOptions::new()
        .filename(target)
        .create_if_missing(false)
        .locking_mode(SqliteLockingMode::Exclusive)
        .busy_timeout(Duration::ZERO);
    let in_use = |_| BackupError::InUse(target.to_path_buf());
    let mut conn = options.connect().await.map_err(in_use)?;
    sqlx::raw_sql("BEGIN EXCLUSIVE; SELECT COUNT(*) FROM sqlite_master; COMMIT;")
        .execute(&mut conn)
        .await
        .map_err(in_use)?;
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(&mut conn)
        .await
        .map_err(sqlite(format!("checkpointing {}", target.display())))?;
    conn.close().await.map_err(sqlite(format!("closing {}", target.display())))
}

async fn count_rows(conn: &mut SqliteConnection, table: &'static str) -> sqlx::Result<i64> {
    sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}")).fetch_one(conn).await
}

/// Flushes `from` to disk and renames it to `to` (atomic on one file system), then flushes the folder.
fn put_in_place(from: &Path, to: &Path) -> Result<()> {
    File::open(from).and_then(|f| f.sync_all()).map_err(io(format!("flushing {}", from.display())))?;
    fs::rename(from, to).map_err(io(format!("renaming {} to {}", from.display(), to.display())))?;
    if let Some(dir) = to.parent().filter(|d| !d.as_os_str().is_empty()) {
        File::open(dir).and_then(|d| d.sync_all()).map_err(io(format!("flushing {}", dir.display())))?;
    }
    Ok(())
}

/// A hidden file next to `path` (same folder, so the rename is atomic), owned by this process.
fn sibling(path: &Path, what: &str) -> Result<PathBuf> {
    let name = path.file_name().ok_or_else(|| io_error("not a file name", path))?;
    let name = format!(".{}.{what}-{}", name.to_string_lossy(), std::process::id());
    Ok(path.with_file_name(name))
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// `result`, after removing the temporary file `temp` (and its journals) when it is an error.
fn removed_on_error<T>(temp: &Path, result: Result<T>) -> Result<T> {
    if result.is_err() {
        let _ = remove_with_journals(temp);
    }
    result
}

fn remove_with_journals(path: &Path) -> Result<()> {
    for suffix in ["", "-journal", "-wal", "-shm"] {
        remove_if_present(&with_suffix(path, suffix))?;
    }
    Ok(())
}

fn remove_if_present(path: &Path) -> Result<()> {
    match fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(BackupError::Io { what: format!("removing {}", path.display()), source: e })
        }
        _ => Ok(()),
    }
}

fn same_file(a: &Path, b: &Path) -> bool {
    matches!((a.canonicalize(), b.canonicalize()), (Ok(a), Ok(b)) if a == b)
}

fn io(what: String) -> impl FnOnce(std::io::Error) -> BackupError {
    move |source| BackupError::Io { what, source }
}

fn io_error(what: &str, path: &Path) -> BackupError {
    BackupError::Io { what: format!("{what}: {}", path.display()), source: std::io::ErrorKind::InvalidInput.into() }
}

fn sqlite(what: String) -> impl FnOnce(sqlx::Error) -> BackupError {
    move |source| BackupError::Sqlite { what, source }
}
