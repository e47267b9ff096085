//! magasin's HTTP layer: the REST API v1, its OpenAPI description, the web interface, and the
//! middleware.

pub mod api;
pub mod auth;
pub mod deadline;
pub mod error;
pub mod fields;
pub mod forwarded;
pub mod observability;
pub mod openapi;
pub mod private_reads;
pub mod request_id;
pub mod security_headers;
pub mod ui;

use auth::ApiToken;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::get;
use magasin_service::Services;
use request_id::REQUEST_ID;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tower::util::MapRequestLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use utoipa_swagger_ui::SwaggerUi;

/// What every handler shares: cloned by every extractor and middleware that takes it, so a clone
/// is one reference count (the settings behind it are built once, by the `with_*` methods).
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// The services and settings behind an [`AppState`].
#[derive(Clone)]
pub struct Shared {
    pub services: Services,
    pub token: ApiToken,
    /// Renders `/metrics`; `None` when metrics are off.
    pub exporter: Option<observability::exporter::Exporter>,
    /// This instance's identity, in logs and metrics.
    pub instance: String,
    /// Which requests get an access-log line.
    pub access_log: observability::request_log::AccessLog,
    /// The web interface's cookie keys, monitoring links and golden-signal sampler.
    pub ui: ui::UiConfig,
    /// The proxies whose `X-Forwarded-Proto` / `X-Forwarded-Host` are believed.
    pub trusted_proxies: forwarded::TrustedProxies,
    /// The longest a request may take before it is abandoned with a 503.
    pub request_timeout: Duration,
    /// Whether anyone may read (the lab's behaviour); otherwise a token or a sign-in is needed.
    pub public_reads: bool,
}

impl AppState {
    /// State with metrics off and the instance called `magasin`.
    pub fn new(services: Services, token: ApiToken) -> Self {
        let ui = ui::UiConfig::new(&ui::session::SessionSecret::random());
        Self(Arc::new(Shared {
            services,
            token,
            exporter: None,
            instance: "magasin".into(),
            access_log: Default::default(),
            ui,
            trusted_proxies: Default::default(),
            request_timeout: deadline::DEFAULT_REQUEST_TIMEOUT,
            public_reads: true,
        }))
    }

    /// The settings to change (copied first if another clone shares them).
    fn settings(&mut self) -> &mut Shared {
        Arc::make_mut(&mut self.0)
    }

    pub fn with_metrics(mut self, handle: metrics_exporter_prometheus::PrometheusHandle) -> Self {
        self.settings().exporter = Some(observability::exporter::Exporter::new(handle));
        self
    }

    pub fn with_access_log(mut self, mode: observability::request_log::AccessLog) -> Self {
        self.settings().access_log = mode;
        self
    }

    /// Links from the observability page to Prometheus and Grafana, when they are deployed.
    pub fn with_monitoring_links(mut self, prometheus: Option<String>, grafana: Option<String>) -> Self {
        let ui = self.ui.clone().with_links(prometheus, grafana);
        self.settings().ui = ui;
        self
    }

    /// The secret of the web interface's cookie and CSRF keys (without it: a random one, so the
    /// sessions of this process are its own). Give every instance the same one.
    pub fn with_session_secret(mut self, secret: &ui::session::SessionSecret) -> Self {
        let ui = self.ui.clone().with_secret(secret);
        self.settings().ui = ui;
        self
    }

    /// How long a sign-in of the web interface lasts (idle timeout and lifetime).
    pub fn with_session_limits(mut self, limits: ui::session::SessionLimits) -> Self {
        self.settings().ui.keys.limits = limits;
        self
    }

    /// Marks the web interface's cookies `Secure`, for deployments served over HTTPS.
    pub fn with_secure_cookies(mut self, secure: bool) -> Self {
        let ui = self.ui.clone().with_secure_cookies(secure);
        self.settings().ui = ui;
        self
    }

    /// The proxies whose forwarded headers are believed (the default: 127.0.0.1).
    pub fn with_trusted_proxies(mut self, proxies: forwarded::TrustedProxies) -> Self {
        self.settings().trusted_proxies = proxies;
        self
    }

