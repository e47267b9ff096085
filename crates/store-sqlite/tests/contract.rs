//! The domain's conformance suite, on a fresh SQLite file per test.

use magasin_store_sqlite::SqliteStorage;
use std::sync::atomic::{AtomicU32, Ordering};

static NEXT: AtomicU32 = AtomicU32::new(0);

async fn fresh_storage() -> SqliteStorage {
    let dir = std::env::temp_dir().join(format!("magasin-contract-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join(format!("db-{}.sqlite", NEXT.fetch_add(1, Ordering::SeqCst)));
    let _ = std::fs::remove_file(&file);
    magasin_store_sqlite::connect(&format!("sqlite://{}", file.display())).await.expect("open SQLite")
}

magasin_domain::storage_contract!(fresh_storage().await);
