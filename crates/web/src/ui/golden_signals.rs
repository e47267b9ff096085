//! This instance's golden signals, computed from its own Prometheus registry: traffic, latency
//! percentiles, errors, saturation (in-flight requests, pool use) and cache hit ratio.
//!
//! Counters only grow, so rates and percentiles are taken over the window since the previous
//! reading (the page polls every few seconds), or since start-up on the first reading.

use prometheus_parse::{Scrape, Value};
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Cumulative counts read from one rendering of the registry.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Counts {
    pub requests: f64,
    pub server_errors: f64,
    /// Request latency histogram, all routes together: upper bound (seconds) → cumulative count.
    pub latency: BTreeMap<u64, f64>,
    pub in_flight: f64,
    pub cache_hits: f64,
    pub cache_lookups: f64,
}

const REQUESTS: &str = "magasin_http_requests_total";
const LATENCY: &str = "magasin_http_request_duration_seconds";
const IN_FLIGHT: &str = "magasin_http_requests_in_flight";
const CACHE: &str = "magasin_cache_requests_total";

impl Counts {
    /// Reads the series it needs from the Prometheus text format.
    pub fn parse(text: &str) -> Self {
        let lines = text.lines().map(|l| Ok(l.to_string()));
        let Ok(scrape) = Scrape::parse(lines) else { return Counts::default() };
        let mut counts = Counts::default();
        for sample in scrape.samples {
            let value = match &sample.value {
                Value::Counter(v) | Value::Gauge(v) | Value::Untyped(v) => *v,
                Value::Histogram(buckets) => {
                    if sample.metric == LATENCY {
                        for b in buckets {
                            *counts.latency.entry(b.less_than.to_bits()).or_default() += b.count;
                        }
                    }
                    continue;
                }
                Value::Summary(_) => continue,
            };
            match sample.metric.as_str() {
                REQUESTS => {
                    counts.requests += value;
                    if sample.labels.get("status").is_some_and(|s| s.starts_with('5')) {
                        counts.server_errors += value;
                    }
                }
                IN_FLIGHT => counts.in_flight += value,
                CACHE => {
                    counts.cache_lookups += value;
                    if sample.labels.get("result") == Some("hit") {
                        counts.cache_hits += value;
                    }
                }
                _ => {}
            }
        }
        counts
    }

    /// What happened between `earlier` and these counts (gauges stay as they are now).
    fn since(&self, earlier: &Counts) -> Counts {
        let latency =
            self.latency.iter().map(|(le, c)| (*le, c - earlier.latency.get(le).copied().unwrap_or(0.0))).collect();
        Counts {
            requests: self.requests - earlier.requests,
            server_errors: self.server_errors - earlier.server_errors,
            latency,
            in_flight: self.in_flight,
            cache_hits: self.cache_hits - earlier.cache_hits,
            cache_lookups: self.cache_lookups - earlier.cache_lookups,
        }
    }
}

/// The `q` quantile (0–1) of a cumulative histogram, interpolated inside its bucket as
/// Prometheus' `histogram_quantile` does; `None` without observations.
pub fn quantile(buckets: &BTreeMap<u64, f64>, q: f64) -> Option<f64> {
    let mut sorted: Vec<(f64, f64)> = buckets.iter().map(|(le, c)| (f64::from_bits(*le), *c)).collect();
    sorted.sort_by(|a, b| a.0.total_cmp(&b.0));
    let total = sorted.last()?.1;
    if total <= 0.0 {
        return None;
    }
    let rank = q * total;
    let (mut lower, mut below) = (0.0, 0.0);
    for (le, count) in sorted {
        if count >= rank {
            if le.is_infinite() {
                return Some(lower);
            }
            let inside = count - below;
            let fraction = if inside > 0.0 { (rank - below) / inside } else { 1.0 };
            return Some(lower + (le - lower) * fraction);
        }
        (lower, below) = (le, count);
    }
    Some(lower)
}

/// The signals of one window.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Signals {
    /// Length of the window, `None` when it is "since start-up".
    pub window_seconds: Option<f64>,
    pub requests_per_second: Option<f64>,
    pub p50_seconds: Option<f64>,
    pub p95_seconds: Option<f64>,
    pub p99_seconds: Option<f64>,
    pub error_ratio: Option<f64>,
    pub in_flight: f64,
    pub cache_hit_ratio: Option<f64>,
}

