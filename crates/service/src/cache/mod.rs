//! The cache of expensive reads: an in-process tier (moka) in front of Redis.
//!
//! **Freshness.** A cached answer's key carries the *generation* of every scope it depends on
//! (`sales:<store>`, `stock:<store>`, `names`, `product:<id>`, `stores`). A
//! write bumps the generations of the scopes it changes before it is acknowledged; later reads
//! compose new keys and miss. With Redis, the generations live in Redis and are read on every
//! cached read, so no instance serves an answer older than an acknowledged write: one `MGET` per
//! round trip, shared by every read waiting at that moment (a read joins the next round trip,
//! never one already sent). A pub/sub message also makes every instance drop its local entries
//! of those scopes at once, instead of waiting for them to age out. In the bounded-staleness
//! mode (`staleness`), a read uses generations read less than the bound ago, so an answer is at
//! most that much older than another instance's acknowledged write; the pub/sub message makes
//! the lag shorter in practice. In `local` mode
//! the generations are in-process (one instance only).
//!
//! **Memory.** The in-process tier is bounded in bytes (the encoded size of each answer), with
//! least-recently-used eviction, so entries made unreachable by a write leave first.
//!
//! **Failures.** Every Redis call has a timeout. When Redis fails, answers come from the database
//! (a warning, `magasin_cache_errors_total`), never an error to the client. An invalidation that
//! could not reach Redis is retried, and the cache is bypassed until it is, so stale entries can
//! never come back with Redis. Concurrent misses of one key in one instance run one computation.

pub(crate) mod redis_tier;

use crate::{ServiceError, ServiceResult};
use futures::future::try_join_all;
use magasin_domain::StorageError;
pub(crate) use redis_tier::RedisTier;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::any::Any;
use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How long an entry lives at most, whatever happens (a safety net; invalidation is the rule).
const LOCAL_TTL: Duration = Duration::from_secs(60);
/// Bytes of encoded answers the in-process tier holds at most (its resident cost is about twice).
const LOCAL_CAPACITY_BYTES: u64 = 24 * 1024 * 1024;

/// Which tiers answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CacheConfig {
    /// No cache: every read goes to the database.
    None,
    /// In-process only (one instance).
    Local,
    /// In-process in front of Redis (several instances). With `staleness`, an answer may be up to
    /// that much older than the last acknowledged write of another instance (the
    /// bounded-staleness mode); without (the default), never.
    Redis { url: String, timeout: Duration, prefix: String, staleness: Option<Duration> },
}

/// A part of the data that cached answers depend on and writes change.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Scope {
    /// One store's stock.
    StoreStock(i64),
    /// One store's sales figures.
    StoreSales(i64),
    /// Product names, as reports and stock lists show them (not prices: no cached list shows one).
    ProductNames,
    /// One product's own fields.
    Product(i64),
    /// The list of stores.
    Stores,
}

impl Scope {
    fn name(&self) -> String {
        match self {
            Scope::StoreStock(id) => format!("stock:{id}"),
            Scope::StoreSales(id) => format!("sales:{id}"),
            Scope::ProductNames => "names".into(),
            Scope::Product(id) => format!("product:{id}"),
            Scope::Stores => "stores".into(),
        }
    }
}

/// One part of a cached answer: the scopes it depends on and what tells it apart.
pub struct Part {
    pub scopes: Vec<Scope>,
    pub params: String,
}

/// A cached answer and its encoded size.
#[derive(Clone)]
struct Entry {
    value: Arc<dyn Any + Send + Sync>,
    bytes: u32,
}

/// The scope names a key depends on (keys are `name|scope=generation,…|params`).
fn scopes_of(key: &str) -> impl Iterator<Item = &str> {
    key.split('|').nth(1).unwrap_or("").split(',').filter_map(|g| g.split('=').next()).filter(|s| !s.is_empty())
}

/// Which local keys depend on which scope, so an invalidation drops exactly those.
#[derive(Default)]
struct KeyIndex(Mutex<HashMap<String, HashSet<Arc<String>>>>);

impl KeyIndex {
    fn add(&self, key: &Arc<String>) {
        if let Ok(mut index) = self.0.lock() {
            for scope in scopes_of(key) {
                index.entry(scope.to_string()).or_default().insert(Arc::clone(key));
            }
        }
    }

    fn remove(&self, key: &Arc<String>) {
        if let Ok(mut index) = self.0.lock() {
            for scope in scopes_of(key) {
                if let Some(keys) = index.get_mut(scope) {
                    keys.remove(key);
                    if keys.is_empty() {
                        index.remove(scope);
                    }
                }
            }
        }
    }

    fn take(&self, scopes: &[String]) -> Vec<Arc<String>> {
        let Ok(mut index) = self.0.lock() else { return Vec::new() };
        scopes.iter().filter_map(|s| index.remove(s)).flatten().collect()
    }
}

struct Inner {
    local: moka::future::Cache<Arc<String>, Entry>,
    index: Arc<KeyIndex>,
    /// Local generations (the source of truth in `local` mode).
    generations: Mutex<HashMap<String, u64>>,
    redis: Option<RedisTier>,
}

