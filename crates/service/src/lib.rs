//! magasin's use cases, one module each. The web layer calls these; they apply the domain's
//! rules and call the storage port. Nothing here knows about HTTP or SQL.

mod accounts;
mod adjustments;
mod audit;
pub mod cache;
mod catalogue;
mod closing;
mod counts;
pub mod demo;
mod error;
mod purchasing;
mod receiving;
mod reordering;
mod replenishment;
mod reporting;
mod returns;
mod sales;
mod shipping;
mod stock;
pub mod throttle;
mod till;
pub mod verification;

use chrono::{DateTime, SubsecRound, Utc};
use magasin_domain::Storage;
use magasin_domain::returns::ReturnWindow;
use magasin_domain::stock::StockThresholds;
use std::sync::Arc;

pub use accounts::{FORBIDDEN, IssuedToken, TOKEN_PREFIX, generate_password, hash_password, verify_password};
pub use error::{ServiceError, ServiceResult};
pub use magasin_domain as domain;

/// Settings the use cases depend on.
#[derive(Debug, Clone, Copy, Default)]
pub struct Settings {
    /// Dashboard stock-out and overstock thresholds.
    pub thresholds: StockThresholds,
    /// How long after a sale its goods may be returned.
    pub return_window: ReturnWindow,
    /// Approvals reserve the goods at the warehouse and prepare a shipment (goods in transit)
    /// rather than moving them into the store at once.
    pub transit: bool,
}

/// The use cases, sharing one storage and one cache.
#[derive(Clone)]
pub struct Services {
    storage: Arc<dyn Storage>,
    settings: Settings,
    cache: cache::Cache,
    throttle: throttle::LocalCounts,
    /// Every worker's storage when the server gives each worker its own pool (their occupancy
    /// is reported together); empty otherwise.
    pools: Arc<[Arc<dyn Storage>]>,
}

impl Services {
    /// The use cases over `storage` (which times its every operation for the metrics).
    pub fn new(storage: Arc<dyn Storage>, settings: Settings) -> Self {
        Self {
            storage,
            settings,
            cache: cache::Cache::default(),
            throttle: throttle::LocalCounts::default(),
            pools: Arc::new([]),
        }
    }

    /// The same use cases, cache and throttle once per worker, each over its own storage (the
    /// same database through the worker's own connection pool). Each reports the occupancy of
    /// all of them, a storage shared by several workers once.
    pub fn per_worker(&self, storages: Vec<Arc<dyn Storage>>) -> Vec<Self> {
        // Workers sharing one storage (SQLite) share its pools: kept once.
        let mut distinct: Vec<Arc<dyn Storage>> = Vec::new();
        for storage in &storages {
            if !distinct.iter().any(|seen| Arc::ptr_eq(seen, storage)) {
                distinct.push(Arc::clone(storage));
            }
        }
        let pools: Arc<[Arc<dyn Storage>]> = distinct.into();
        storages.into_iter().map(|storage| Self { storage, pools: pools.clone(), ..self.clone() }).collect()
    }

    /// The same use cases, with their expensive reads cached.
    pub fn with_cache(mut self, cache: cache::Cache) -> Self {
        self.cache = cache;
        self
    }

    /// `Some(Ok)` when the cache answers, `Some(Err(reason))` when it fails, `None` without a cache.
    pub async fn cache_status(&self) -> Option<Result<(), String>> {
        if self.cache.is_enabled() { Some(self.cache.check().await) } else { None }
    }

    /// Occupancy of the storage's connection pools; with a pool per worker, the workers' pools
    /// added up under their common name.
    pub fn pool_stats(&self) -> Vec<magasin_domain::PoolStats> {
        if self.pools.is_empty() {
            return self.storage.pool_stats();
        }
        let mut total: Vec<magasin_domain::PoolStats> = Vec::new();
        for stats in self.pools.iter().flat_map(|storage| storage.pool_stats()) {
            match total.iter_mut().find(|t| t.pool == stats.pool) {
                Some(t) => {
                    t.size += stats.size;
                    t.idle += stats.idle;
                    t.max += stats.max;
                }
                None => total.push(stats),
            }
        }
        total
    }

    /// The storage engine name (`sqlite` or `postgres`).
    pub fn engine(&self) -> &'static str {
        self.storage.engine()
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Whether the database answers and is migrated.
    pub async fn ready(&self) -> ServiceResult<()> {
        Ok(self.storage.ping().await?)
    }

    /// Loads the demo data into an empty database; `Ok(false)` when it already holds data.
    pub async fn load_demo_if_empty(&self) -> ServiceResult<bool> {
        if !self.storage.is_empty().await? {
            return Ok(false);
        }
        let dataset = demo::dataset().map_err(|e| ServiceError::Internal(e.into()))?;
        self.storage.load_dataset(&dataset, &magasin_domain::WriteContext::now()).await?;
        Ok(true)
    }

    /// Now, to the microsecond: the precision every engine stores, so an answer given at write
    /// time equals the same record read back (or replayed) later.
    fn now() -> DateTime<Utc> {
        Utc::now().trunc_subsecs(6)
    }
}
