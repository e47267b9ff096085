//! The shared tier: answers, scope generations and invalidation messages in Redis, every call
//! bounded by a timeout and every failure answered by "ask the database".

use super::Inner;
use futures::StreamExt;
use redis::aio::ConnectionManager;
use serde::de::DeserializeOwned;
use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock, Weak};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use thread_local::ThreadLocal;
use tokio::sync::oneshot;

/// How long an answer stays in Redis at most.
const REDIS_TTL_SECONDS: u64 = 60;
/// Pause between reconnection attempts.
const RETRY: Duration = Duration::from_secs(1);
/// At most one warning per this many seconds, so a Redis outage does not flood the logs.
const WARN_EVERY_SECONDS: u64 = 5;

pub struct RedisTier {
    link: Arc<Link>,
    /// Scopes whose invalidation did not reach Redis yet: the cache is bypassed until it does.
    unsent: Mutex<BTreeSet<String>>,
    /// Each thread's reads of generations waiting for its next round trip: a worker's reads
    /// share its round trips, sent on its own connection, and are never woken from another core.
    batches: ThreadLocal<Arc<Mutex<Batch>>>,
    /// With a staleness bound: the generations last read, and when.
    seen: Option<Arc<Seen>>,
}

/// A connection once made, or not yet.
type Slot = Arc<RwLock<Option<ConnectionManager>>>;

/// The connections to Redis, its key names and its failures.
struct Link {
    client: redis::Client,
    /// Made at start, on the runtime that started the cache; used by a thread until its own is made.
    shared: Slot,
    /// Each thread's own connection, made in the background on the thread's runtime the first
    /// time it calls Redis: a socket is driven by the runtime that made it, so a worker serving
    /// requests on its own runtime answers them without waking another core.
    own: ThreadLocal<Slot>,
    timeout: Duration,
    prefix: String,
    last_warning: AtomicU64,
}

/// What a read of generations receives: every scope's generation as of a moment after the
/// read began, or `None` when Redis failed.
type Generations = Option<Arc<HashMap<String, u64>>>;

/// Generation reads waiting for the next round trip: one `MGET` answers every read that arrived
/// while the previous one was out. A read never takes an answer already on its way, which
/// Redis may have given before a write acknowledged before the read began.
#[derive(Default)]
struct Batch {
    scopes: BTreeSet<String>,
    waiters: Vec<oneshot::Sender<Generations>>,
    /// Whether a task is sending round trips (it stops when no read waits).
    running: bool,
}

/// What the bounded-staleness mode knows of a read's scopes.
#[derive(Debug, PartialEq, Eq)]
enum Recent {
    /// Every scope read within half the bound: used as they are.
    Fresh(Vec<u64>),
    /// Every scope read within the bound, some of them more than half of it ago: used, and read
    /// again in the background so that reads rarely find them past the bound.
    Aging(Vec<u64>),
    /// Some scope never read, forgotten, or read as long ago as the bound: the read waits for
    /// Redis.
    Stale,
}

/// The bounded-staleness mode's memory: each scope's generation and when the read that gave it
/// was sent. A read whose scopes were all read within the bound uses them without Redis; an
/// invalidation message forgets them at once.
pub(super) struct Seen {
    bound: Duration,
    generations: Mutex<HashMap<String, (u64, Instant)>>,
}

impl Seen {
    fn new(bound: Duration) -> Self {
        Self { bound, generations: Mutex::new(HashMap::new()) }
    }

    /// What is known of `scopes` at `now`: their generations when every one was read less than
    /// the bound before, and whether some were read more than half of it before.
    fn recent(&self, scopes: &[String], now: Instant) -> Recent {
        let Ok(seen) = self.generations.lock() else { return Recent::Stale };
        let mut aging = false;
        let mut generations = Vec::with_capacity(scopes.len());
        for scope in scopes {
            let Some((generation, at)) = seen.get(scope) else { return Recent::Stale };
            let age = now.saturating_duration_since(*at);
            if age >= self.bound {
                return Recent::Stale;
            }
            aging |= age >= self.bound / 2;
            generations.push(*generation);
        }
        if aging { Recent::Aging(generations) } else { Recent::Fresh(generations) }
    }

