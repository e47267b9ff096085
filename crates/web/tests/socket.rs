//! Tests on a real socket, where the transport matters: raw UTF-8 in the request line, body
//! limits, graceful shutdown, forwarded headers believed from trusted proxies only, slow and
//! idle clients cut off, the bound on connections, requests that take too long.

use axum::Router;
use axum::routing::get;
use magasin_domain::Storage;
use magasin_service::{Services, Settings};
use magasin_store_sql::testing::TestStorage;
use magasin_store_sqlite::SqliteStorage;
use magasin_web::auth::ApiToken;
use magasin_web::forwarded::TrustedProxies;
use magasin_web::{AppState, ServerLimits, build_app, serve};
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

type Running = (SocketAddr, tokio::sync::oneshot::Sender<()>, tokio::task::JoinHandle<std::io::Result<()>>);

/// Binds port 0 before spawning, so the address is known and nothing sleeps.
async fn start(app: Router) -> Running {
    start_with(app, ServerLimits { shutdown_grace: Duration::from_secs(5), ..ServerLimits::default() }).await
}

async fn start_with(app: Router, limits: ServerLimits) -> Running {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(serve(
        listener,
        app,
        async move {
            let _ = stopped.await;
        },
        limits,
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

/// Limits with a short header-read timeout, for the tests of slow clients.
fn short_header_timeout() -> ServerLimits {
    ServerLimits { header_read_timeout: Duration::from_millis(300), ..ServerLimits::default() }
}

/// Reads until the server closes the connection (end of stream or reset); panics if it is still
/// open after a generous bound.
async fn closed_by_server(stream: &mut TcpStream) -> Vec<u8> {
    let mut received = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut received)).await;
    assert!(read.is_ok(), "the server kept the connection open");
    received
}

#[tokio::test]
async fn a_client_sending_headers_too_slowly_is_cut_off_while_others_are_served() {
    let (app, _storage) = sqlite_app().await;
    let (addr, stop, server) = start_with(app, short_header_timeout()).await;
    let mut slow = TcpStream::connect(addr).await.expect("connect");
    let mut silent = TcpStream::connect(addr).await.expect("connect");
    let trickle = tokio::spawn(async move {
        // One byte of the request line every 100 ms: the headers are never complete in time.
        for byte in b"GET /health/live HTTP/1.1\r\nHost: x\r\n".iter() {
            if slow.write_all(&[*byte]).await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        closed_by_server(&mut slow).await
    });
    // Meanwhile the instance answers others.
    let answer = raw_exchange(addr, b"GET /health/live HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let trickled = trickle.await.expect("trickle");
    assert!(!String::from_utf8_lossy(&trickled).contains("200 OK"), "the slow request was not served");
    closed_by_server(&mut silent).await;
    let _ = stop.send(());
    server.await.expect("join").expect("serve");
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed() {
    let (app, _storage) = sqlite_app().await;
    let (addr, stop, server) = start_with(app, short_header_timeout()).await;
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    stream.write_all(b"GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n").await.expect("write");
    // The answer, then nothing more until the server closes the idle connection.
    let received = closed_by_server(&mut stream).await;
    assert!(String::from_utf8_lossy(&received).starts_with("HTTP/1.1 200"));
    let _ = stop.send(());
    server.await.expect("join").expect("serve");
}

#[tokio::test]
async fn connections_beyond_the_bound_wait_until_one_closes() {
    let (app, _storage) = sqlite_app().await;
    let limits = ServerLimits { max_connections: 1, ..ServerLimits::default() };
    let (addr, stop, server) = start_with(app, limits).await;
    let mut first = TcpStream::connect(addr).await.expect("connect");
    first.write_all(b"GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n").await.expect("write");
    let mut head = [0u8; 12];
    first.read_exact(&mut head).await.expect("first answered");
    assert_eq!(&head, b"HTTP/1.1 200");
    // The first connection stays open (keep-alive): the second is not served meanwhile...
    let second = tokio::spawn(raw_exchange(addr, b"GET /health/live HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!second.is_finished(), "a connection beyond the bound was served");
    // ...and is, as soon as the first closes.
    drop(first);
    let answer = second.await.expect("second");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let _ = stop.send(());
    server.await.expect("join").expect("serve");
}

/// A sale that cannot finish in the request's time (a stock row is held by another
/// connection) answers 503 with the error body, and nothing of it is written.
#[tokio::test]
async fn a_request_past_its_time_is_a_503_and_writes_nothing() {
    let storage = magasin_store_postgres::testing::fresh().await;
    let services = Services::new(storage.shared(), Settings::default());
    services.load_demo_if_empty().await.expect("demo");
    let state = AppState::new(services, ApiToken::new("t")).with_request_timeout(Duration::from_millis(300));
    let (addr, stop, server) = start(build_app(state)).await;
    let stock = || async {
        let answer =
            raw_exchange(addr, b"GET /api/v1/stores/1/stock/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").await;
        answer[answer.find("\r\n\r\n").expect("body")..].to_string()
    };
    let before = stock().await;
    let mut holder = storage.writer().begin().await.expect("begin");
    sqlx::query("SELECT quantite FROM store_stock WHERE magasin_id = 1 AND produit_id = 4 FOR UPDATE")
        .fetch_one(&mut *holder)
        .await
        .expect("lock the row");
    let body = r#"{"magasin": 1, "lignes": [{"produit": 1, "quantite": 1}, {"produit": 4, "quantite": 1}]}"#;
    let request = format!(
        "POST /api/v1/sales/ HTTP/1.1\r\nHost: x\r\nAuthorization: Token t\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let answer = raw_exchange(addr, request.as_bytes()).await;
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    for field in [
        "\"timestamp\":",
        "\"status\":503",
        "\"error\":\"Service Unavailable\"",
        "\"message\":",
        "\"path\":\"/api/v1/sales/\"",
    ] {
        assert!(answer.contains(field), "{field} in {answer}");
    }
    holder.rollback().await.expect("release");
    assert_eq!(stock().await, before, "the stock is unchanged");
    let sales = raw_exchange(addr, b"GET /api/v1/sales/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").await;
    assert!(sales.ends_with("\"results\":[]}"), "no sale: {sales}");
    assert!(storage.ledger_discrepancies().await.expect("ledger").is_empty());
    let _ = stop.send(());
    server.await.expect("join").expect("serve");
}

/// Sends a GET on a kept-alive connection and returns the body of its answer.
async fn get_kept_alive(stream: &mut TcpStream, path: &str) -> String {
    stream.write_all(format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes()).await.expect("write");
    let mut answer = Vec::new();
    let mut chunk = [0u8; 1024];
    loop {
        let text = String::from_utf8_lossy(&answer).into_owned();
        if let Some(end) = text.find("\r\n\r\n") {
            let length = text[..end]
                .lines()
                .find_map(|line| {
                    line.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().to_string())
                })
                .and_then(|v| v.parse::<usize>().ok())
                .expect("a content length");
            if answer.len() >= end + 4 + length {
                assert!(text.starts_with("HTTP/1.1 200"), "{text}");
                return text[end + 4..end + 4 + length].to_string();
            }
        }
        let read = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut chunk))
            .await
            .expect("answer in time")
            .expect("read");
        assert!(read > 0, "the server closed the connection");
        answer.extend_from_slice(&chunk[..read]);
    }
}

#[tokio::test]
async fn connections_are_spread_over_the_workers_and_each_stays_on_its_own() {
    let app = Router::new()
        .route("/worker", get(|| async { std::thread::current().name().unwrap_or("unnamed").to_string() }));
    let limits = ServerLimits { workers: 2, ..ServerLimits::default() };
    let (addr, stop, server) = start_with(app, limits).await;
    // Connections arriving on one core fill its worker up to twice the other's plus a few, then
    // the other takes some: 24 open at once reach both.
    let mut connections = Vec::new();
    let mut first = Vec::new();
    for _ in 0..24 {
        let mut stream = TcpStream::connect(addr).await.expect("connect");
        first.push(get_kept_alive(&mut stream, "/worker").await);
        connections.push(stream);
    }
    let mut names = first.clone();
    names.sort();
    names.dedup();
    assert_eq!(names, ["magasin-http-0", "magasin-http-1"], "both workers serve");
    for (stream, worker) in connections.iter_mut().zip(&first) {
        assert_eq!(&get_kept_alive(stream, "/worker").await, worker, "a connection stays on its worker");
    }
    drop(connections);
    let _ = stop.send(());
    server.await.expect("join").expect("serve");
}
