//! RED metrics of every request, labelled by method, route template and status — never the
//! raw path, so the number of series stays bounded.

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;
use std::time::Instant;

/// Route label of requests that matched no route.
pub const UNMATCHED: &str = "unmatched";

/// Methods outside this list are counted as `OTHER`, so a client cannot create series at will.
fn method_label(method: &axum::http::Method) -> &'static str {
    match method.as_str() {
        "GET" => "GET",
        "POST" => "POST",
        "PUT" => "PUT",
        "PATCH" => "PATCH",
        "DELETE" => "DELETE",
        "HEAD" => "HEAD",
        "OPTIONS" => "OPTIONS",
        _ => "OTHER",
    }
}

/// Counts, times and tracks in-flight requests.
pub async fn track(request: Request, next: Next) -> Response {
    let route =
        request.extensions().get::<MatchedPath>().map(|p| p.as_str().to_string()).unwrap_or_else(|| UNMATCHED.into());
    let method = method_label(request.method());
    let in_flight = metrics::gauge!("magasin_http_requests_in_flight", "method" => method);
    in_flight.increment(1.0);
    let started = Instant::now();
    let response = next.run(request).await;
    let elapsed = started.elapsed().as_secs_f64();
    in_flight.decrement(1.0);
    let status = response.status().as_u16().to_string();
    let labels: [(&'static str, metrics::SharedString); 3] =
        [("method", method.into()), ("route", route.into()), ("status", status.into())];
    metrics::counter!("magasin_http_requests_total", &labels).increment(1);
    metrics::histogram!("magasin_http_request_duration_seconds", &labels).record(elapsed);
    response
}