    /// Remembers generations read by a round trip sent at `sent`.
    fn record(&self, generations: &HashMap<String, u64>, sent: Instant) {
        if let Ok(mut seen) = self.generations.lock() {
            for (scope, generation) in generations {
                seen.insert(scope.clone(), (*generation, sent));
            }
        }
    }

    /// Forgets `scopes` (another instance changed them).
    pub(super) fn forget(&self, scopes: &[String]) {
        if let Ok(mut seen) = self.generations.lock() {
            for scope in scopes {
                seen.remove(scope);
            }
        }
    }
}

impl Link {
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
    pub(super) async fn run<T: redis::FromRedisValue>(&self, cache: &'static str, command: &redis::Cmd) -> Option<T> {
        self.bounded(cache, |mut connection| async move { command.query_async::<T>(&mut connection).await }).await
    }

    /// Runs a pipeline within the timeout; `None` (and a recorded error) on any failure.
    async fn run_pipeline<T: redis::FromRedisValue>(&self, cache: &'static str, pipe: &redis::Pipeline) -> Option<T> {
        self.bounded(cache, |mut connection| async move { pipe.query_async::<T>(&mut connection).await }).await
    }

    /// This thread's own connection when made, else the shared one; the first call on a thread
    /// inside a runtime starts making the thread's own.
    fn connection(&self) -> Option<ConnectionManager> {
        let own = self.own.get_or(|| {
            let slot: Slot = Arc::new(RwLock::new(None));
            if tokio::runtime::Handle::try_current().is_ok() {
                tokio::spawn(connect(self.client.clone(), Arc::downgrade(&slot)));
            }
            slot
        });
        let made = |slot: &Slot| slot.read().ok().and_then(|c| c.clone());
        made(own).or_else(|| made(&self.shared))
    }

