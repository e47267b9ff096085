//! Running a statement on a connection of the engine, its driver errors mapped.

use crate::SqlStorage;
use crate::driver::{Driver, Reads};
use crate::engine::{Connection, Db, Engine, Row};
use crate::statement::Statement;
use magasin_domain::StorageResult;

impl<E: Engine> SqlStorage<E> {
    /// Every row the statement answers.
    pub(crate) async fn all<T>(conn: &mut Connection<E>, statement: &Statement) -> StorageResult<Vec<T>>
    where
        Row<E>: Reads<T>,
    {
        let arguments = Db::<E>::arguments(statement.values()).map_err(E::map_error)?;
        let rows = sqlx::query_with(statement.sql(), arguments)
            .fetch_all(Db::<E>::executor(conn))
            .await
            .map_err(E::map_error)?;
        rows.iter().map(|row| row.read().map_err(E::map_error)).collect()
    }

    /// The row the statement answers, if any.
    pub(crate) async fn optional<T>(conn: &mut Connection<E>, statement: &Statement) -> StorageResult<Option<T>>
    where
        Row<E>: Reads<T>,
    {
        Self::try_optional(conn, statement).await.map_err(E::map_error)
    }

    /// Like [`SqlStorage::optional`], with the driver's error as it is (to be read by the caller).
    pub(crate) async fn try_optional<T>(
        conn: &mut Connection<E>,
        statement: &Statement,
    ) -> Result<Option<T>, sqlx::Error>
    where
        Row<E>: Reads<T>,
    {
        let arguments = Db::<E>::arguments(statement.values())?;
        let row = sqlx::query_with(statement.sql(), arguments).fetch_optional(Db::<E>::executor(conn)).await?;
        row.map(|row| row.read()).transpose()
    }

    /// The one row the statement answers.
    pub(crate) async fn one<T>(conn: &mut Connection<E>, statement: &Statement) -> StorageResult<T>
    where
        Row<E>: Reads<T>,
    {
        Self::try_one(conn, statement).await.map_err(E::map_error)
    }

    /// Like [`SqlStorage::one`], with the driver's error as it is (to be read by the caller).
    pub(crate) async fn try_one<T>(conn: &mut Connection<E>, statement: &Statement) -> Result<T, sqlx::Error>
    where
        Row<E>: Reads<T>,
    {
        let arguments = Db::<E>::arguments(statement.values())?;
        let row = sqlx::query_with(statement.sql(), arguments).fetch_one(Db::<E>::executor(conn)).await?;
        row.read()
    }

    /// Runs a statement that answers nothing needed.
    /// Runs `statements` in turn.
    pub(crate) async fn execute_all(
        conn: &mut Connection<E>,
        statements: impl IntoIterator<Item = Statement>,
    ) -> StorageResult<()> {
        for statement in statements {
            Self::execute(conn, &statement).await?;
        }
        Ok(())
    }

    pub(crate) async fn execute(conn: &mut Connection<E>, statement: &Statement) -> StorageResult<()> {
        let arguments = Db::<E>::arguments(statement.values()).map_err(E::map_error)?;
        sqlx::query_with(statement.sql(), arguments).execute(Db::<E>::executor(conn)).await.map_err(E::map_error)?;
        Ok(())
    }
}
