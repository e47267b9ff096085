//! For tests: a migrated, empty SQLite database in a temporary folder, removed after the test.

use crate::SqliteStorage;
use magasin_store_sql::testing::TestStorage;
use tempfile::TempDir;

/// A temporary folder for SQLite database files, removed (with the files) when dropped.
pub struct TempDatabase {
    dir: TempDir,
}

impl TempDatabase {
    /// Panics when no temporary folder can be made.
    pub fn new() -> Self {
        let dir = tempfile::Builder::new()
            .prefix("magasin-test-")
            .tempdir()
            .unwrap_or_else(|e| panic!("cannot make a temporary folder: {e}"));
        Self { dir }
    }

    /// The URL of the database file `magasin.db` in the folder (created when first opened).
    pub fn url(&self) -> String {
        format!("sqlite://{}", self.dir.path().join("magasin.db").display())
    }
}

impl Default for TempDatabase {
    fn default() -> Self {
        Self::new()
    }
}

/// A fresh storage on a new database file, removed with its folder when the result drops.
/// Panics when the database cannot be opened.
pub async fn fresh() -> TestStorage<SqliteStorage> {
    let database = TempDatabase::new();
    let storage = crate::connect(&database.url())
        .await
        .unwrap_or_else(|e| panic!("cannot open the test database {}: {e}", database.url()));
    TestStorage::new(storage, move || drop(database))
}