    /// `call` on the connection, within the timeout.
    async fn bounded<T, F, Fut>(&self, cache: &'static str, call: F) -> Option<T>
    where
        F: FnOnce(ConnectionManager) -> Fut,
        Fut: std::future::Future<Output = redis::RedisResult<T>>,
    {
        let Some(connection) = self.connection() else {
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
}

/// Makes a thread's own connection, retrying quietly (the shared connection's task reports
/// Redis's failures) until it is made or the cache is gone.
async fn connect(client: redis::Client, slot: Weak<RwLock<Option<ConnectionManager>>>) {
    loop {
        let made = ConnectionManager::new(client.clone()).await;
        let Some(slot) = slot.upgrade() else { return };
        match made {
            Ok(manager) => {
                if let Ok(mut slot) = slot.write() {
                    *slot = Some(manager);
                }
                return;
            }
            Err(e) => tracing::debug!(error = %e, "cache: a worker's Redis connection failed; retrying"),
        }
        drop(slot);
        tokio::time::sleep(RETRY).await;
    }
}

fn now_seconds() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

impl RedisTier {
    /// Checks the URL and connects in the background, retrying until Redis answers.
    /// With `staleness`, a cached read may use generations read up to that long ago (the
    /// bounded-staleness mode); without, every cached read asks Redis.
    pub fn start(url: &str, timeout: Duration, prefix: &str, staleness: Option<Duration>) -> Result<Self, String> {
        let client = redis::Client::open(url).map_err(|e| format!("invalid Redis URL: {e}"))?;
        let shared: Slot = Arc::new(RwLock::new(None));
        let slot = Arc::clone(&shared);
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
            link: Arc::new(Link {
                client,
                shared,
                own: ThreadLocal::new(),
                timeout,
                prefix: prefix.to_string(),
                last_warning: AtomicU64::new(0),
            }),
            unsent: Mutex::new(BTreeSet::new()),
            batches: ThreadLocal::new(),
            seen: staleness.map(|bound| Arc::new(Seen::new(bound))),
        })
    }

    /// The bounded-staleness mode's memory, when the mode is on.
    pub(super) fn seen(&self) -> Option<&Seen> {
        self.seen.as_deref()
    }

    pub async fn ping(&self) -> Result<(), String> {
        self.link
            .run::<String>("health", &redis::cmd("PING"))
            .await
            .map(|_| ())
            .ok_or_else(|| "Redis does not answer".to_string())
    }

    /// Current generations of `scopes`; `None` when Redis fails or invalidations are still unsent.
    /// Without a staleness bound they are read after the call began (so no acknowledged write is
    /// missed), in one round trip shared with every read waiting at the same moment.
    pub async fn generations(&self, scopes: &[String]) -> Option<Vec<u64>> {
        if !self.flush_unsent("generations").await {
            return None;
        }
        if let Some(seen) = &self.seen {
            match seen.recent(scopes, Instant::now()) {
                Recent::Fresh(generations) => return Some(generations),
                Recent::Aging(generations) => {
                    let batch = self.batches.get_or(Arc::default);
                    // Read them again unless a round trip is out already: the reads go on with
                    // these meanwhile, instead of all waiting at the bound for one round trip.
                    let start = batch.lock().ok().is_some_and(|mut batch| {
                        if batch.running {
                            return false;
                        }
                        batch.scopes.extend(scopes.iter().cloned());
                        batch.running = true;
                        true
                    });
                    if start {
                        self.send_batches(batch);
                    }
                    return Some(generations);
                }
                Recent::Stale => {}
            }
        }
        let (reply, answer) = oneshot::channel();
        let batch = self.batches.get_or(Arc::default);
        let start = {
            let mut batch = batch.lock().ok()?;
            batch.scopes.extend(scopes.iter().cloned());
            batch.waiters.push(reply);
            !std::mem::replace(&mut batch.running, true)
        };
        if start {
            self.send_batches(batch);
        }
        // The round trip ahead of ours and ours each end within the timeout; past both, the
        // read goes to the database rather than wait on.
        let generations = tokio::time::timeout(self.link.timeout * 2, answer).await.ok()?.ok()??;
        Some(scopes.iter().map(|s| generations.get(s).copied().unwrap_or(0)).collect())
    }

    /// Starts the task sending `batch`'s round trips (its `running` is set by the caller).
    fn send_batches(&self, batch: &Arc<Mutex<Batch>>) {
        tokio::spawn(send_batches(Arc::clone(&self.link), Arc::clone(batch), self.seen.clone()));
    }

    /// The answer under `key` and its size in bytes, when Redis holds it.
    pub async fn get<T: DeserializeOwned>(&self, cache: &'static str, key: &str) -> Option<(T, usize)> {
        let bytes: Option<Vec<u8>> = self.link.run(cache, redis::cmd("GET").arg(self.link.key("v", key))).await?;
        let found = bytes.and_then(|b| serde_json::from_slice(&b).ok().map(|v| (v, b.len())));
        let result = if found.is_some() { "hit" } else { "miss" };
        metrics::counter!("magasin_cache_requests_total", "cache" => cache, "tier" => "redis", "result" => result)
            .increment(1);
        found
    }

    /// Stores an answer already encoded by the caller.
    pub async fn set(&self, cache: &'static str, key: &str, encoded: &[u8]) {
        let command =
            redis::cmd("SET").arg(self.link.key("v", key)).arg(encoded).arg("EX").arg(REDIS_TTL_SECONDS).to_owned();
        let _: Option<()> = self.link.run(cache, &command).await;
    }

    /// Counts one failure of `subject` in its window, which opens at its first failure and lasts
    /// `window` seconds: the count so far and the seconds left. `None` when Redis fails.
    pub async fn count_failure(&self, subject: &str, window: u64) -> Option<(u64, u64)> {
        let key = self.link.key("auth-failures", subject);
        let mut pipe = redis::pipe();
        pipe.cmd("INCR").arg(&key).cmd("EXPIRE").arg(&key).arg(window).arg("NX").ignore().cmd("TTL").arg(&key);
        let (count, ttl): (u64, i64) = self.link.run_pipeline("auth-throttle", &pipe).await?;
        Some((count, u64::try_from(ttl).unwrap_or(window)))
    }

    /// The failures of `subject` in its current window and the seconds left; `None` when Redis fails.
    pub async fn failures(&self, subject: &str) -> Option<(u64, u64)> {
        let key = self.link.key("auth-failures", subject);
        let mut pipe = redis::pipe();
        pipe.cmd("GET").arg(&key).cmd("TTL").arg(&key);
        let (count, ttl): (Option<u64>, i64) = self.link.run_pipeline("auth-throttle", &pipe).await?;
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
            pipe.cmd("INCR").arg(self.link.key("gen", scope)).ignore();
        }
        pipe.cmd("PUBLISH").arg(self.link.channel()).arg(pending.join(",")).ignore();
        let Some(mut connection) = self.link.connection() else {
            self.link.failed(cache, "not connected");
            return false;
        };
        match tokio::time::timeout(self.link.timeout, pipe.query_async::<()>(&mut connection)).await {
            Ok(Ok(())) => {
                if let Ok(mut unsent) = self.unsent.lock() {
                    for scope in &pending {
                        unsent.remove(scope);
                    }
                }
                true
            }
            Ok(Err(e)) => {
                self.link.failed(cache, &e.to_string());
                false
            }
            Err(_) => {
                self.link.failed(cache, "timed out");
                false
            }
        }
    }

