//! Metrics, health and logs of an instance (own process: one global metrics recorder), and its
//! answers when the database cannot serve: a 503 that says when to retry (`Retry-After`), with the
//! contract's body and no driver text, on the API, the pages and readiness — on both engines.
//! (The cluster run stops a real PostgreSQL under load: `scripts/py/outage_check.py`.)

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use http_body_util::BodyExt;
use magasin_service::{Services, Settings};
use magasin_store_sql::testing::TestStorage;
use magasin_store_sqlite::SqliteStorage;
use magasin_web::auth::ApiToken;
use magasin_web::error::RETRY_AFTER_SECONDS;
use magasin_web::observability::registry;
use magasin_web::{AppState, build_app};
use serde_json::Value;
use std::future::Future;
use tower::ServiceExt;

async fn storage() -> TestStorage<SqliteStorage> {
    magasin_store_sqlite::testing::fresh().await
}

async fn app(storage: &TestStorage<SqliteStorage>) -> axum::Router {
    let services = Services::new(storage.shared(), Settings::default());
    services.load_demo_if_empty().await.expect("demo");
    let handle = registry::install("test-instance").expect("recorder");
    registry::record_build_info(services.engine());
    build_app(AppState::new(services, ApiToken::new("t")).with_metrics(handle).with_instance("test-instance"))
}

async fn call(app: &axum::Router, method: &str, path: &str, body: &str) -> (StatusCode, axum::http::HeaderMap, String) {
    let request = Request::builder()
        .method(method)
        .uri(path)
        .header("authorization", "Token t")
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .expect("request");
    let response = app.clone().oneshot(request).await.expect("router");
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.expect("body").to_bytes();
    (status, headers, String::from_utf8_lossy(&bytes).into_owned())
}