/// The cache; cheap to clone.
#[derive(Clone, Default)]
pub struct Cache {
    inner: Option<Arc<Inner>>,
}

impl Cache {
    /// Builds the cache; with Redis, connects in the background (reads go to the database until then).
    pub fn new(config: CacheConfig) -> Result<Self, String> {
        let redis = match &config {
            CacheConfig::None => return Ok(Self::default()),
            CacheConfig::Local => None,
            CacheConfig::Redis { url, timeout, prefix, staleness } => {
                Some(RedisTier::start(url, *timeout, prefix, *staleness)?)
            }
        };
        let index = Arc::new(KeyIndex::default());
        let forget = Arc::clone(&index);
        let local = moka::future::Cache::builder()
            .max_capacity(LOCAL_CAPACITY_BYTES)
            .weigher(|key: &Arc<String>, entry: &Entry| entry.bytes.saturating_add(key.len() as u32))
            .eviction_policy(moka::policy::EvictionPolicy::lru())
            .time_to_live(LOCAL_TTL)
            .eviction_listener(move |key: Arc<Arc<String>>, _, _| forget.remove(&key))
            .build();
        let inner = Arc::new(Inner { local, index, generations: Mutex::new(HashMap::new()), redis });
        if let Some(redis) = &inner.redis {
            redis.listen_for_invalidations(Arc::downgrade(&inner));
        }
        Ok(Self { inner: Some(inner) })
    }

    /// The shared Redis tier, when the cache has one (the guessing throttle counts there too).
    pub(crate) fn redis(&self) -> Option<&RedisTier> {
        self.inner.as_ref().and_then(|i| i.redis.as_ref())
    }

    pub fn is_enabled(&self) -> bool {
        self.inner.is_some()
    }

    /// `Ok(())` when every configured tier answers; the reason otherwise.
    pub async fn check(&self) -> Result<(), String> {
        match self.inner.as_ref().and_then(|i| i.redis.as_ref()) {
            Some(redis) => redis.ping().await,
            None => Ok(()),
        }
    }

    /// The cached answer of `name(params)` depending on `scopes`, or `compute`'s (then cached).
    pub async fn get_or_compute<T, F, Fut>(
        &self,
        name: &'static str,
        scopes: &[Scope],
        params: String,
        compute: F,
    ) -> ServiceResult<T>
    where
        T: Serialize + DeserializeOwned + Clone + Send + Sync + 'static,
        F: FnOnce() -> Fut + Send,
        Fut: Future<Output = ServiceResult<T>> + Send,
    {
        let Some(inner) = &self.inner else { return compute().await };
        let part = Part { scopes: scopes.to_vec(), params };
        let Some(mut keys) = inner.keys(name, std::slice::from_ref(&part)).await else {
            return compute().await;
        };
        let key = keys.pop().ok_or_else(|| ServiceError::Internal("cache: no key for one part".into()))?;
        inner.fetch(name, key, compute).await
    }

    /// Each part's cached answer, or `compute(i)`'s for part `i` (then cached). The generations
    /// of all parts are read at once; the missing parts are computed concurrently.
    pub async fn get_or_compute_each<T, F, Fut>(
        &self,
        name: &'static str,
        parts: &[Part],
        compute: F,
    ) -> ServiceResult<Vec<T>>
    where
        T: Serialize + DeserializeOwned + Clone + Send + Sync + 'static,
        F: Fn(usize) -> Fut + Send + Sync,
        Fut: Future<Output = ServiceResult<T>> + Send,
    {
        let compute = &compute;
        let Some(inner) = &self.inner else { return try_join_all((0..parts.len()).map(compute)).await };
        let Some(keys) = inner.keys(name, parts).await else {
            return try_join_all((0..parts.len()).map(compute)).await;
        };
        try_join_all(keys.into_iter().enumerate().map(|(i, key)| inner.fetch(name, key, move || compute(i)))).await
    }

    /// Makes every answer depending on `scopes` stale, on every instance, before returning.
    pub async fn invalidate(&self, scopes: &[Scope]) {
        let Some(inner) = &self.inner else { return };
        let names: Vec<String> = scopes.iter().map(Scope::name).collect();
        if let Ok(mut generations) = inner.generations.lock() {
            for n in &names {
                *generations.entry(n.clone()).or_insert(0) += 1;
            }
        }
        inner.drop_local(&names).await;
        if let Some(redis) = &inner.redis {
            redis.invalidate(&names).await;
            if let Some(seen) = redis.seen() {
                seen.forget(&names);
            }
        }
    }
}

