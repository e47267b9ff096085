//! Stores.

use crate::SqlStorage;
use crate::engine::{Connection, Engine};
use crate::rows::StoreRow;
use crate::statement::Statement;
use magasin_domain::stores::Magasin;
use magasin_domain::{StorageError, StorageResult, StoreId};

impl<E: Engine> SqlStorage<E> {
    pub(crate) async fn stores(&self) -> StorageResult<Vec<Magasin>> {
        let mut conn = self.reader.acquire().await?;
        let rows: Vec<StoreRow> =
            Self::all(&mut conn, &Statement::new("SELECT id, nom, adresse FROM stores ORDER BY id")).await?;
        Ok(rows.into_iter().map(Magasin::from).collect())
    }

    pub(crate) async fn store(&self, id: StoreId) -> StorageResult<Magasin> {
        let mut conn = self.reader.acquire().await?;
        Self::fetch_store(&mut conn, id).await
    }

    pub(crate) async fn fetch_store(conn: &mut Connection<E>, id: StoreId) -> StorageResult<Magasin> {
        let select = Statement::new("SELECT id, nom, adresse FROM stores WHERE id = $1").value(id.0);
        let row: Option<StoreRow> = Self::optional(conn, &select).await?;
        row.map(Magasin::from).ok_or(StorageError::not_found("store", id.0))
    }

    /// Whether no store exists yet.
    pub(crate) async fn has_no_store(&self) -> StorageResult<bool> {
        let mut conn = self.reader.acquire().await?;
        let any: Option<(i64,)> = Self::optional(&mut conn, &Statement::new("SELECT id FROM stores LIMIT 1")).await?;
        Ok(any.is_none())
    }
}
