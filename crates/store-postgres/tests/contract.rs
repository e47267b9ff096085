//! The domain's conformance suite, on a fresh PostgreSQL schema per test.

magasin_domain::storage_contract!(magasin_store_postgres::testing::fresh().await);