#[tokio::test]
async fn metrics_show_every_family_with_route_templates_and_no_raw_ids() {
    let storage = storage().await;
    let app = app(&storage).await;
    let (_, _, sale) =
        call(&app, "POST", "/api/v1/sales/", r#"{"magasin":1,"lignes":[{"produit":1,"quantite":2}]}"#).await;
    let id = serde_json::from_str::<Value>(&sale).expect("json")["id"].as_i64().expect("id");
    call(&app, "POST", &format!("/api/v1/sales/{id}/cancel/"), "{}").await;
    call(&app, "POST", "/api/v1/sales/", r#"{"magasin":1,"lignes":[{"produit":11,"quantite":6}]}"#).await;
    let (_, _, r) = call(&app, "POST", "/api/v1/replenishments/", r#"{"magasin":1,"produit":1,"quantite":5}"#).await;
    let rid = serde_json::from_str::<Value>(&r).expect("json")["id"].as_i64().expect("id");
    call(&app, "POST", &format!("/api/v1/replenishments/{rid}/approve/"), "{}").await;
    for path in [
        "/api/v1/stores/3/stock/",
        "/api/v1/stores/4/stock/list/?page=1",
        "/api/v1/products/7/",
        "/api/v1/products/999/",
        "/nowhere/42",
    ] {
        call(&app, "GET", path, "").await;
    }
    let wrong_token = Request::post("/api/v1/sales/")
        .header("authorization", "Token wrong")
        .header("content-type", "application/json")
        .body(Body::from("{}"))
        .expect("request");
    let refused = app.clone().oneshot(wrong_token).await.expect("router");
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    let (status, headers, text) = call(&app, "GET", "/metrics", "").await;
    assert!(
        text.contains(r#"magasin_auth_failures_total{instance_id="test-instance",reason="api_token"} 1"#),
        "a wrong token is counted by reason"
    );
    assert_eq!(status, StatusCode::OK);
    assert!(headers.get("content-type").is_some_and(|v| v.to_str().unwrap_or("").starts_with("text/plain")));
    for family in [
        "magasin_http_requests_total{",
        "magasin_http_request_duration_seconds_bucket{",
        "magasin_http_requests_in_flight{",
        "magasin_db_pool_connections{",
        "magasin_db_pool_max_connections{",
        "magasin_db_pool_wait_seconds_bucket{",
        "magasin_db_query_duration_seconds_bucket{",
        "magasin_sales_recorded_total{",
        "magasin_sales_cancelled_total{",
        "magasin_revenue_cents_total{",
        "magasin_units_sold_total{",
        "magasin_store_stockouts{",
        "magasin_store_overstock{",
        "magasin_replenishments_pending{",
        "magasin_replenishments_decided_total{",
        "magasin_ready{",
        "magasin_build_info{",
        "process_cpu_seconds_total{",
        "process_resident_memory_bytes{",
        "process_open_fds{",
        "process_start_time_seconds{",
    ] {
        assert!(text.contains(family), "{family} missing from /metrics:\n{text}");
    }
    assert!(text.contains(r#"route="/api/v1/stores/{store_id}/stock/""#), "route templates label requests");
    assert!(text.contains(r#"route="unmatched""#), "unknown paths share one label");
    assert!(text.contains(r#"le="0.0005""#) && text.contains(r#"le="10""#), "buckets from 0.5 ms to 10 s");
    assert!(text.contains(r#"query="record_sale""#));
    assert!(
        text.contains(r#"magasin_sales_recorded_total{instance_id="test-instance",store="Magasin Centre-Ville"} 1"#),
        "{text}"
    );
    assert!(
        text.contains(r#"magasin_revenue_cents_total{instance_id="test-instance",store="Magasin Centre-Ville"} 17998"#)
    );
    assert!(text.contains(r#"outcome="approved""#));
    assert!(text.contains(r#"magasin_store_stockouts{instance_id="test-instance",store="Magasin Centre-Ville"} 0"#));
    for line in text.lines().filter(|l| !l.starts_with('#') && !l.is_empty()) {
        assert!(line.contains(r#"instance_id="test-instance""#), "every series carries the instance: {line}");
        let raw_id = line.split('"').any(|value| {
            value.starts_with('/')
                && value.split('/').any(|seg| !seg.is_empty() && seg.bytes().all(|b| b.is_ascii_digit()))
        });
        assert!(!raw_id, "a label holds a raw id: {line}");
    }
}

#[tokio::test]
async fn health_says_live_and_ready_and_which_check_failed() {
    let storage = storage().await;
    let reader = storage.reader().clone();
    let app = app(&storage).await;
    let (status, _, body) = call(&app, "GET", "/health/live", "").await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, r#"{"status":"up","checks":{}}"#));
    let (status, _, body) = call(&app, "GET", "/health/ready", "").await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, r#"{"status":"ready","checks":{"database":"ok"}}"#));
    reader.close().await;
    let (status, _, body) = call(&app, "GET", "/health/ready", "").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    let body: Value = serde_json::from_str(&body).expect("json");
    assert_eq!(body["status"], "not_ready");
    let database = body["checks"]["database"].as_str().expect("text");
    assert!(database.starts_with("service unavailable: "), "the wording operators already read: {database}");
}

/// The `/observabilite.json` values by key: `[[key, label, value], …]` → key → value.
fn signals(body: &str) -> (Value, std::collections::BTreeMap<String, String>) {
    let display: Value = serde_json::from_str(body).expect("json");
    let values = display["values"]
        .as_array()
        .expect("values")
        .iter()
        .map(|v| (v[0].as_str().expect("key").to_string(), v[2].as_str().expect("value").to_string()))
        .collect();
    (display, values)
}

/// "12,5 ms" → 12.5
fn number(value: &str) -> f64 {
    value.trim_end_matches(" ms").trim_end_matches("\u{a0}ms").replace(',', ".").parse().expect(value)
}

#[tokio::test]
async fn the_observability_page_shows_this_instances_live_signals() {
    let storage = storage().await;
    let app = app(&storage).await;
    // The first reading measures since start-up and starts the first window.
    let (status, _, body) = call(&app, "GET", "/observabilite.json", "").await;
    assert_eq!(status, StatusCode::OK);
    let (display, _) = signals(&body);
    assert_eq!(display["metrics_on"], true);
    for _ in 0..20 {
        call(&app, "GET", "/api/v1/dashboard/", "").await;
    }
    call(&app, "GET", "/api/v1/products/999/", "").await; // a 404 is the client's error, not ours
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;

    let (_, _, body) = call(&app, "GET", "/observabilite.json", "").await;
    let (display, values) = signals(&body);
    assert!(display["window"].as_str().is_some_and(|w| w.contains("secondes")), "{display}");
    // The figures themselves depend on the machine's speed: their arithmetic is unit-tested with
    // given instants (ui::golden_signals); here, that they are read from this instance's registry.
    assert!(number(&values["rps"]) > 0.0, "{values:?}");
    let (p50, p95, p99) = (number(&values["p50"]), number(&values["p95"]), number(&values["p99"]));
    assert!(p50 > 0.0 && p50 <= p95 && p95 <= p99, "{values:?}");
    assert_eq!(values["errors"], "0,0\u{a0}%");
    assert_eq!(values["in-flight"], "1", "the reading itself is in flight");
    assert!(values["pool"].contains(" / "), "{values:?}");

    let (status, _, html) = call(&app, "GET", "/observabilite", "").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(r#"data-metrics-on="true""#));
    assert!(html.contains(r#"<dd data-signal="p95">"#) && html.contains("ms</dd>"), "{html}");
    assert!(html.contains("/static/observabilite.js"), "the page refreshes itself");
    assert!(html.contains("test-instance"));
}

fn retry_after(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::RETRY_AFTER).and_then(|v| v.to_str().ok())
}

/// The demo data on `storage`, then `cut` (the database stops serving), then every kind of request.
async fn answers_503_with_retry_after(storage: std::sync::Arc<dyn magasin_domain::Storage>, cut: impl Future) {
    let services = Services::new(storage, Settings::default());
    assert!(services.load_demo_if_empty().await.expect("demo"));
    let app = build_app(AppState::new(services, ApiToken::new("t")));
    let sale = r#"{"magasin": 1, "lignes": [{"produit": 1, "quantite": 1}]}"#;
    let (status, _, _) = call(&app, "GET", "/api/v1/stores/1/stock/", "").await;
    assert_eq!(status, StatusCode::OK, "served while the database answers");

    cut.await;
    let expected = RETRY_AFTER_SECONDS.to_string();
    let (status, headers, body) = call(&app, "POST", "/api/v1/sales/", sale).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(retry_after(&headers), Some(expected.as_str()));
    let body: Value = serde_json::from_str(&body).expect("the contract's JSON body");
    assert_eq!(body["status"], 503);
    assert_eq!(body["path"], "/api/v1/sales/");
    let message = body["message"].as_str().expect("message");
    assert!(message.contains("Retry"), "{message}");
    for driver_words in ["pool", "closed", "sqlx", "connection", "os error"] {
        assert!(!message.to_lowercase().contains(driver_words), "no driver text in the body: {message}");
    }

    let (status, headers, _) = call(&app, "GET", "/api/v1/sales/?magasin=1", "").await;
    assert_eq!((status, retry_after(&headers)), (StatusCode::SERVICE_UNAVAILABLE, Some(expected.as_str())));

    let (status, headers, page) = call(&app, "GET", "/stock?magasin=1", "").await;
    assert_eq!((status, retry_after(&headers)), (StatusCode::SERVICE_UNAVAILABLE, Some(expected.as_str())));
    assert!(page.contains("La base de données ne répond pas"), "{page}");

    let (status, headers, body) = call(&app, "GET", "/health/ready", "").await;
    assert_eq!((status, retry_after(&headers)), (StatusCode::SERVICE_UNAVAILABLE, Some(expected.as_str())));
    assert!(body.contains("not_ready"), "{body}");

    let (status, headers, _) = call(&app, "GET", "/health/live", "").await;
    assert_eq!((status, retry_after(&headers)), (StatusCode::OK, None), "the process itself is up");
}

#[tokio::test]
async fn sqlite_unreachable_is_a_503_with_retry_after() {
    let storage = magasin_store_sqlite::testing::fresh().await;
    let (reader, writer) = (storage.reader().clone(), storage.writer().clone());
    answers_503_with_retry_after(storage.shared(), async move {
        reader.close().await;
        writer.close().await;
    })
    .await;
}

#[tokio::test]
async fn postgres_unreachable_is_a_503_with_retry_after() {
    let storage = magasin_store_postgres::testing::fresh().await;
    let pool = storage.writer().clone();
    answers_503_with_retry_after(storage.shared(), async move { pool.close().await }).await;
}
