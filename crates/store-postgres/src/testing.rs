//! For tests: a fresh, empty, migrated schema per test in the database `TEST_DATABASE_URL`.
//!
//! The schemas are left behind (the test command recreates the test database on each run).

use crate::PgStorage;
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

/// A storage on a new schema `t_<uuid>` of the test database, migrated and empty. Panics when
/// `TEST_DATABASE_URL` is unset or the database cannot be reached.
pub async fn fresh_test_storage() -> PgStorage {
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
        .options([("search_path", schema.as_str())]);
    crate::connect_with_options(options, TEST_POOL_SIZE)
        .await
        .unwrap_or_else(|e| panic!("cannot connect to the test schema {schema}: {e}"))
}
