//! What an SRE sees of an instance: RED metrics per route template, `/metrics`, health checks,
//! and a log span per request.

pub mod exporter;
pub mod health;
pub mod http_metrics;
pub mod logging;
pub mod registry;
pub mod request_log;
