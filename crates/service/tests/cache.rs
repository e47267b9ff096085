//! The cache: fresh after every acknowledged write, precise, shared, and never an error source.
//! The Redis tests use the Redis on 127.0.0.1:6379 (`scripts/test` makes sure it runs), each
//! under its own key prefix.

use magasin_domain::reporting::ReportFilter;
use magasin_domain::sales::{LineRequest, SaleRequest};
use magasin_domain::{ProductId, StoreId};
use magasin_service::cache::{Cache, CacheConfig, Scope};
use magasin_service::domain::accounts::Actor;
use magasin_service::{ServiceResult, Services, Settings};
use magasin_store_sqlite::testing::TempDatabase;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// A database shared by the "instances" of a test, removed when it drops.
fn database() -> TempDatabase {
    TempDatabase::new()
}

/// A key prefix of its own per test, so that tests sharing the Redis do not meet.
fn unique() -> String {
    use std::time::{SystemTime, UNIX_EPOCH};
    static N: AtomicUsize = AtomicUsize::new(0);
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    format!("{nanos}-{}", N.fetch_add(1, Ordering::SeqCst))
}

fn redis(prefix: &str) -> CacheConfig {
    CacheConfig::Redis {
        url: "redis://127.0.0.1:6379".into(),
        timeout: Duration::from_millis(200),
        prefix: prefix.into(),
        staleness: None,
    }
}

/// One "instance": its own pools and cache over a shared database file.
async fn instance(url: &str, cache: CacheConfig) -> Services {
    let storage = magasin_store_sqlite::connect(url).await.expect("SQLite");
    let services = Services::new(Arc::new(storage), Settings::default()).with_cache(Cache::new(cache).expect("cache"));
    services.load_demo_if_empty().await.expect("demo");
    services
}

