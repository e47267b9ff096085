//! `GET /metrics`: refreshes the gauges that describe current state, then renders every series.

use crate::AppState;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use magasin_domain::reporting::ReportFilter;
use metrics_exporter_prometheus::PrometheusHandle;
use std::sync::Arc;

/// What `/metrics` renders; absent when metrics are off.
#[derive(Clone)]
pub struct Exporter {
    handle: PrometheusHandle,
    process: Arc<metrics_process::Collector>,
}

impl Exporter {
    pub fn new(handle: PrometheusHandle) -> Self {
        let process = metrics_process::Collector::default();
        process.describe();
        Self { handle, process: Arc::new(process) }
    }

    /// Every series as of now, in the Prometheus text format (for this instance's own pages).
    pub fn render_text(&self) -> String {
        self.handle.render()
    }
}

/// Pool occupancy, readiness, stock-outs, overstock and pending requests, as of now.
async fn refresh_state_gauges(state: &AppState) {
    for pool in state.services.pool_stats() {
        let in_use = pool.size.saturating_sub(pool.idle);
        metrics::gauge!("magasin_db_pool_connections", "pool" => pool.pool, "state" => "in_use").set(f64::from(in_use));
        metrics::gauge!("magasin_db_pool_connections", "pool" => pool.pool, "state" => "idle")
            .set(f64::from(pool.idle));
        metrics::gauge!("magasin_db_pool_max_connections", "pool" => pool.pool).set(f64::from(pool.max));
    }
    let ready = state.services.ready().await.is_ok();
    metrics::gauge!("magasin_ready", "check" => "database").set(if ready { 1.0 } else { 0.0 });
    if let Some(cache) = state.services.cache_status().await {
        metrics::gauge!("magasin_ready", "check" => "cache").set(if cache.is_ok() { 1.0 } else { 0.0 });
    }
    if !ready {
        return;
    }
    if let Ok(rows) = state.services.dashboard(&ReportFilter::default()).await {
        for row in rows {
            metrics::gauge!("magasin_store_stockouts", "store" => row.magasin_nom.clone()).set(row.ruptures as f64);
            metrics::gauge!("magasin_store_overstock", "store" => row.magasin_nom).set(row.surstock as f64);
        }
    }
    if let Ok(pending) = state.services.pending_replenishments().await {
        metrics::gauge!("magasin_replenishments_pending").set(pending as f64);
    }
}

/// Prometheus text format.
pub async fn render(State(state): State<AppState>) -> Response {
    let Some(exporter) = state.exporter.clone() else {
        return (StatusCode::NOT_FOUND, "Metrics are turned off on this instance.").into_response();
    };
    refresh_state_gauges(&state).await;
    exporter.process.collect();
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], exporter.handle.render()).into_response()
}