impl Signals {
    fn of(window: &Counts, seconds: Option<f64>) -> Self {
        let ratio = |part: f64, whole: f64| (whole > 0.0).then(|| part / whole);
        Signals {
            window_seconds: seconds,
            requests_per_second: seconds.filter(|s| *s > 0.0).map(|s| window.requests / s),
            p50_seconds: quantile(&window.latency, 0.50),
            p95_seconds: quantile(&window.latency, 0.95),
            p99_seconds: quantile(&window.latency, 0.99),
            error_ratio: ratio(window.server_errors, window.requests),
            in_flight: window.in_flight,
            cache_hit_ratio: ratio(window.cache_hits, window.cache_lookups),
        }
    }
}

/// Shortest window worth measuring; a reading sooner than that reuses the previous one as base.
const MIN_WINDOW: Duration = Duration::from_secs(1);

/// Remembers the previous reading, so each one measures the window since it.
#[derive(Default)]
pub struct Sampler {
    previous: Mutex<Option<(Instant, Counts)>>,
}

impl Sampler {
    pub fn read(&self, now: Instant, counts: Counts) -> Signals {
        let Ok(mut previous) = self.previous.lock() else { return Signals::of(&counts, None) };
        match previous.as_ref() {
            Some((at, earlier)) if now.duration_since(*at) > Duration::ZERO => {
                let elapsed = now.duration_since(*at);
                let signals = Signals::of(&counts.since(earlier), Some(elapsed.as_secs_f64()));
                if elapsed >= MIN_WINDOW {
                    *previous = Some((now, counts));
                }
                signals
            }
            _ => {
                let signals = Signals::of(&counts, None);
                *previous = Some((now, counts));
                signals
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = r#"# TYPE magasin_http_requests_total counter
magasin_http_requests_total{method="GET",route="/",status="200"} 90
magasin_http_requests_total{method="POST",route="/x",status="500"} 10
# TYPE magasin_http_requests_in_flight gauge
magasin_http_requests_in_flight{method="GET"} 2
# TYPE magasin_cache_requests_total counter
magasin_cache_requests_total{cache="report",tier="local",result="hit"} 3
magasin_cache_requests_total{cache="report",tier="local",result="miss"} 1
# TYPE magasin_http_request_duration_seconds histogram
magasin_http_request_duration_seconds_bucket{route="/",le="0.01"} 50
magasin_http_request_duration_seconds_bucket{route="/",le="0.1"} 90
magasin_http_request_duration_seconds_bucket{route="/",le="+Inf"} 90
magasin_http_request_duration_seconds_sum{route="/"} 2
magasin_http_request_duration_seconds_count{route="/"} 90
magasin_http_request_duration_seconds_bucket{route="/x",le="0.01"} 0
magasin_http_request_duration_seconds_bucket{route="/x",le="0.1"} 10
magasin_http_request_duration_seconds_bucket{route="/x",le="+Inf"} 10
magasin_http_request_duration_seconds_sum{route="/x"} 0.5
magasin_http_request_duration_seconds_count{route="/x"} 10
"#;

    #[test]
    fn counts_add_up_every_route() {
        let c = Counts::parse(TEXT);
        assert_eq!((c.requests, c.server_errors, c.in_flight), (100.0, 10.0, 2.0));
        assert_eq!((c.cache_hits, c.cache_lookups), (3.0, 4.0));
        assert_eq!(c.latency.get(&0.1f64.to_bits()), Some(&100.0));
    }

    #[test]
    fn quantiles_interpolate_inside_the_bucket() {
        let c = Counts::parse(TEXT);
        let p50 = quantile(&c.latency, 0.5).unwrap();
        assert!((p50 - 0.01).abs() < 1e-9, "{p50}");
        let p95 = quantile(&c.latency, 0.95).unwrap();
        assert!((p95 - 0.091).abs() < 1e-9, "{p95}");
        assert_eq!(quantile(&BTreeMap::new(), 0.5), None);
    }

    #[test]
    fn the_first_reading_covers_since_start_and_the_next_one_the_window() {
        let sampler = Sampler::default();
        let start = Instant::now();
        let first = sampler.read(start, Counts::parse(TEXT));
        assert_eq!(first.window_seconds, None);
        assert_eq!(first.error_ratio, Some(0.1));
        assert_eq!(first.cache_hit_ratio, Some(0.75));
        let mut later = Counts::parse(TEXT);
        later.requests += 20.0;
        let second = sampler.read(start + Duration::from_secs(4), later);
        assert_eq!(second.requests_per_second, Some(5.0));
        assert_eq!(second.error_ratio, Some(0.0));
        assert_eq!(second.p50_seconds, None, "no latency observed in the window");
    }

    #[test]
    fn garbage_gives_no_numbers() {
        let c = Counts::parse("not prometheus {{{");
        assert_eq!(Signals::of(&c, None).error_ratio, None);
    }
}