async fn wait_for_redis(services: &Services) {
    for _ in 0..100 {
        if let Some(Ok(())) = services.cache_status().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("Redis at 127.0.0.1:6379 does not answer: the cache tests need it");
}

/// Two "instances" over one database, sharing a Redis under a prefix of their own (the
/// database is removed when the first value drops).
async fn two_instances_on_redis() -> (TempDatabase, Services, Services) {
    let database = database();
    let url = database.url();
    let prefix = format!("test-{}", unique());
    let a = instance(&url, redis(&prefix)).await;
    let b = instance(&url, redis(&prefix)).await;
    wait_for_redis(&a).await;
    wait_for_redis(&b).await;
    (database, a, b)
}

async fn sell(services: &Services, store: i64, product: i64, quantite: i64) {
    let lignes = vec![LineRequest { produit: ProductId(product), quantite }];
    let request = SaleRequest { magasin: StoreId(store), lignes, paiement: None };
    services.record_sale(&Actor::Service, request, None, None).await.expect("sale");
}

async fn store_total(services: &Services, store: i64) -> i64 {
    let report = services.sales_report(&ReportFilter::default()).await.expect("report");
    report.iter().find(|r| r.magasin.0 == store).map(|r| r.total.0).expect("store in report")
}

async fn local_qty(services: &Services, store: i64, product: i64) -> i64 {
    let stock = services.store_stock(StoreId(store)).await.expect("stock");
    stock.iter().find(|i| i.produit_id.0 == product).map(|i| i.quantite).expect("product")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sale_through_one_instance_is_in_the_report_read_through_another_at_once() {
    let (_database, a, b) = two_instances_on_redis().await;
    for round in 1..=20 {
        // B's answers are cached (locally and in Redis) before each sale.
        let before = store_total(&b, 1).await;
        assert_eq!(store_total(&b, 1).await, before);
        let stock_before = local_qty(&b, 1, 2).await;
        sell(&a, 1, 2, 1).await;
        // The very next read through B, with no pause: the sale is there.
        assert_eq!(store_total(&b, 1).await, before + 2550, "round {round}: B served a report older than A's sale");
        assert_eq!(local_qty(&b, 1, 2).await, stock_before - 1, "round {round}: B served old stock");
    }
}

/// Reads waiting at the same moment share one round trip to Redis for their generations; a read
/// never takes one sent before it began, so every read started after a write sees it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_reads_through_another_instance_all_see_an_acknowledged_sale() {
    let (_database, a, b) = two_instances_on_redis().await;
    let b = Arc::new(b);
    for round in 1..=10 {
        let before = store_total(&b, 1).await;
        // Reads of B in flight while A sells: they may show either total...
        let during: Vec<_> = (0..16)
            .map(|_| {
                let b = Arc::clone(&b);
                tokio::spawn(async move { store_total(&b, 1).await })
            })
            .collect();
        sell(&a, 1, 2, 1).await;
        // ...but every read begun after the sale was acknowledged shows it.
        let after: Vec<_> = (0..32)
            .map(|_| {
                let b = Arc::clone(&b);
                tokio::spawn(async move { store_total(&b, 1).await })
            })
            .collect();
        for read in during {
            let total = read.await.expect("read");
            assert!(total == before || total == before + 2550, "round {round}: {total} is neither total");
        }
        for read in after {
            assert_eq!(
                read.await.expect("read"),
                before + 2550,
                "round {round}: a read begun after the sale missed it"
            );
        }
    }
}

/// The bounded-staleness mode: an instance sees its own writes at once, and another instance's
/// within the bound (in practice sooner: the invalidation message).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_a_staleness_bound_another_instance_sees_a_sale_within_the_bound() {
    let bound = Duration::from_millis(300);
    let database = database();
    let url = database.url();
    let prefix = format!("test-{}", unique());
    let bounded = |prefix: &str| match redis(prefix) {
        CacheConfig::Redis { url, timeout, prefix, .. } => {
            CacheConfig::Redis { url, timeout, prefix, staleness: Some(bound) }
        }
        other => other,
    };
    let a = instance(&url, bounded(&prefix)).await;
    let b = instance(&url, bounded(&prefix)).await;
    wait_for_redis(&a).await;
    wait_for_redis(&b).await;
    let mut slowest = Duration::ZERO;
    for round in 1..=10 {
        let before = store_total(&b, 1).await;
        assert_eq!(store_total(&a, 1).await, before);
        sell(&a, 1, 2, 1).await;
        let acknowledged = std::time::Instant::now();
        assert_eq!(store_total(&a, 1).await, before + 2550, "round {round}: A did not see its own sale");
        loop {
            let total = store_total(&b, 1).await;
            let lag = acknowledged.elapsed();
            if total == before + 2550 {
                slowest = slowest.max(lag);
                break;
            }
            assert_eq!(total, before, "round {round}: neither total");
            assert!(lag < bound, "round {round}: B still served the total before A's sale {lag:?} after it");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
    eprintln!("slowest lag of B behind A's sale: {slowest:?} (bound {bound:?})");
}

/// A return through one instance: the next reads through another show the refund taken off the
/// report, the dashboard's revenue, and the unit back in stock.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_return_through_one_instance_is_in_the_answers_of_another_at_once() {
    use magasin_domain::returns::{ReturnLineRequest, ReturnRequest};
    let (_database, a, b) = two_instances_on_redis().await;
    let lignes = vec![LineRequest { produit: ProductId(2), quantite: 3 }];
    let request = SaleRequest { magasin: StoreId(1), lignes, paiement: None };
    let sale = a.record_sale(&Actor::Service, request, None, None).await.expect("sale").sale;
    let revenue = |s: &Services| {
        let s = s.clone();
        async move { s.dashboard(&ReportFilter::default()).await.expect("dashboard")[0].chiffre_affaires.0 }
    };
    let (total, dashboard, stock) = (store_total(&b, 1).await, revenue(&b).await, local_qty(&b, 1, 2).await);
    assert_eq!((store_total(&b, 1).await, revenue(&b).await), (total, dashboard), "cached");
    let line = ReturnLineRequest { ligne: 1, quantite: 1, etat: "revendable".into() };
    let request = ReturnRequest { vente: sale.id, lignes: vec![line], note: String::new() };
    a.record_return(&Actor::Service, request, None, None).await.expect("return");
    assert_eq!(store_total(&b, 1).await, total - 2550, "B served a report older than A's return");
    assert_eq!(revenue(&b).await, dashboard - 2550, "B served a dashboard older than A's return");
    assert_eq!(local_qty(&b, 1, 2).await, stock + 1, "B served old stock");
}

/// A rule set through one instance: the dashboard counted against the rules, read through
/// another, counts the product against its rule at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rule_set_through_one_instance_is_in_the_dashboard_of_another_at_once() {
    use magasin_domain::reordering::RuleInput;
    let (_database, a, b) = two_instances_on_redis().await;
    let stockouts = |s: &Services| {
        let s = s.clone();
        async move { s.dashboard_with_rules(&ReportFilter::default()).await.expect("dashboard")[0].ruptures }
    };
    let before = stockouts(&b).await;
    assert_eq!(stockouts(&b).await, before, "cached");
    let rule = RuleInput { produit: ProductId(1), min: 1_000, max: 2_000, multiple: 1, mode: "manuel".into() };
    a.set_rules(&Actor::Service, StoreId(1), vec![rule], None).await.expect("rule");
    assert_eq!(stockouts(&b).await, before + 1, "B served a dashboard older than A's rule");
    a.delete_rule(&Actor::Service, StoreId(1), ProductId(1), None).await.expect("removed");
    assert_eq!(stockouts(&b).await, before, "B served a dashboard older than A's removal");
}

