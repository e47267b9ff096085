//! For tests: a migrated, empty schema of the database `TEST_DATABASE_URL`, dropped after the
//! test (`scripts/test` also recreates the test database on each run, for schemas a killed
//! test leaves behind).

use crate::PgStorage;
use magasin_store_sql::testing::TestStorage;
use sqlx::Connection;
use sqlx::postgres::{PgConnectOptions, PgConnection};
use std::str::FromStr;

/// Connections each test storage may open.
const TEST_POOL_SIZE: u32 = 10;

/// The test database's URL; panics with a clear message when unset, so that the PostgreSQL
/// tests fail instead of silently skipping.
pub fn test_database_url() -> String {
    std::env::var("TEST_DATABASE_URL").unwrap_or_else(|_| {
        panic!(
            "TEST_DATABASE_URL is not set: the PostgreSQL tests need a database, e.g. \
             TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/magasin_test (scripts/test sets it)"
        )
    })
}

/// A storage on a new schema `t_<uuid>` of the test database, migrated and empty; the schema
/// is dropped when the result drops. Panics when `TEST_DATABASE_URL` is unset or the database
/// cannot be reached.
pub async fn fresh() -> TestStorage<PgStorage> {
    fresh_with_statement_timeout(None).await
}

/// Like [`fresh`], cancelling any statement that runs longer than `statement_timeout`.
pub async fn fresh_with_statement_timeout(statement_timeout: Option<std::time::Duration>) -> TestStorage<PgStorage> {
    let url = test_database_url();
    let schema = format!("t_{}", uuid::Uuid::new_v4().simple());
    let mut admin = PgConnection::connect(&url).await.unwrap_or_else(|e| panic!("cannot reach {url}: {e}"));
    sqlx::query(&format!("CREATE SCHEMA {schema}"))
        .execute(&mut admin)
        .await
        .unwrap_or_else(|e| panic!("cannot create schema {schema}: {e}"));
    let _ = admin.close().await;
    let options = PgConnectOptions::from_str(&url)
        .unwrap_or_else(|e| panic!("invalid TEST_DATABASE_URL: {e}"))
        .options([("search_path", schema.as_str())])
        .application_name(&schema);
    let storage = crate::connect_with_options(options, TEST_POOL_SIZE, statement_timeout)
        .await
        .unwrap_or_else(|e| panic!("cannot connect to the test schema {schema}: {e}"));
    TestStorage::new(storage, move || drop_schema(url, schema))
}

/// Drops the schema from a thread of its own (a drop cannot wait on the test's runtime), first
/// ending the test's own connections (named after the schema): one may still hold the locks of
/// a transaction whose rollback the ended test never ran. A failure is ignored: the test
/// database is recreated on the next run.
fn drop_schema(url: String, schema: String) {
    let dropped = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        runtime.block_on(async {
            let mut admin = PgConnection::connect(&url).await.map_err(std::io::Error::other)?;
            sqlx::query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1")
                .bind(&schema)
                .execute(&mut admin)
                .await
                .map_err(std::io::Error::other)?;
            sqlx::query("SET lock_timeout = '5s'").execute(&mut admin).await.map_err(std::io::Error::other)?;
            sqlx::query(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
                .execute(&mut admin)
                .await
                .map_err(std::io::Error::other)?;
            admin.close().await.map_err(std::io::Error::other)
        })
    });
    let _ = dropped.join();
}
