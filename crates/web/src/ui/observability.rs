//! `/observabilite`: this instance's live golden signals, from its own metrics registry;
//! `/observabilite.json` feeds the page's refresh every few seconds.

use super::MonitoringLinks;
use super::golden_signals::{Counts, Signals};
use super::layout::{Layout, UiError};
use super::session::Visitor;
use super::strings::{Strings, current};
use crate::AppState;
use askama::Template;
use axum::Json;
use axum::extract::State;
use axum::response::Response;
use serde::Serialize;
use std::time::Instant;

/// The signals as the page shows them, by element key.
#[derive(Serialize)]
pub struct Display {
    pub metrics_on: bool,
    pub window: String,
    pub values: Vec<(&'static str, &'static str, String)>,
}

fn ratio(t: &Strings, value: Option<f64>) -> String {
    value.map_or(t.none.to_string(), |v| format!("{:.1}\u{a0}%", v * 100.0).replace('.', ","))
}

fn millis(t: &Strings, seconds: Option<f64>) -> String {
    seconds.map_or(t.none.to_string(), |s| format!("{:.1}\u{a0}ms", s * 1000.0).replace('.', ","))
}

/// Reads the registry (when metrics are on) and the pools, and formats what the page shows.
fn display(state: &AppState) -> Display {
    let t = current();
    let pools = state.services.pool_stats();
    let (in_use, max) = pools.iter().fold((0u32, 0u32), |(u, m), p| (u + p.size.saturating_sub(p.idle), m + p.max));
    let pool = if max > 0 { format!("{in_use} / {max}") } else { t.none.to_string() };
    let Some(exporter) = &state.exporter else {
        return Display {
            metrics_on: false,
            window: t.metrics_off.to_string(),
            values: vec![("pool", t.db_pool_use, pool)],
        };
    };
    let signals: Signals = state.ui.sampler.read(Instant::now(), Counts::parse(&exporter.render_text()));
    let window = signals.window_seconds.map_or(t.window_since_start.to_string(), t.window_last_seconds);
    let rps = signals.requests_per_second.map_or(t.none.to_string(), |r| format!("{r:.1}").replace('.', ","));
    let cache = ratio(t, signals.cache_hit_ratio);
    Display {
        metrics_on: true,
        window,
        values: vec![
            ("rps", t.requests_per_second, rps),
            ("p50", t.latency_p50, millis(t, signals.p50_seconds)),
            ("p95", t.latency_p95, millis(t, signals.p95_seconds)),
            ("p99", t.latency_p99, millis(t, signals.p99_seconds)),
            ("errors", t.error_ratio, ratio(t, signals.error_ratio)),
            ("in-flight", t.in_flight, format!("{}", signals.in_flight)),
            ("cache", t.cache_hit_ratio, cache),
            ("pool", t.db_pool_use, pool),
        ],
    }
}

#[derive(Template)]
#[template(path = "observability.html")]
struct ObservabilityPage {
    layout: Layout,
    display: Display,
    links: MonitoringLinks,
    instance: String,
    engine: &'static str,
}

pub async fn page(State(state): State<AppState>, visitor: Visitor) -> Result<Response, UiError> {
    let t = current();
    let page = ObservabilityPage {
        layout: visitor.layout(t.observability_title, "/observabilite"),
        display: display(&state),
        links: state.ui.links.clone(),
        instance: state.instance.clone(),
        engine: state.services.engine(),
    };
    visitor.page(&page)
}

pub async fn json(State(state): State<AppState>) -> Json<Display> {
    Json(display(&state))
}
