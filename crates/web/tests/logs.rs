//! Logs of a request (own test binary: a thread-local subscriber must not race other tests).

use axum::body::Body;
use axum::http::{Request, StatusCode};
use magasin_service::{Services, Settings};
use magasin_web::auth::ApiToken;
use magasin_web::observability::{logging, registry};
use magasin_web::{AppState, build_app};
use serde_json::Value;
use std::io::Write;
use std::sync::{Arc, Mutex};
use tower::ServiceExt;

async fn call(app: &axum::Router, path: &str) -> (StatusCode, String) {
    let request = Request::get(path).header("authorization", "Token t").body(Body::empty()).expect("request");
    let response = app.clone().oneshot(request).await.expect("router");
    let id = response.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    (response.status(), id)
}

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().map_err(|_| std::io::Error::other("poisoned"))?.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "current_thread")]
async fn every_log_line_of_a_request_carries_its_id_and_no_token() {
    let captured = Captured::default();
    let writer = captured.clone();
    let _guard = tracing::subscriber::set_default(logging::subscriber(true, move || writer.clone()));
    let storage = magasin_store_sqlite::testing::fresh().await;
    let reader = storage.reader().clone();
    let services = Services::new(storage.shared(), Settings::default());
    services.load_demo_if_empty().await.expect("demo");
    let handle = registry::install("test-instance").expect("recorder");
    let app =
        build_app(AppState::new(services, ApiToken::new("t")).with_metrics(handle).with_instance("test-instance"));
    let (_, first) = call(&app, "/api/v1/stores/1/stock/").await;
    reader.close().await;
    let (status, failing) = call(&app, "/api/v1/stores/1/stock/").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(!first.is_empty() && !failing.is_empty());
    assert_ne!(first, failing);

    let text = String::from_utf8(captured.0.lock().expect("lock").clone()).expect("utf-8");
    assert!(!text.contains("Token t"), "no token in the logs");
    let lines: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).expect("one JSON object per line")).collect();
    let of = |id: &str| lines.iter().filter(|l| l["span"]["request_id"] == id).cloned().collect::<Vec<_>>();
    let served = of(&first);
    assert_eq!(served.len(), 1, "{text}");
    let line = &served[0];
    assert_eq!(line["message"], "request served");
    assert_eq!(line["status"], 200);
    assert!(line["latency_ms"].is_number());
    assert!(line["timestamp"].is_string() && line["level"] == "INFO");
    assert_eq!(line["span"]["route"], "/api/v1/stores/{store_id}/stock/");
    assert_eq!(line["span"]["method"], "GET");
    assert_eq!(line["span"]["instance"], "test-instance");
    let failed = of(&failing);
    assert!(failed.len() >= 2, "the error and the response are both logged with the id: {text}");
    assert!(failed.iter().any(|l| l["level"] == "WARN" && l["error"].as_str().is_some_and(|e| !e.is_empty())));
    assert!(failed.iter().any(|l| l["status"] == 503));
}
