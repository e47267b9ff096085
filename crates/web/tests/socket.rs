//! Tests on a real socket, where the transport matters: raw UTF-8 in the request line, body
//! limits, graceful shutdown, forwarded headers believed from trusted proxies only.

use axum::Router;
use axum::routing::get;
use magasin_service::{Services, Settings};
use magasin_store_sql::testing::TestStorage;
use magasin_store_sqlite::SqliteStorage;
use magasin_web::auth::ApiToken;
use magasin_web::forwarded::TrustedProxies;
use magasin_web::{AppState, build_app, serve};
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// The application on a fresh SQLite database, and the database (removed when it drops).
async fn sqlite_app() -> (Router, TestStorage<SqliteStorage>) {
    sqlite_app_trusting(TrustedProxies::default()).await
}

async fn sqlite_app_trusting(proxies: TrustedProxies) -> (Router, TestStorage<SqliteStorage>) {
    let storage = magasin_store_sqlite::testing::fresh().await;
    let services = Services::new(storage.shared(), Settings::default());
    services.load_demo_if_empty().await.expect("demo");
    (build_app(AppState::new(services, ApiToken::new("t")).with_trusted_proxies(proxies)), storage)
}

/// Binds port 0 before spawning, so the address is known and nothing sleeps.
async fn start(
    app: Router,
) -> (SocketAddr, tokio::sync::oneshot::Sender<()>, tokio::task::JoinHandle<std::io::Result<()>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(serve(
        listener,
        app,
        async move {
            let _ = stopped.await;
        },
        Duration::from_secs(5),
    ));
    (addr, stop, server)
}

/// Sends raw bytes and reads the whole answer (the request asks to close the connection).
async fn raw_exchange(addr: SocketAddr, request: &[u8]) -> String {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    stream.write_all(request).await.expect("write");
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut answer))
        .await
        .expect("answer in time")
        .expect("read");
    String::from_utf8_lossy(&answer).into_owned()
}

#[tokio::test]
async fn raw_utf8_in_the_query_is_understood() {
    let (app, _storage) = sqlite_app().await;
    let (addr, stop, server) = start(app).await;
    let mut request = b"GET /api/v1/stores/1/stock/list/?produit__nom=Caf".to_vec();
    request.extend_from_slice("é".as_bytes());
    request.extend_from_slice(
        b"&ordering=-quantite&quantite__gte=10 HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
    );
    let answer = raw_exchange(addr, &request).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("\"count\":2"), "{answer}");
    assert!(answer.contains("Café Premium Bio"), "{answer}");
    let _ = stop.send(());
    server.await.expect("join").expect("serve");
}

#[tokio::test]
async fn a_body_over_one_mebibyte_is_refused_with_413() {
    let (app, _storage) = sqlite_app().await;
    let (addr, stop, server) = start(app).await;
    let body = format!("{{\"magasin\":1,\"pad\":\"{}\"}}", "x".repeat(2 * 1024 * 1024));
    let head = format!(
        "POST /api/v1/sales/ HTTP/1.1\r\nHost: localhost\r\nAuthorization: Token t\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    stream.write_all(head.as_bytes()).await.expect("head");
    // The server may answer and close before reading the whole body.
    let _ = stream.write_all(body.as_bytes()).await;
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut answer)).await;
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("\"status\":413") && answer.contains("\"path\":\"/api/v1/sales/\""), "{answer}");
    let _ = stop.send(());
    server.await.expect("join").expect("serve");
}

#[tokio::test]
async fn shutdown_lets_the_request_in_flight_finish() {
    let slow = Router::new().route(
        "/slow",
        get(|| async {
            tokio::time::sleep(Duration::from_millis(400)).await;
            "done"
        }),
    );
    let (addr, stop, server) = start(slow).await;
    let client =
        tokio::spawn(
            async move { raw_exchange(addr, b"GET /slow HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").await },
        );
    // Wait until the request is being served, then ask the server to stop.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let _ = stop.send(());
    let answer = client.await.expect("client");
    assert!(answer.starts_with("HTTP/1.1 200") && answer.ends_with("done"), "{answer}");
    tokio::time::timeout(Duration::from_secs(5), server).await.expect("server stops").expect("join").expect("serve");
    assert!(TcpStream::connect(addr).await.is_err(), "no longer accepting connections");
}

/// The `next` link of the products' first page of 2, asked with `headers`.
async fn next_link(addr: SocketAddr, headers: &str) -> String {
    let request =
        format!("GET /api/v1/products/?page_size=2 HTTP/1.1\r\nHost: localhost\r\n{headers}Connection: close\r\n\r\n");
    let answer = raw_exchange(addr, request.as_bytes()).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let at = answer.find("\"next\":\"").unwrap_or_else(|| panic!("a next link in {answer}")) + 8;
    answer[at..at + answer[at..].find('"').expect("end of link")].to_string()
}

#[tokio::test]
async fn forwarded_headers_are_believed_from_trusted_proxies_only() {
    // The peer is 127.0.0.1: the default trusted proxy (the cluster's NGINX).
    let (app, _storage) = sqlite_app().await;
    let (addr, stop, server) = start(app).await;
    let through_proxy = "X-Forwarded-Proto: https\r\nX-Forwarded-Host: shop.example\r\n";
    assert_eq!(next_link(addr, through_proxy).await, "https://shop.example/api/v1/products/?page_size=2&page=2");
    assert_eq!(next_link(addr, "").await, "http://localhost/api/v1/products/?page_size=2&page=2");
    for odd in [
        "X-Forwarded-Proto: javascript\r\n",
        "X-Forwarded-Proto: JAVASCRIPT\r\n",
        "X-Forwarded-Proto: https\r\nX-Forwarded-Proto: javascript\r\n",
        "X-Forwarded-Host: evil.example/x?\r\n",
        "X-Forwarded-Host: a@evil.example\r\n",
    ] {
        assert_eq!(next_link(addr, odd).await, "http://localhost/api/v1/products/?page_size=2&page=2", "{odd}");
    }
    let _ = stop.send(());
    server.await.expect("join").expect("serve");

    // Another proxy is configured: the same headers from 127.0.0.1 are ignored.
    let (app, _storage) = sqlite_app_trusting(TrustedProxies::new(["10.0.0.8".parse().expect("address")])).await;
    let (addr, stop, server) = start(app).await;
    assert_eq!(next_link(addr, through_proxy).await, "http://localhost/api/v1/products/?page_size=2&page=2");
    let _ = stop.send(());
    server.await.expect("join").expect("serve");
}
