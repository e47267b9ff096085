//! The in-process test application: the real router on a fresh database with the demo data.

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use chrono::{DateTime, SubsecRound, Utc};
use http_body_util::BodyExt;
use magasin_domain::accounts::{Actor, NewUser, Role, StoreScope};
use magasin_domain::{Storage, StoreId};
use magasin_service::{Services, Settings};
use magasin_store_sql::testing::TestStorage;
use magasin_web::auth::ApiToken;
use magasin_web::ui::session::{SessionLimits, SessionSecret};
use magasin_web::{AppState, build_app};
use serde_json::Value;
use std::sync::Arc;
use tower::ServiceExt;

pub const TOKEN: &str = "test-token";

/// The application; clones share its router and its storage (removed when the last clone drops).
#[derive(Clone)]
pub struct TestApp {
    pub router: Router,
    _storage: Arc<TestStorage<dyn Storage>>,
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
    /// When the request was sent and its answer received.
    pub sent: DateTime<Utc>,
    pub received: DateTime<Utc>,
}

impl TestApp {
    /// The real router over `storage`, loaded with the demo data.
    pub async fn start(storage: TestStorage<dyn Storage>) -> Self {
        let services = Services::new(storage.shared(), Settings::default());
        assert!(services.load_demo_if_empty().await.expect("demo data"));
        let storage = Arc::new(storage);
        TestApp { router: Self::instance(&storage, SessionLimits::default(), true), _storage: storage }
    }

    /// This instance with other settings (as its flags would give).
    pub fn with_settings(self, settings: Settings) -> Self {
        let router = Self::build(&self._storage, SessionLimits::default(), true, settings);
        TestApp { router, _storage: self._storage }
    }

    /// One instance of the application over `storage`, with the session secret every test
    /// instance shares (as the instances of a deployment do).
    fn instance(storage: &Arc<TestStorage<dyn Storage>>, limits: SessionLimits, public_reads: bool) -> Router {
        Self::build(storage, limits, public_reads, Settings::default())
    }

    fn build(
        storage: &Arc<TestStorage<dyn Storage>>,
        limits: SessionLimits,
        public_reads: bool,
        settings: Settings,
    ) -> Router {
        let services = Services::new(storage.shared(), settings);
        let secret = SessionSecret::from_text("the session secret the test instances share");
        build_app(
            AppState::new(services, ApiToken::new(TOKEN))
                .with_session_secret(&secret)
                .with_session_limits(limits)
                .with_public_reads(public_reads),
        )
    }

    /// Another instance over the same database: a second process of the same deployment.
    pub fn twin(&self) -> Self {
        TestApp {
            router: Self::instance(&self._storage, SessionLimits::default(), true),
            _storage: Arc::clone(&self._storage),
        }
    }

    /// This instance with sign-ins that last `limits`.
    pub fn with_session_limits(self, limits: SessionLimits) -> Self {
        TestApp { router: Self::instance(&self._storage, limits, true), _storage: self._storage }
    }

    /// This instance with reads for a token or a signed-in user only (`--production`).
    pub fn with_private_reads(self) -> Self {
        TestApp { router: Self::instance(&self._storage, SessionLimits::default(), false), _storage: self._storage }
    }

    /// The use cases over the application's storage (to set up what a test needs).
    pub fn services(&self) -> Services {
        Services::new(self._storage.shared(), Settings::default())
    }

    pub async fn request(&self, request: Request<Body>) -> Reply {
        let sent = Utc::now();
        let response = self.router.clone().oneshot(request).await.expect("infallible router");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.expect("body").to_bytes();
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
        };
        Reply { status, headers, body, sent, received: Utc::now() }
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.request(Request::get(path).header("host", "testserver").body(Body::empty()).expect("request")).await
    }

    /// A read with the service token.
    pub async fn get_with_token(&self, path: &str) -> Reply {
        self.send_raw(Method::GET, path, String::new(), Some(TOKEN), &[]).await
    }

    /// Sends `body` as JSON with the right token.
    pub async fn send(&self, method: Method, path: &str, body: Value) -> Reply {
        self.send_raw(method, path, body.to_string(), Some(TOKEN), &[]).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Reply {
        self.send(Method::POST, path, body).await
    }

    pub async fn send_raw(
        &self,
        method: Method,
        path: &str,
        body: String,
        token: Option<&str>,
        headers: &[(&str, &str)],
    ) -> Reply {
        let mut builder = Request::builder()
            .method(method)
            .uri(path)
            .header("host", "testserver")
            .header("content-type", "application/json");
        if let Some(t) = token {
            builder = builder.header("authorization", format!("Token {t}"));
        }
        for (k, v) in headers {
            builder = builder.header(*k, *v);
        }
        self.request(builder.body(Body::from(body)).expect("request")).await
    }

    /// The API token of a new user `login` of `role` acting for `store`.
    pub async fn token_for(&self, login: &str, role: Role, store: i64) -> String {
        let services = self.services();
        let stores = StoreScope::Only([StoreId(store)].into_iter().collect());
        let user = NewUser::parse(login, login, role, stores).expect("valid user");
        let id = services.create_user(&Actor::Service, &user, "a long enough password").await.expect("user").id;
        services.issue_api_token(&Actor::Service, id, "t").await.expect("token").secret
    }

    /// A store's local quantity of a product (None when it holds no row).
    pub async fn local_qty(&self, store: i64, product: i64) -> Option<i64> {
        let reply = self.get(&format!("/api/v1/stores/{store}/stock/")).await;
        reply
            .body
            .as_array()
            .expect("stock array")
            .iter()
            .find(|i| i["produit_id"] == product)
            .and_then(|i| i["quantite"].as_i64())
    }

    /// Every location and product whose ledger does not add up to its quantity (none, normally).
    pub async fn ledger_discrepancies(&self) -> Vec<magasin_service::domain::ledger::LedgerDiscrepancy> {
        self._storage.shared().ledger_discrepancies().await.expect("ledger check")
    }

    pub async fn warehouse_qty(&self, product: i64) -> i64 {
        let reply = self.get("/api/v1/warehouse/stock/?page_size=100").await;
        let rows = reply.body["results"].as_array().expect("results").clone();
        rows.iter().find(|r| r["produit"] == product).and_then(|r| r["quantite"].as_i64()).expect("warehouse row")
    }
}

/// Asserts the contract's error body: `{timestamp, status, error, message, path}`.
pub fn assert_error_body(reply: &Reply, status: u16, path: &str) {
    assert_eq!(reply.status.as_u16(), status, "{:?}", reply.body);
    let body = &reply.body;
    assert_eq!(body["status"], status, "{body}");
    assert_eq!(body["path"], path, "{body}");
    assert!(body["error"].as_str().is_some_and(|e| !e.is_empty()), "{body}");
    assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()), "{body}");
    let ts = body["timestamp"].as_str().expect("timestamp");
    let when = DateTime::parse_from_rfc3339(ts).expect("RFC 3339 timestamp").with_timezone(&Utc);
    // The time of the answer, not a placeholder (the body may round it to the second).
    let (earliest, latest) = (reply.sent.trunc_subsecs(0), reply.received);
    assert!(earliest <= when && when <= latest, "{ts} is not between {earliest} and {latest}");
}
