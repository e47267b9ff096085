//! The cache of expensive reads: an in-process tier (moka) in front of Redis.
//!
//! **Freshness.** A cached answer's key carries the *generation* of every scope it depends on
//! (`sales`, `sales:<store>`, `stock`, `stock:<store>`, `catalogue`). A write bumps the generations of the scopes it
//! changes before it is acknowledged; later reads compose new keys and miss. With Redis, the
//! generations live in Redis and are read on every cached read, so no instance serves an answer
//! older than an acknowledged write; a pub/sub message also makes every instance drop the local
//! entries of those scopes. In `local` mode the generations are in-process (one instance only).
//!
//! **Failures.** Every Redis call has a timeout. When Redis fails, answers come from the database
//! (a warning, `magasin_cache_errors_total`), never an error to the client. An invalidation that
//! could not reach Redis is retried, and the cache is bypassed until it is, so stale entries can
//! never come back with Redis. Concurrent misses of one key in one instance run one computation.

mod redis_tier;

use crate::{ServiceError, ServiceResult};
use redis_tier::RedisTier;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::any::Any;
use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How long an entry lives at most, whatever happens (a safety net; invalidation is the rule).
const LOCAL_TTL: Duration = Duration::from_secs(60);
const LOCAL_CAPACITY: u64 = 10_000;

/// Which tiers answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CacheConfig {
    /// No cache: every read goes to the database.
    None,
    /// In-process only (one instance).
    Local,
    /// In-process in front of Redis (several instances).
    Redis { url: String, timeout: Duration, prefix: String },
}

/// A part of the data that cached answers depend on and writes change.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Scope {
    /// Sales figures (report totals, revenue, trends).
    Sales,
    /// Any stock level.
    Stock,
    /// One store's stock.
    StoreStock(i64),
    /// One store's sales figures.
    StoreSales(i64),
    /// Product names, prices and descriptions.
    Catalogue,
}

impl Scope {
    fn name(&self) -> String {
        match self {
            Scope::Sales => "sales".into(),
            Scope::Stock => "stock".into(),
            Scope::StoreStock(id) => format!("stock:{id}"),
            Scope::StoreSales(id) => format!("sales:{id}"),
            Scope::Catalogue => "catalogue".into(),
        }
    }
}

type Value = Arc<dyn Any + Send + Sync>;

struct Inner {
    local: moka::future::Cache<String, Value>,
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
            CacheConfig::Redis { url, timeout, prefix } => Some(RedisTier::start(url, *timeout, prefix)?),
        };
        let local = moka::future::Cache::builder()
            .max_capacity(LOCAL_CAPACITY)
            .time_to_live(LOCAL_TTL)
            .support_invalidation_closures()
            .build();
        let inner = Arc::new(Inner { local, generations: Mutex::new(HashMap::new()), redis });
        if let Some(redis) = &inner.redis {
            redis.listen_for_invalidations(Arc::downgrade(&inner));
        }
        Ok(Self { inner: Some(inner) })
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
        let Some(generations) = inner.generations(name, scopes).await else {
            return compute().await;
        };
        let key = format!("{name}|{generations}|{params}");
        let missed = AtomicBool::new(false);
        let redis = inner.redis.as_ref();
        let value = inner
            .local
            .try_get_with(key.clone(), async {
                missed.store(true, Ordering::Relaxed);
                if let Some(redis) = redis
                    && let Some(found) = redis.get::<T>(name, &key).await
                {
                    return Ok::<Value, ServiceError>(Arc::new(found));
                }
                let computed = compute().await?;
                if let Some(redis) = redis {
                    redis.set(name, &key, &computed).await;
                }
                Ok(Arc::new(computed))
            })
            .await
            .map_err(|shared| shared.as_ref().duplicate())?;
        let result = if missed.load(Ordering::Relaxed) { "miss" } else { "hit" };
        metrics::counter!("magasin_cache_requests_total", "cache" => name, "tier" => "local", "result" => result)
            .increment(1);
        value
            .downcast_ref::<T>()
            .cloned()
            .ok_or_else(|| ServiceError::Internal(format!("cache entry {key} has another type").into()))
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
        inner.drop_local(&names);
        if let Some(redis) = &inner.redis {
            redis.invalidate(&names).await;
        }
    }
}

impl Inner {
    /// The generations of `scopes` as one key part, or `None` when the cache must be bypassed.
    async fn generations(&self, name: &'static str, scopes: &[Scope]) -> Option<String> {
        let names: Vec<String> = scopes.iter().map(Scope::name).collect();
        let values = match &self.redis {
            Some(redis) => redis.generations(name, &names).await?,
            None => {
                let generations = self.generations.lock().ok()?;
                names.iter().map(|n| generations.get(n).copied().unwrap_or(0)).collect()
            }
        };
        Some(names.iter().zip(values).map(|(n, g)| format!("{n}={g}")).collect::<Vec<_>>().join(","))
    }

    /// Drops the local entries that depend on any of `scopes`.
    fn drop_local(&self, scopes: &[String]) {
        let scopes: Vec<String> = scopes.iter().map(|s| format!("{s}=")).collect();
        let _ = self.local.invalidate_entries_if(move |key, _| {
            let part = key.split('|').nth(1).unwrap_or("");
            part.split(',').any(|g| scopes.iter().any(|s| g.starts_with(s.as_str())))
        });
    }
}

impl ServiceError {
    /// A copy of a shared error (moka shares one computation's error among its waiters).
    fn duplicate(&self) -> ServiceError {
        match self {
            ServiceError::Invalid(e) => ServiceError::Invalid(e.clone()),
            ServiceError::NotFound { entity, id } => ServiceError::NotFound { entity, id: *id },
            ServiceError::Conflict(m) => ServiceError::Conflict(m.clone()),
            ServiceError::InsufficientStock { product, product_name, requested, available } => {
                ServiceError::InsufficientStock {
                    product: *product,
                    product_name: product_name.clone(),
                    requested: *requested,
                    available: *available,
                }
            }
            ServiceError::Unavailable(m) => ServiceError::Unavailable(m.clone()),
            ServiceError::Internal(source) => ServiceError::Internal(source.to_string().into()),
        }
    }
}
