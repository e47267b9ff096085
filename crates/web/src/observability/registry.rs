//! The Prometheus recorder: installed once per process, rendered by `GET /metrics`.

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::sync::Mutex;

/// Latency buckets for a fast service: 0.5 ms to 10 s.
pub const LATENCY_BUCKETS: [f64; 16] =
    [0.0005, 0.001, 0.0025, 0.005, 0.0075, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

static HANDLE: Mutex<Option<PrometheusHandle>> = Mutex::new(None);

/// Installs the global recorder (once; later calls return the first handle). Every series
/// carries `instance_id`, this instance's identity.
pub fn install(instance_id: &str) -> Result<PrometheusHandle, String> {
    let mut installed = HANDLE.lock().map_err(|_| "metrics registry lock poisoned".to_string())?;
    if let Some(handle) = installed.as_ref() {
        return Ok(handle.clone());
    }
    let recorder = PrometheusBuilder::new()
        .add_global_label("instance_id", instance_id)
        .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), &LATENCY_BUCKETS)
        .map_err(|e| e.to_string())?
        .build_recorder();
    let handle = recorder.handle();
    metrics::set_global_recorder(recorder).map_err(|_| "another metrics recorder is already installed".to_string())?;
    describe();
    *installed = Some(handle.clone());
    Ok(handle)
}

fn describe() {
    use metrics::{Unit, describe_counter, describe_gauge, describe_histogram};
    describe_counter!("magasin_http_requests_total", "HTTP requests by method, route template and status");
    describe_histogram!(
        "magasin_http_request_duration_seconds",
        Unit::Seconds,
        "HTTP request latency by method, route template and status"
    );
    describe_gauge!("magasin_http_requests_in_flight", "HTTP requests being served, by method");
    describe_gauge!("magasin_db_pool_connections", "Database pool connections by pool and state (in_use, idle)");
    describe_gauge!("magasin_db_pool_max_connections", "Largest size of each database pool");
    describe_histogram!(
        "magasin_db_pool_wait_seconds",
        Unit::Seconds,
        "Time spent waiting for a database connection, by pool"
    );
    describe_histogram!(
        "magasin_db_query_duration_seconds",
        Unit::Seconds,
        "Duration of each storage operation, by query name"
    );
    describe_counter!("magasin_db_errors_total", "Storage operations that failed, by query name and kind");
    describe_counter!("magasin_cache_requests_total", "Cache look-ups by cache name, tier and result (hit, miss)");
    describe_counter!("magasin_cache_errors_total", "Cache errors by cache name and tier");
    describe_counter!(
        "magasin_auth_failures_total",
        "Failed authentications by reason (api_token, sign_in) and attempts refused as throttled"
    );
    describe_counter!("magasin_sales_recorded_total", "Sales recorded, by store");
    describe_counter!("magasin_sales_cancelled_total", "Sales cancelled, by store");
    describe_counter!("magasin_revenue_cents_total", "Revenue of recorded sales in cents, by store");
    describe_counter!("magasin_revenue_cancelled_cents_total", "Revenue of cancelled sales in cents, by store");
    describe_counter!("magasin_units_sold_total", "Units sold, by store");
    describe_gauge!("magasin_store_stockouts", "Local stock rows at or below the stock-out threshold, by store");
    describe_gauge!("magasin_store_overstock", "Local stock rows above the overstock threshold, by store");
    describe_gauge!("magasin_replenishments_pending", "Replenishment requests waiting for a decision");
    describe_counter!(
        "magasin_replenishments_decided_total",
        "Replenishment decisions by outcome (approved, rejected, refused_no_stock)"
    );
    describe_gauge!("magasin_build_info", "Build information; the value is always 1");
}

/// `magasin_build_info{version, engine} 1`.
pub fn record_build_info(engine: &'static str) {
    metrics::gauge!("magasin_build_info", "version" => env!("CARGO_PKG_VERSION"), "engine" => engine).set(1.0);
}