#[tokio::test]
async fn a_write_drops_only_the_answers_it_changes() {
    let database = database();
    let url = database.url();
    let cached = instance(&url, CacheConfig::Local).await;
    let behind_its_back = instance(&url, CacheConfig::None).await;
    assert_eq!(local_qty(&cached, 2, 1).await, 18);
    assert_eq!(local_qty(&cached, 1, 1).await, 20);
    assert_eq!(store_total(&cached, 2).await, 0);
    // A change the cached instance does not know of: its answers stay as they were (cached).
    sell(&behind_its_back, 2, 1, 3).await;
    assert_eq!(local_qty(&cached, 2, 1).await, 18, "served from the cache");
    assert_eq!(store_total(&cached, 2).await, 0, "served from the cache");
    // A sale at store 1 through the cached instance: store 1 is fresh, store 2 still cached —
    // in its stock and in its part of the report.
    sell(&cached, 1, 1, 1).await;
    assert_eq!(local_qty(&cached, 1, 1).await, 19);
    assert_eq!(store_total(&cached, 1).await, 8999);
    assert_eq!(local_qty(&cached, 2, 1).await, 18, "a sale at store 1 keeps store 2's answer");
    assert_eq!(store_total(&cached, 2).await, 0, "a sale at store 1 keeps store 2's part of the report");
    // A sale at store 2: its stock and its part of the report are read again.
    sell(&cached, 2, 1, 1).await;
    assert_eq!(local_qty(&cached, 2, 1).await, 14);
    assert_eq!(store_total(&cached, 2).await, 4 * 8999);
    // A product update changes names everywhere.
    let input = magasin_domain::catalogue::ProductInput { nom: Some("Clavier".into()), ..Default::default() };
    cached.update_product(&Actor::Service, ProductId(1), input).await.expect("rename");
    let stock = cached.store_stock(StoreId(2)).await.expect("stock");
    assert_eq!(stock[0].nom, "Clavier");
}

#[tokio::test]
async fn a_price_change_refreshes_the_product_and_keeps_the_lists_that_show_no_price() {
    let database = database();
    let url = database.url();
    let cached = instance(&url, CacheConfig::Local).await;
    let behind_its_back = instance(&url, CacheConfig::None).await;
    assert_eq!(local_qty(&cached, 2, 1).await, 18);
    assert_eq!(store_total(&cached, 2).await, 0);
    let before = cached.get_product(ProductId(1)).await.expect("product");
    // Cached answers now disagree with the database, so a re-read would show.
    sell(&behind_its_back, 2, 1, 3).await;
    let price = magasin_domain::catalogue::ProductInput { prix: Some("12.34".into()), ..Default::default() };
    cached.update_product(&Actor::Service, ProductId(1), price).await.expect("price change");
    let after = cached.get_product(ProductId(1)).await.expect("product");
    assert_ne!(after.prix, before.prix, "the product itself is read again after its price changed");
    assert_eq!(after.prix.0, 1234);
    assert_eq!(local_qty(&cached, 2, 1).await, 18, "stock shows no price: still served from the cache");
    assert_eq!(store_total(&cached, 2).await, 0, "the report shows no current price: still served from the cache");
    // A rename shows everywhere names are shown.
    let rename = magasin_domain::catalogue::ProductInput { nom: Some("Souris".into()), ..Default::default() };
    cached.update_product(&Actor::Service, ProductId(1), rename).await.expect("rename");
    let stock = cached.store_stock(StoreId(2)).await.expect("stock");
    let row = stock.iter().find(|i| i.produit_id.0 == 1).expect("product 1");
    assert_eq!(row.nom, "Souris");
    assert_eq!(row.quantite, 15, "re-read with the names: the other instance's sale shows too");
}

