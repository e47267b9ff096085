//! RED metrics of every request, labelled by method, route template and status — never the
//! raw path, so the number of series stays bounded.

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;
use std::cell::RefCell;
use std::collections::HashMap;
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

/// Status recorded for a request whose client went away before the answer was ready (nginx's
/// "client closed request"): the handler's future was dropped, nothing was sent.
pub const CLIENT_CLOSED: u16 = 499;

/// One request in flight: counted in the gauge while it lives. Dropped before `finish`
/// (the client disconnected and the server dropped the request's future), it still leaves the
/// gauge and is counted and timed with status 499.
struct InFlight {
    method: &'static str,
    /// `None` for a request that matched no route.
    route: Option<MatchedPath>,
    recorded: bool,
    started: Instant,
    gauge: metrics::Gauge,
}

/// The metric handles of one route, method and status.
struct Series {
    method: &'static str,
    status: u16,
    requests: metrics::Counter,
    duration: metrics::Histogram,
}

thread_local! {
    /// Handles already registered, by route, on this thread: a request then finds its series
    /// without building labels or searching the registry. Bounded: routes are templates,
    /// methods and statuses are few.
    static SERIES: RefCell<HashMap<String, Vec<Series>>> = RefCell::new(HashMap::new());
    static GAUGES: RefCell<Vec<(&'static str, metrics::Gauge)>> = const { RefCell::new(Vec::new()) };
}

fn in_flight_gauge(method: &'static str) -> metrics::Gauge {
    GAUGES.with_borrow_mut(|gauges| {
        if let Some((_, gauge)) = gauges.iter().find(|(m, _)| *m == method) {
            return gauge.clone();
        }
        let gauge = metrics::gauge!("magasin_http_requests_in_flight", "method" => method);
        gauges.push((method, gauge.clone()));
        gauge
    })
}

fn record_request(method: &'static str, route: &str, status: u16, seconds: f64) {
    SERIES.with_borrow_mut(|series| {
        if !series.contains_key(route) {
            series.insert(route.to_string(), Vec::new());
        }
        let Some(of_route) = series.get_mut(route) else { return };
        let found = of_route.iter().position(|s| s.method == method && s.status == status);
        let index = found.unwrap_or_else(|| {
            let labels: [(&'static str, metrics::SharedString); 3] =
                [("method", method.into()), ("route", route.to_string().into()), ("status", status.to_string().into())];
            of_route.push(Series {
                method,
                status,
                requests: metrics::counter!("magasin_http_requests_total", &labels),
                duration: metrics::histogram!("magasin_http_request_duration_seconds", &labels),
            });
            of_route.len() - 1
        });
        let series = &of_route[index];
        series.requests.increment(1);
        series.duration.record(seconds);
    });
}

impl InFlight {
    fn start(method: &'static str, route: Option<MatchedPath>) -> Self {
        let gauge = in_flight_gauge(method);
        gauge.increment(1.0);
        Self { method, route, recorded: false, started: Instant::now(), gauge }
    }

    fn record(&mut self, status: u16) {
        if std::mem::replace(&mut self.recorded, true) {
            return;
        }
        let elapsed = self.started.elapsed().as_secs_f64();
        self.gauge.decrement(1.0);
        record_request(self.method, self.route.as_ref().map_or(UNMATCHED, MatchedPath::as_str), status, elapsed);
    }

    fn finish(mut self, status: axum::http::StatusCode) {
        self.record(status.as_u16());
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.record(CLIENT_CLOSED);
    }
}

/// Counts, times and tracks in-flight requests, those whose client went away included.
pub async fn track(request: Request, next: Next) -> Response {
    let route = request.extensions().get::<MatchedPath>().cloned();
    let in_flight = InFlight::start(method_label(request.method()), route);
    let response = next.run(request).await;
    in_flight.finish(response.status());
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::Router;
    use axum::body::Body;
    use axum::routing::get;
    use futures::FutureExt;
    use metrics_exporter_prometheus::PrometheusBuilder;
    use tower::ServiceExt;

    fn app() -> Router {
        Router::new()
            .route("/never", get(std::future::pending::<&'static str>))
            .route("/now", get(|| async { "ok" }))
            .layer(axum::middleware::from_fn(track))
    }

    fn get_request(path: &str) -> Request {
        Request::builder().uri(path).body(Body::empty()).expect("request")
    }

    /// The server drops a request's future when its client disconnects: the request leaves the
    /// in-flight gauge and is counted and timed as a 499.
    #[test]
    fn a_request_dropped_before_its_answer_is_a_499_and_leaves_the_gauge() {
        let recorder = PrometheusBuilder::new().build_recorder();
        let handle = recorder.handle();
        metrics::with_local_recorder(&recorder, || {
            for _ in 0..3 {
                // Polled once (the handler is waiting), then dropped.
                assert!(app().oneshot(get_request("/never")).now_or_never().is_none());
            }
            let answer = app().oneshot(get_request("/now")).now_or_never().expect("ready").expect("infallible");
            assert_eq!(answer.status(), axum::http::StatusCode::OK);
        });
        let text = handle.render();
        assert!(text.contains("magasin_http_requests_in_flight{method=\"GET\"} 0\n"), "{text}");
        assert!(
            text.contains("magasin_http_requests_total{method=\"GET\",route=\"/never\",status=\"499\"} 3\n"),
            "{text}"
        );
        assert!(
            text.contains(
                "magasin_http_request_duration_seconds_count{method=\"GET\",route=\"/never\",status=\"499\"} 3\n"
            ),
            "{text}"
        );
        assert!(
            text.contains("magasin_http_requests_total{method=\"GET\",route=\"/now\",status=\"200\"} 1\n"),
            "{text}"
        );
    }
}
