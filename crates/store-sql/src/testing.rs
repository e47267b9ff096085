//! Test support shared by both engines: a storage removed after its test ([`TestStorage`]), and
//! [`on_both_engines!`](crate::on_both_engines), which runs a suite of tests on a fresh storage
//! of each engine. Each engine crate's `testing::fresh()` makes the storage.

use magasin_domain::Storage;
use std::ops::Deref;
use std::sync::Arc;

/// A fresh storage for one test; what it created (a file, a schema) is removed when it drops.
pub struct TestStorage<S: ?Sized> {
    storage: Arc<S>,
    cleanup: Option<Box<dyn FnOnce() + Send + Sync>>,
}

impl<S: Storage> TestStorage<S> {
    /// `storage`, with what removes it once the test is over.
    pub fn new(storage: S, cleanup: impl FnOnce() + Send + Sync + 'static) -> Self {
        Self { storage: Arc::new(storage), cleanup: Some(Box::new(cleanup)) }
    }

    /// The same storage behind the port, as the service layer takes it.
    pub fn into_dyn(mut self) -> TestStorage<dyn Storage> {
        let storage: Arc<dyn Storage> = self.storage.clone();
        TestStorage { storage, cleanup: self.cleanup.take() }
    }
}

impl<S: ?Sized> TestStorage<S> {
    /// A handle on the storage (it is removed when this `TestStorage` drops, not the handle).
    pub fn shared(&self) -> Arc<S> {
        Arc::clone(&self.storage)
    }
}

impl<S: ?Sized> Deref for TestStorage<S> {
    type Target = S;

    fn deref(&self) -> &S {
        &self.storage
    }
}

impl<S: ?Sized> Drop for TestStorage<S> {
    fn drop(&mut self) {
        if let Some(cleanup) = self.cleanup.take() {
            cleanup();
        }
    }
}

/// Runs each named test once on a fresh SQLite storage and once on a fresh PostgreSQL one
/// (`TEST_DATABASE_URL`; without it the PostgreSQL half fails, never skips). `$setup` turns the
/// storage (a `TestStorage<dyn Storage>`) into what the tests take, and each test is an
/// `async fn` of that:
///
/// ```ignore
/// magasin_store_sql::on_both_engines!(TestApp::start; a_sale_is_recorded, a_sale_is_cancelled);
/// ```
///
/// The crate using it needs `magasin-store-sqlite` and `magasin-store-postgres` with their
/// `testing` feature, and `tokio`.
#[macro_export]
macro_rules! on_both_engines {
    ($setup:path; $($test:ident),* $(,)?) => {
        mod sqlite {
            #[allow(unused_imports)]
            use super::*;
            $(
                #[tokio::test]
                async fn $test() {
                    let storage = ::magasin_store_sqlite::testing::fresh().await.into_dyn();
                    super::$test($setup(storage).await).await
                }
            )*
        }
        mod postgres {
            #[allow(unused_imports)]
            use super::*;
            $(
                #[tokio::test]
                async fn $test() {
                    let storage = ::magasin_store_postgres::testing::fresh().await.into_dyn();
                    super::$test($setup(storage).await).await
                }
            )*
        }
    };
}