    /// Drops local entries when another instance invalidates; resubscribes after failures.
    pub(super) fn listen_for_invalidations(&self, cache: Weak<Inner>) {
        let client = self.link.client.clone();
        let channel = self.link.channel();
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
                                    if let Some(seen) = inner.redis.as_ref().and_then(RedisTier::seen) {
                                        seen.forget(&scopes);
                                    }
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

/// Sends round trips while reads wait (or, with a staleness bound, scopes are to be read again):
/// each takes every read waiting when it leaves.
async fn send_batches(link: Arc<Link>, batch: Arc<Mutex<Batch>>, seen: Option<Arc<Seen>>) {
    loop {
        let (scopes, waiters) = {
            let Ok(mut waiting) = batch.lock() else { return };
            if waiting.waiters.is_empty() && waiting.scopes.is_empty() {
                waiting.running = false;
                return;
            }
            (std::mem::take(&mut waiting.scopes), std::mem::take(&mut waiting.waiters))
        };
        let sent = Instant::now();
        let mut command = redis::cmd("MGET");
        for scope in &scopes {
            command.arg(link.key("gen", scope));
        }
        let values: Option<Vec<Option<u64>>> = link.run("generations", &command).await;
        let generations: Generations = values
            .map(|values| Arc::new(scopes.into_iter().zip(values).map(|(scope, g)| (scope, g.unwrap_or(0))).collect()));
        if let (Some(seen), Some(generations)) = (&seen, &generations) {
            seen.record(generations, sent);
        }
        for waiter in waiters {
            let _ = waiter.send(generations.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(scopes: &[(&str, u64)]) -> HashMap<String, u64> {
        scopes.iter().map(|(s, g)| (s.to_string(), *g)).collect()
    }

    #[test]
    fn generations_read_within_the_bound_are_used_and_older_ones_are_not() {
        let seen = Seen::new(Duration::from_millis(100));
        let sent = Instant::now();
        seen.record(&read(&[("stock:1", 4), ("names", 2)]), sent);
        let scopes = ["stock:1".to_string(), "names".to_string()];
        assert_eq!(seen.recent(&scopes, sent + Duration::from_millis(49)), Recent::Fresh(vec![4, 2]));
        assert_eq!(seen.recent(&scopes, sent + Duration::from_millis(50)), Recent::Aging(vec![4, 2]), "half the bound");
        assert_eq!(seen.recent(&scopes, sent + Duration::from_millis(99)), Recent::Aging(vec![4, 2]));
        assert_eq!(seen.recent(&scopes, sent + Duration::from_millis(100)), Recent::Stale, "as old as the bound");
        assert_eq!(seen.recent(&["stock:2".to_string()], sent), Recent::Stale, "never read");
    }

    /// `CLIENT ID` of the connection the calling thread uses, once its own is made.
    async fn own_client_id(tier: &RedisTier) -> u64 {
        for _ in 0..200 {
            let own = tier.link.own.get().and_then(|slot| slot.read().ok().and_then(|c| c.clone()));
            if let Some(mut own) = own {
                return redis::cmd("CLIENT").arg("ID").query_async(&mut own).await.expect("CLIENT ID");
            }
            // The first call starts making the thread's own connection.
            let _ = tier.generations(&["stock:1".to_string()]).await;
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("the thread's own connection was never made");
    }

    #[test]
    fn each_thread_calls_redis_on_a_connection_of_its_own() {
        let runtime = || tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        let tier = runtime().block_on(async {
            RedisTier::start("redis://127.0.0.1:6379", Duration::from_secs(2), "magasin-test-own", None)
                .expect("a valid URL")
        });
        let tier = Arc::new(tier);
        let ids: Vec<u64> = (0..2)
            .map(|_| {
                let tier = Arc::clone(&tier);
                std::thread::spawn(move || runtime().block_on(own_client_id(&tier)))
            })
            .map(|thread| thread.join().expect("the thread ends"))
            .collect();
        assert_ne!(ids[0], ids[1], "two threads, two connections");
    }

    /// With a bound, generations read more than half of it ago are still used, and read again in
    /// the background: reads do not all wait for one round trip when the bound comes.
    #[tokio::test]
    async fn with_a_bound_generations_past_half_of_it_are_read_again_in_the_background() {
        let bound = Duration::from_secs(2);
        let prefix = format!("magasin-test-ahead-{}", std::process::id());
        let tier = RedisTier::start("redis://127.0.0.1:6379", Duration::from_secs(2), &prefix, Some(bound))
            .expect("a valid URL");
        let scopes = ["stock:1".to_string()];
        let mut first = None;
        for _ in 0..200 {
            first = tier.generations(&scopes).await;
            if first.is_some() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let first = first.expect("Redis answers");
        let read_at = Instant::now();
        // Another instance's write, without its message: only a read of Redis can see it.
        let client = redis::Client::open("redis://127.0.0.1:6379").expect("a valid URL");
        let mut redis = client.get_multiplexed_async_connection().await.expect("Redis");
        let _: u64 =
            redis::cmd("INCR").arg(format!("{prefix}:gen:stock:1")).query_async(&mut redis).await.expect("INCR");
        assert_eq!(tier.generations(&scopes).await, Some(first.clone()), "within half the bound: as remembered");
        tokio::time::sleep(bound / 2 + Duration::from_millis(100)).await;
        assert_eq!(tier.generations(&scopes).await, Some(first.clone()), "past half the bound: used without waiting");
        let mut seen_again = None;
        while read_at.elapsed() < bound - Duration::from_millis(100) {
            let now = tier.generations(&scopes).await;
            if now != Some(first.clone()) {
                seen_again = now;
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let _: () = redis::cmd("DEL").arg(format!("{prefix}:gen:stock:1")).query_async(&mut redis).await.expect("DEL");
        assert_eq!(seen_again, Some(vec![first[0] + 1]), "read again before the bound");
    }

    #[test]
    fn a_forgotten_scope_is_read_again() {
        let seen = Seen::new(Duration::from_secs(60));
        let sent = Instant::now();
        seen.record(&read(&[("stock:1", 4), ("names", 2)]), sent);
        seen.forget(&["stock:1".to_string()]);
        assert_eq!(seen.recent(&["stock:1".to_string(), "names".to_string()], sent), Recent::Stale);
        assert_eq!(seen.recent(&["names".to_string()], sent), Recent::Fresh(vec![2]));
    }
}
