//! Whether the database answers and is migrated.

use crate::SqlStorage;
use crate::engine::Engine;
use crate::statement::Statement;
use magasin_domain::{StorageError, StorageResult};

impl<E: Engine> SqlStorage<E> {
    /// The database answers, and every embedded migration is recorded as applied.
    pub(crate) async fn check_migrations(&self) -> StorageResult<()> {
        let mut conn = self.reader.acquire().await?;
        let applied: Vec<(i64,)> =
            Self::all(&mut conn, &Statement::new("SELECT version FROM _sqlx_migrations WHERE success")).await?;
        let missing: Vec<i64> =
            self.migrator.iter().map(|m| m.version).filter(|version| !applied.contains(&(*version,))).collect();
        if !missing.is_empty() {
            return Err(StorageError::Unavailable(format!("migrations not applied: {missing:?}")));
        }
        Ok(())
    }
}
