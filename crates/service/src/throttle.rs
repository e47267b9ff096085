//! Guessing is throttled: failed sign-ins and failed API tokens are counted per subject (the
//! client's address; a login, for sign-ins) in a window that opens at the subject's first failure.
//! Past the limit, every attempt of that subject is refused until the window closes — even a right
//! one, or guessing would go on for free. With the Redis cache, the counts are shared by every
//! instance; without it (or while Redis fails) each instance counts alone.

use crate::Services;
use std::net::IpAddr;
use std::time::{Duration, Instant};

/// The window in which failures add up.
pub const WINDOW: Duration = Duration::from_secs(60);
/// Failures a client address may make in a window (a till retyping a token, a few users behind
/// one NAT mistyping passwords).
pub const ADDRESS_LIMIT: u64 = 10;
/// Failures one login may have in a window, whatever the addresses they come from.
pub const LOGIN_LIMIT: u64 = 5;
/// Subjects counted at once by one instance (an attacker cycling addresses cannot grow it more).
const LOCAL_CAPACITY: u64 = 100_000;

/// Who makes an attempt.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Subject {
    /// The client's address (`None`: unknown, as in-process, all counted together).
    Address(Option<IpAddr>),
    /// The login named by a sign-in.
    Login(String),
}

impl Subject {
    fn key(&self) -> String {
        match self {
            Subject::Address(Some(ip)) => format!("addr:{ip}"),
            Subject::Address(None) => "addr:unknown".into(),
            Subject::Login(login) => format!("login:{login}"),
        }
    }

    fn limit(&self) -> u64 {
        match self {
            Subject::Address(_) => ADDRESS_LIMIT,
            Subject::Login(_) => LOGIN_LIMIT,
        }
    }
}

/// Failures counted by this instance: subject → (count, when its window opened); its clones
/// share the counts (those of one `Services`).
#[derive(Clone)]
pub struct LocalCounts(moka::future::Cache<String, (u64, Instant)>);

impl Default for LocalCounts {
    fn default() -> Self {
        LocalCounts(moka::future::Cache::builder().max_capacity(LOCAL_CAPACITY).time_to_live(WINDOW).build())
    }
}

impl LocalCounts {
    async fn count(&self, key: &str) -> (u64, Duration) {
        match self.0.get(key).await {
            Some((count, opened)) if opened.elapsed() < WINDOW => (count, WINDOW - opened.elapsed()),
            _ => (0, Duration::ZERO),
        }
    }

    async fn add(&self, key: String) {
        let counted = match self.0.get(&key).await {
            Some((count, opened)) if opened.elapsed() < WINDOW => (count + 1, opened),
            _ => (1, Instant::now()),
        };
        self.0.insert(key, counted).await;
    }
}

impl Services {
    /// `Err(retry_after)` while one of `subjects` has failed too often in its window: the attempt
    /// is refused without being checked.
    pub async fn auth_attempt_allowed(&self, subjects: &[Subject]) -> Result<(), Duration> {
        for subject in subjects {
            let key = subject.key();
            let shared = match self.cache.redis() {
                Some(redis) => redis.failures(&key).await.map(|(n, left)| (n, Duration::from_secs(left))),
                None => None,
            };
            let (count, left) = match shared {
                Some(counted) => counted,
                None => self.throttle.count(&key).await,
            };
            if count >= subject.limit() {
                metrics::counter!("magasin_auth_failures_total", "reason" => "throttled").increment(1);
                return Err(left.max(Duration::from_secs(1)));
            }
        }
        Ok(())
    }

    /// Counts a failed attempt of every one of `subjects`; `reason` labels the metric.
    pub async fn auth_attempt_failed(&self, subjects: &[Subject], reason: &'static str) {
        metrics::counter!("magasin_auth_failures_total", "reason" => reason).increment(1);
        for subject in subjects {
            let key = subject.key();
            let shared = match self.cache.redis() {
                Some(redis) => redis.count_failure(&key, WINDOW.as_secs()).await,
                None => None,
            };
            if shared.is_none() {
                self.throttle.add(key).await;
            }
        }
    }
}