    /// The longest a request may take before it is abandoned with a 503.
    /// Reads open to anyone (`true`, the lab's), or only to a token or a signed-in user.
    pub fn with_public_reads(mut self, public: bool) -> Self {
        self.settings().public_reads = public;
        self
    }

    pub fn with_request_timeout(mut self, timeout: Duration) -> Self {
        self.settings().request_timeout = timeout;
        self
    }

    pub fn with_instance(mut self, instance: impl Into<String>) -> Self {
        self.settings().instance = instance.into();
        self
    }
}

/// The one place where routes and layers meet.
pub fn build_app(state: AppState) -> Router {
    let metrics_on = state.exporter.is_some();
    let instance = state.instance.clone();
    let access_log = state.access_log;
    let trusted_proxies = state.trusted_proxies.clone();
    let request_timeout = state.request_timeout;
    let router = Router::new()
        .merge(api::v1::router())
        .merge(ui::router(&state))
        .merge(
            Router::from(SwaggerUi::new("/swagger").url("/api/openapi.json", openapi::spec()))
                .layer(security_headers::swagger_policy()),
        )
        .route("/metrics", get(observability::exporter::render))
        .route("/health/live", get(observability::health::live))
        .route("/health/ready", get(observability::health::ready))
        .fallback(ui::layout::not_found_fallback)
        .with_state(state.clone())
        .layer(axum::middleware::from_fn_with_state(state, private_reads::guard))
        .layer(DefaultBodyLimit::max(error::MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn_with_state(request_timeout, deadline::limit))
        .layer(axum::middleware::from_fn(error::error_body))
        .layer(axum::middleware::map_request_with_state(trusted_proxies, forwarded::keep_trusted));
    let router =
        if metrics_on { router.layer(axum::middleware::from_fn(observability::http_metrics::track)) } else { router };
    router
        .layer(observability::request_log::layer(&instance, access_log))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
        .layer(MapRequestLayer::new(request_id::drop_unless_plain))
        .layer(security_headers::layer())
}

/// How the server treats connections.
#[derive(Clone, Copy, Debug)]
pub struct ServerLimits {
    /// Longest wait for a request's complete headers, counted from the connection's opening or
    /// from the end of the previous answer: it closes connections whose client sends headers
    /// too slowly, or nothing, and idle keep-alive connections.
    pub header_read_timeout: Duration,
    /// Most connections served at once; more wait in the listen backlog until one closes.
    pub max_connections: usize,
    /// Time given to in-flight requests after shutdown is asked.
    pub shutdown_grace: Duration,
}

impl Default for ServerLimits {
    fn default() -> Self {
        Self {
            header_read_timeout: Duration::from_secs(10),
            max_connections: 1024,
            shutdown_grace: Duration::from_secs(20),
        }
    }
}

/// Serves `app` (HTTP/1.1) on `listener` until `shutdown` resolves, then lets in-flight requests
/// finish (for at most `limits.shutdown_grace`). Each request knows its peer's address
/// (`ConnectInfo`), which decides whether its forwarded headers are believed.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    limits: ServerLimits,
) -> std::io::Result<()> {
    use axum::extract::ConnectInfo;
    use hyper_util::rt::{TokioIo, TokioTimer};
    use tower::ServiceExt;

    let permits = std::sync::Arc::new(tokio::sync::Semaphore::new(limits.max_connections.max(1)));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new()).header_read_timeout(limits.header_read_timeout);
    tokio::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            _ = &mut shutdown => break,
            permit = permits.clone().acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break,
            },
        };
        let (stream, peer) = tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors and the like: wait a little rather than spin.
                    tracing::warn!(%error, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let service = hyper::service::service_fn(move |mut request: axum::http::Request<hyper::body::Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            app.clone().oneshot(request)
        });
        let connection = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!(%error, %peer, "connection ended with an error");
            }
            drop(permit);
        });
    }
    drop(listener);
    tokio::select! {
        _ = graceful.shutdown() => {}
        _ = tokio::time::sleep(limits.shutdown_grace) => {
            tracing::warn!(grace_seconds = limits.shutdown_grace.as_secs(), "in-flight requests did not finish in time; exiting");
        }
    }
    Ok(())
}
