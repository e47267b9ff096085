//! The domain's conformance suite, on a fresh SQLite database per test.

magasin_domain::storage_contract!(magasin_store_sqlite::testing::fresh().await);
