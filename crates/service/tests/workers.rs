//! Use cases per server worker: each worker's services read and write through their own
//! storage, share one cache (a write on one worker is seen by a cached read on another), and
//! report the occupancy of every worker's pools together (a pool shared by workers once).

use magasin_domain::sales::{LineRequest, SaleRequest};
use magasin_domain::{ProductId, Storage, StoreId};
use magasin_service::cache::{Cache, CacheConfig};
use magasin_service::domain::accounts::Actor;
use magasin_service::{Services, Settings};
use magasin_store_sqlite::testing::TempDatabase;
use std::sync::Arc;

async fn storage(url: &str) -> Arc<dyn Storage> {
    Arc::new(magasin_store_sqlite::connect(url).await.expect("SQLite"))
}

#[tokio::test]
async fn workers_share_the_cache_and_report_their_pools_together() {
    let database = TempDatabase::new();
    let url = database.url();
    let main = storage(&url).await;
    let services =
        Services::new(main.clone(), Settings::default()).with_cache(Cache::new(CacheConfig::Local).expect("cache"));
    services.load_demo_if_empty().await.expect("demo");
    let one_pool = services.pool_stats();

    let workers = services.per_worker(vec![storage(&url).await, storage(&url).await]);
    assert_eq!(workers.len(), 2);

    // Worker 0 fills the cache; worker 1 sells; worker 0's next read sees the sale.
    let store = StoreId(1);
    let before = workers[0].store_stock(store).await.expect("stock");
    let product: ProductId = before.iter().find(|item| item.quantite > 0).expect("a product in stock").produit_id;
    let request =
        SaleRequest { magasin: store, lignes: vec![LineRequest { produit: product, quantite: 1 }], paiement: None };
    workers[1].record_sale(&Actor::Service, request, None, None).await.expect("sale on worker 1");
    let after = workers[0].store_stock(store).await.expect("stock");
    let quantity = |items: &[magasin_domain::stock::StockItem]| {
        items.iter().find(|item| item.produit_id == product).map(|item| item.quantite)
    };
    assert_eq!(quantity(&after), quantity(&before).map(|q| q - 1), "worker 0 sees worker 1's sale");

    // Each worker reports both pools: every pool's largest size counted twice. (Only names and
    // sizes are compared: a connection goes back to its pool's idle ones in the background.)
    let names_and_sizes =
        |stats: Vec<magasin_domain::PoolStats>| stats.into_iter().map(|s| (s.pool, s.max)).collect::<Vec<_>>();
    let together = names_and_sizes(workers[0].pool_stats());
    assert_eq!(together, names_and_sizes(workers[1].pool_stats()));
    let doubled: Vec<_> = names_and_sizes(one_pool.clone()).into_iter().map(|(pool, max)| (pool, 2 * max)).collect();
    assert_eq!(together, doubled);

    // Workers sharing one storage share its pools: counted once.
    let shared = services.per_worker(vec![main.clone(), main.clone()]);
    assert_eq!(names_and_sizes(shared[0].pool_stats()), names_and_sizes(one_pool));
}