#[tokio::test]
async fn concurrent_misses_of_one_key_run_one_computation() {
    let cache = Cache::new(CacheConfig::Local).expect("cache");
    let runs = Arc::new(AtomicUsize::new(0));
    let reads = (0..20).map(|_| {
        let runs = Arc::clone(&runs);
        let cache = cache.clone();
        async move {
            cache
                .get_or_compute("test", &[Scope::StoreSales(1)], "k".into(), || async move {
                    runs.fetch_add(1, Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    ServiceResult::Ok(42u32)
                })
                .await
        }
    });
    let answers = futures::future::join_all(reads).await;
    assert!(answers.iter().all(|a| matches!(a, Ok(42))));
    assert_eq!(runs.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn an_answer_computed_by_one_instance_is_served_to_another_from_redis() {
    let prefix = format!("test-{}", unique());
    let first = Cache::new(redis(&prefix)).expect("cache");
    let second = Cache::new(redis(&prefix)).expect("cache");
    let database = database();
    let probe = instance(&database.url(), redis(&prefix)).await;
    wait_for_redis(&probe).await;
    for _ in 0..100 {
        if first.check().await.is_ok() && second.check().await.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let runs = Arc::new(AtomicUsize::new(0));
    let compute = |runs: Arc<AtomicUsize>| {
        move || async move {
            runs.fetch_add(1, Ordering::SeqCst);
            ServiceResult::Ok(vec![1u8, 2, 3])
        }
    };
    let a = first
        .get_or_compute("shared", &[Scope::StoreStock(1)], "x".into(), compute(Arc::clone(&runs)))
        .await
        .expect("a");
    let b = second
        .get_or_compute("shared", &[Scope::StoreStock(1)], "x".into(), compute(Arc::clone(&runs)))
        .await
        .expect("b");
    assert_eq!((a, b), (vec![1, 2, 3], vec![1, 2, 3]));
    assert_eq!(runs.load(Ordering::SeqCst), 1, "the second instance found it in Redis");
    second.invalidate(&[Scope::StoreStock(1)]).await;
    first
        .get_or_compute("shared", &[Scope::StoreStock(1)], "x".into(), compute(Arc::clone(&runs)))
        .await
        .expect("again");
    assert_eq!(runs.load(Ordering::SeqCst), 2, "an invalidation by one instance reaches the other");
}

#[tokio::test]
async fn without_redis_answers_come_from_the_database() {
    let database = database();
    let url = database.url();
    let unreachable = CacheConfig::Redis {
        url: "redis://127.0.0.1:1".into(),
        timeout: Duration::from_millis(50),
        prefix: "x".into(),
        staleness: None,
    };
    let services = instance(&url, unreachable).await;
    sell(&services, 1, 1, 1).await;
    assert_eq!(store_total(&services, 1).await, 8999);
    sell(&services, 1, 1, 1).await;
    assert_eq!(store_total(&services, 1).await, 2 * 8999, "never stale, never an error");
    assert!(matches!(services.cache_status().await, Some(Err(_))), "readiness reports the cache as failing");
}

/// Failed attempts add up per subject; past the limit every attempt of that subject is refused
/// for the rest of the window, and other subjects are not touched.
async fn throttles_each_subject(services: &Services, other_instance: &Services) {
    use magasin_service::throttle::{ADDRESS_LIMIT, LOGIN_LIMIT, Subject, WINDOW};
    let address = Subject::Address(Some("203.0.113.7".parse().expect("ip")));
    let login = Subject::Login(format!("user-{}", unique()));
    for _ in 0..ADDRESS_LIMIT {
        assert_eq!(services.auth_attempt_allowed(std::slice::from_ref(&address)).await, Ok(()));
        services.auth_attempt_failed(std::slice::from_ref(&address), "test").await;
    }
    let wait = other_instance.auth_attempt_allowed(std::slice::from_ref(&address)).await.expect_err("throttled");
    assert!(wait > Duration::ZERO && wait <= WINDOW, "{wait:?}");
    assert_eq!(other_instance.auth_attempt_allowed(&[Subject::Address(None)]).await, Ok(()), "another address");
    for _ in 0..LOGIN_LIMIT {
        services.auth_attempt_failed(std::slice::from_ref(&login), "test").await;
    }
    let unknown = Subject::Address(Some("198.51.100.1".parse().expect("ip")));
    assert!(other_instance.auth_attempt_allowed(&[unknown, login]).await.is_err(), "a login is throttled too");
}

#[tokio::test]
async fn failed_attempts_are_throttled_on_one_instance() {
    let database = database();
    let services = instance(&database.url(), CacheConfig::None).await;
    throttles_each_subject(&services, &services).await;
}

#[tokio::test]
async fn failed_attempts_are_throttled_across_instances_with_redis() {
    let database = database();
    let url = database.url();
    let prefix = unique();
    let (first, second) = (instance(&url, redis(&prefix)).await, instance(&url, redis(&prefix)).await);
    wait_for_redis(&first).await;
    wait_for_redis(&second).await;
    throttles_each_subject(&first, &second).await;
}

#[tokio::test]
async fn failed_attempts_are_throttled_locally_while_redis_fails() {
    let database = database();
    let unreachable = CacheConfig::Redis {
        url: "redis://127.0.0.1:1".into(),
        timeout: Duration::from_millis(50),
        prefix: "x".into(),
        staleness: None,
    };
    let services = instance(&database.url(), unreachable).await;
    throttles_each_subject(&services, &services).await;
}