impl Inner {
    /// Each part's key, with the current generation of every scope it depends on (read in one
    /// round trip), or `None` when the cache must be bypassed.
    async fn keys(&self, name: &'static str, parts: &[Part]) -> Option<Vec<Arc<String>>> {
        let mut names: Vec<String> = parts.iter().flat_map(|p| p.scopes.iter().map(Scope::name)).collect();
        names.sort();
        names.dedup();
        let values = match &self.redis {
            Some(redis) => redis.generations(&names).await?,
            None => {
                let generations = self.generations.lock().ok()?;
                names.iter().map(|n| generations.get(n).copied().unwrap_or(0)).collect()
            }
        };
        if values.len() != names.len() {
            return None;
        }
        // `names` is sorted: a scope's generation is found by binary search, and each key is
        // written straight into its string (no map, no intermediate strings to join).
        let generation =
            |scope: &str| names.binary_search_by(|n| n.as_str().cmp(scope)).ok().and_then(|i| values.get(i).copied());
        let keys = parts.iter().map(|part| {
            let mut key = String::with_capacity(name.len() + 24 * part.scopes.len() + part.params.len() + 2);
            key.push_str(name);
            key.push('|');
            for (i, scope) in part.scopes.iter().enumerate() {
                let n = scope.name();
                if i > 0 {
                    key.push(',');
                }
                let _ = write!(key, "{n}={}", generation(&n).unwrap_or(0));
            }
            key.push('|');
            key.push_str(&part.params);
            Arc::new(key)
        });
        Some(keys.collect())
    }

    /// The local entry, else Redis's, else `compute`'s (stored in both tiers).
    async fn fetch<T, F, Fut>(&self, name: &'static str, key: Arc<String>, compute: F) -> ServiceResult<T>
    where
        T: Serialize + DeserializeOwned + Clone + Send + Sync + 'static,
        F: FnOnce() -> Fut,
        Fut: Future<Output = ServiceResult<T>>,
    {
        let missed = AtomicBool::new(false);
        let entry = self
            .local
            .try_get_with(Arc::clone(&key), async {
                missed.store(true, Ordering::Relaxed);
                let entry = match &self.redis {
                    Some(redis) => match redis.get::<T>(name, &key).await {
                        Some((found, bytes)) => Entry { value: Arc::new(found), bytes: weight(bytes) },
                        None => {
                            let (entry, encoded) = computed(compute).await?;
                            if !encoded.is_empty() {
                                redis.set(name, &key, &encoded).await;
                            }
                            entry
                        }
                    },
                    None => computed(compute).await?.0,
                };
                self.index.add(&key);
                Ok::<Entry, ServiceError>(entry)
            })
            .await
            .map_err(|shared| shared.as_ref().duplicate())?;
        let result = if missed.load(Ordering::Relaxed) { "miss" } else { "hit" };
        metrics::counter!("magasin_cache_requests_total", "cache" => name, "tier" => "local", "result" => result)
            .increment(1);
        entry
            .value
            .downcast_ref::<T>()
            .cloned()
            .ok_or_else(|| ServiceError::Internal(format!("cache entry {key} has another type").into()))
    }

    /// Drops the local entries that depend on any of `scopes`.
    async fn drop_local(&self, scopes: &[String]) {
        for key in self.index.take(scopes) {
            self.local.invalidate(&key).await;
        }
    }
}

/// `compute`'s answer as an entry, and its encoding for Redis (empty if it cannot be encoded).
async fn computed<T, F, Fut>(compute: F) -> ServiceResult<(Entry, Vec<u8>)>
where
    T: Serialize + Send + Sync + 'static,
    F: FnOnce() -> Fut,
    Fut: Future<Output = ServiceResult<T>>,
{
    let value = compute().await?;
    let encoded = serde_json::to_vec(&value).unwrap_or_default();
    Ok((Entry { value: Arc::new(value), bytes: weight(encoded.len()) }, encoded))
}

fn weight(bytes: usize) -> u32 {
    u32::try_from(bytes).unwrap_or(u32::MAX)
}

impl ServiceError {
    /// A copy of a shared error (moka shares one computation's error among its waiters).
    fn duplicate(&self) -> ServiceError {
        match self {
            ServiceError::Invalid(e) => ServiceError::Invalid(e.clone()),
            ServiceError::Forbidden(m) => ServiceError::Forbidden(m.clone()),
            ServiceError::Storage(e) => ServiceError::Storage(match e {
                StorageError::NotFound { entity, id } => StorageError::NotFound { entity, id: *id },
                StorageError::Invalid(e) => StorageError::Invalid(e.clone()),
                StorageError::Conflict(m) => StorageError::Conflict(m.clone()),
                StorageError::InsufficientStock { product, product_name, requested, available } => {
                    StorageError::InsufficientStock {
                        product: *product,
                        product_name: product_name.clone(),
                        requested: *requested,
                        available: *available,
                    }
                }
                StorageError::DayClosed { store, store_name, jour } => {
                    StorageError::DayClosed { store: *store, store_name: store_name.clone(), jour: *jour }
                }
                StorageError::Unavailable(m) => StorageError::Unavailable(m.clone()),
                StorageError::Other(source) => StorageError::Other(source.to_string().into()),
            }),
            ServiceError::Internal(source) => ServiceError::Internal(source.to_string().into()),
        }
    }
}
