//! Backing up and restoring a database file: what is refused, and that nothing is replaced then.

use magasin_store_sqlite::backup::{self, BackupError};
use magasin_store_sqlite::testing::TempDatabase;
use std::path::{Path, PathBuf};

/// A migrated database in a temporary folder, and the folder's path for other files.
async fn migrated() -> (TempDatabase, PathBuf) {
    let database = TempDatabase::new();
    let storage = magasin_store_sqlite::connect(&database.url()).await.expect("open the database");
    drop(storage);
    let dir = backup::database_path(&database.url()).expect("path").parent().expect("folder").to_path_buf();
    (database, dir)
}

fn url_of(path: &Path) -> String {
    format!("sqlite://{}", path.display())
}

#[tokio::test]
async fn a_backup_is_checked_and_restores_into_a_new_database() {
    let (database, dir) = migrated().await;
    let copy = dir.join("copy.db");
    let written = backup::backup(&database.url(), &copy, false).await.expect("backup");
    assert_eq!(written.path, copy);
    assert!(written.bytes > 0 && written.migration >= 1 && !written.behind, "{written:?}");
    let restored_path = dir.join("restored").join("magasin.db");
    let restored = backup::restore(&copy, &url_of(&restored_path), false).await.expect("restore");
    assert_eq!((restored.sales, restored.ledger_rows, restored.migration), (0, 0, written.migration));
    magasin_store_sqlite::connect(&url_of(&restored_path)).await.expect("the restored database opens");
}

#[tokio::test]
async fn an_existing_file_is_replaced_only_when_told() {
    let (database, dir) = migrated().await;
    let copy = dir.join("copy.db");
    std::fs::write(&copy, b"keep me").expect("write");
    let refused = backup::backup(&database.url(), &copy, false).await;
    assert!(matches!(refused, Err(BackupError::Exists(_))), "{refused:?}");
    assert_eq!(std::fs::read(&copy).expect("read"), b"keep me");
    backup::backup(&database.url(), &copy, true).await.expect("--force replaces it");
    let refused = backup::restore(&copy, &database.url(), false).await;
    assert!(matches!(refused, Err(BackupError::Exists(_))), "{refused:?}");
}

#[tokio::test]
async fn what_is_not_a_whole_magasin_database_is_not_restored() {
    let (database, dir) = migrated().await;
    let target = dir.join("target.db");
    backup::backup(&database.url(), &target, false).await.expect("backup");
    let before = std::fs::read(&target).expect("read");

    let garbage = dir.join("garbage.db");
    std::fs::write(&garbage, vec![7u8; 8192]).expect("write");
    let refused = backup::restore(&garbage, &url_of(&target), true).await;
    assert!(matches!(refused, Err(BackupError::Damaged { .. })), "{refused:?}");

    let other = dir.join("other.db");
    let pool = sqlx::SqlitePool::connect(&format!("{}?mode=rwc", url_of(&other))).await.expect("other");
    sqlx::query("CREATE TABLE t (x INTEGER)").execute(&pool).await.expect("table");
    pool.close().await;
    let refused = backup::restore(&other, &url_of(&target), true).await;
    assert!(matches!(refused, Err(BackupError::NotMagasin { .. })), "{refused:?}");

    assert_eq!(std::fs::read(&target).expect("read"), before, "the target is untouched");
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .expect("list")
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .filter(|name| name.starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
}

#[tokio::test]
async fn a_database_in_use_is_not_replaced() {
    let (database, dir) = migrated().await;
    let copy = dir.join("copy.db");
    backup::backup(&database.url(), &copy, false).await.expect("backup");
    let open = magasin_store_sqlite::connect(&database.url()).await.expect("open");
    let refused = backup::restore(&copy, &database.url(), true).await;
    assert!(matches!(refused, Err(BackupError::InUse(_))), "{refused:?}");
    drop(open);
}
