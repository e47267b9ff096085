//! The shared tier: answers, scope generations and invalidation messages in Redis, every call
//! bounded by a timeout and every failure answered by "ask the database".

use super::Inner;
use futures::StreamExt;
use redis::aio::ConnectionManager;
use serde::de::DeserializeOwned;
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock, Weak};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How long an answer stays in Redis at most.
const REDIS_TTL_SECONDS: u64 = 60;
/// Pause between reconnection attempts.
const RETRY: Duration = Duration::from_secs(1);
/// At most one warning per this many seconds, so a Redis outage does not flood the logs.
const WARN_EVERY_SECONDS: u64 = 5;

pub struct RedisTier {
    client: redis::Client,
    connection: Arc<RwLock<Option<ConnectionManager>>>,
    timeout: Duration,
    prefix: String,
    /// Scopes whose invalidation did not reach Redis yet: the cache is bypassed until it does.
    unsent: Mutex<BTreeSet<String>>,
    last_warning: AtomicU64,
}

fn now_seconds() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

impl RedisTier {
    /// Checks the URL and connects in the background, retrying until Redis answers.
    pub fn start(url: &str, timeout: Duration, prefix: &str) -> Result<Self, String> {
        let client = redis::Client::open(url).map_err(|e| format!("invalid Redis URL: {e}"))?;
        let connection = Arc::new(RwLock::new(None));
        let slot = Arc::clone(&connection);
        let connecting = client.clone();
        tokio::spawn(async move {
            loop {
                match ConnectionManager::new(connecting.clone()).await {
                    Ok(manager) => {
                        if let Ok(mut slot) = slot.write() {
                            *slot = Some(manager);
                        }
                        tracing::info!("cache: connected to Redis");
                        return;
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "cache: Redis unreachable, answering from the database; retrying");
                        tokio::time::sleep(RETRY).await;
                    }
                }
            }
        });
        Ok(Self {
            client,
            connection,
            timeout,
            prefix: prefix.to_string(),
            unsent: Mutex::new(BTreeSet::new()),
            last_warning: AtomicU64::new(0),
        })
    }

    fn key(&self, kind: &str, name: &str) -> String {
        format!("{}:{kind}:{name}", self.prefix)
    }

    fn channel(&self) -> String {
        format!("{}:invalidate", self.prefix)
    }

    fn failed(&self, cache: &'static str, error: &str) {
        metrics::counter!("magasin_cache_errors_total", "cache" => cache, "tier" => "redis").increment(1);
        let now = now_seconds();
        let last = self.last_warning.load(Ordering::Relaxed);
        if now >= last + WARN_EVERY_SECONDS
            && self.last_warning.compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed).is_ok()
        {
            tracing::warn!(cache, error, "cache: Redis failed, answering from the database");
        }
    }

    /// Runs one Redis command within the timeout; `None` (and a recorded error) on any failure.
    async fn run<T: redis::FromRedisValue>(&self, cache: &'static str, command: &redis::Cmd) -> Option<T> {
        self.bounded(cache, |mut connection| async move { command.query_async::<T>(&mut connection).await }).await
    }

    /// Runs a pipeline within the timeout; `None` (and a recorded error) on any failure.
    async fn run_pipeline<T: redis::FromRedisValue>(&self, cache: &'static str, pipe: &redis::Pipeline) -> Option<T> {
        self.bounded(cache, |mut connection| async move { pipe.query_async::<T>(&mut connection).await }).await
    }

    /// `call` on the connection, within the timeout.
    async fn bounded<T, F, Fut>(&self, cache: &'static str, call: F) -> Option<T>
    where
        F: FnOnce(ConnectionManager) -> Fut,
        Fut: std::future::Future<Output = redis::RedisResult<T>>,
    {
        let connection = self.connection.read().ok().and_then(|c| c.clone());
        let Some(connection) = connection else {
            self.failed(cache, "not connected");
            return None;
        };
        match tokio::time::timeout(self.timeout, call(connection)).await {
            Ok(Ok(value)) => Some(value),
            Ok(Err(e)) => {
                self.failed(cache, &e.to_string());
                None
            }
            Err(_) => {
                self.failed(cache, "timed out");
                None
            }
        }
    }

    pub async fn ping(&self) -> Result<(), String> {
        self.run::<String>("health", &redis::cmd("PING"))
            .await
            .map(|_| ())
            .ok_or_else(|| "Redis does not answer".to_string())
    }

    /// Current generations of `scopes`; `None` when Redis fails or invalidations are still unsent.
    pub async fn generations(&self, cache: &'static str, scopes: &[String]) -> Option<Vec<u64>> {
        if !self.flush_unsent(cache).await {
            return None;
        }
        let mut command = redis::cmd("MGET");
        for scope in scopes {
            command.arg(self.key("gen", scope));
        }
        let values: Vec<Option<u64>> = self.run(cache, &command).await?;
        Some(values.into_iter().map(|v| v.unwrap_or(0)).collect())
    }

    /// The answer under `key` and its size in bytes, when Redis holds it.
    pub async fn get<T: DeserializeOwned>(&self, cache: &'static str, key: &str) -> Option<(T, usize)> {
        let bytes: Option<Vec<u8>> = self.run(cache, redis::cmd("GET").arg(self.key("v", key))).await?;
        let found = bytes.and_then(|b| serde_json::from_slice(&b).ok().map(|v| (v, b.len())));
        let result = if found.is_some() { "hit" } else { "miss" };
        metrics::counter!("magasin_cache_requests_total", "cache" => cache, "tier" => "redis", "result" => result)
            .increment(1);
        found
    }

    /// Stores an answer already encoded by the caller.
    pub async fn set(&self, cache: &'static str, key: &str, encoded: &[u8]) {
        let command =
            redis::cmd("SET").arg(self.key("v", key)).arg(encoded).arg("EX").arg(REDIS_TTL_SECONDS).to_owned();
        let _: Option<()> = self.run(cache, &command).await;
    }

    /// Counts one failure of `subject` in its window, which opens at its first failure and lasts
    /// `window` seconds: the count so far and the seconds left. `None` when Redis fails.
    pub async fn count_failure(&self, subject: &str, window: u64) -> Option<(u64, u64)> {
        let key = self.key("auth-failures", subject);
        let mut pipe = redis::pipe();
        pipe.cmd("INCR").arg(&key).cmd("EXPIRE").arg(&key).arg(window).arg("NX").ignore().cmd("TTL").arg(&key);
        let (count, ttl): (u64, i64) = self.run_pipeline("auth-throttle", &pipe).await?;
        Some((count, u64::try_from(ttl).unwrap_or(window)))
    }

    /// The failures of `subject` in its current window and the seconds left; `None` when Redis fails.
    pub async fn failures(&self, subject: &str) -> Option<(u64, u64)> {
        let key = self.key("auth-failures", subject);
        let mut pipe = redis::pipe();
        pipe.cmd("GET").arg(&key).cmd("TTL").arg(&key);
        let (count, ttl): (Option<u64>, i64) = self.run_pipeline("auth-throttle", &pipe).await?;
        Some((count.unwrap_or(0), u64::try_from(ttl).unwrap_or(0)))
    }

    /// Bumps the generations and tells every instance; remembers what could not be sent.
    pub async fn invalidate(&self, scopes: &[String]) {
        if let Ok(mut unsent) = self.unsent.lock() {
            unsent.extend(scopes.iter().cloned());
        }
        self.flush_unsent("invalidation").await;
    }

    /// Sends the pending invalidations; `true` when none is left.
    async fn flush_unsent(&self, cache: &'static str) -> bool {
        let pending: Vec<String> = match self.unsent.lock() {
            Ok(unsent) if unsent.is_empty() => return true,
            Ok(unsent) => unsent.iter().cloned().collect(),
            Err(_) => return false,
        };
        let mut pipe = redis::pipe();
        pipe.atomic();
        for scope in &pending {
            pipe.cmd("INCR").arg(self.key("gen", scope)).ignore();
        }
        pipe.cmd("PUBLISH").arg(self.channel()).arg(pending.join(",")).ignore();
        let connection = self.connection.read().ok().and_then(|c| c.clone());
        let Some(mut connection) = connection else {
            self.failed(cache, "not connected");
            return false;
        };
        match tokio::time::timeout(self.timeout, pipe.query_async::<()>(&mut connection)).await {
            Ok(Ok(())) => {
                if let Ok(mut unsent) = self.unsent.lock() {
                    for scope in &pending {
                        unsent.remove(scope);
                    }
                }
                true
            }
            Ok(Err(e)) => {
                self.failed(cache, &e.to_string());
                false
            }
            Err(_) => {
                self.failed(cache, "timed out");
                false
            }
        }
    }

    /// Drops local entries when another instance invalidates; resubscribes after failures.
    pub(super) fn listen_for_invalidations(&self, cache: Weak<Inner>) {
        let client = self.client.clone();
        let channel = self.channel();
        tokio::spawn(async move {
            loop {
                if cache.strong_count() == 0 {
                    return;
                }
                match client.get_async_pubsub().await {
                    Ok(mut pubsub) => {
                        if pubsub.subscribe(&channel).await.is_ok() {
                            let mut messages = pubsub.on_message();
                            while let Some(message) = messages.next().await {
                                let Some(inner) = cache.upgrade() else { return };
                                if let Ok(payload) = message.get_payload::<String>() {
                                    let scopes: Vec<String> = payload.split(',').map(str::to_string).collect();
                                    inner.drop_local(&scopes).await;
                                }
                            }
                        }
                    }
                    Err(e) => tracing::debug!(error = %e, "cache: invalidation channel unavailable"),
                }
                tokio::time::sleep(RETRY).await;
            }
        });
    }
}
