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
pub mod server;
pub mod ui;

pub use server::{ServerLimits, serve, serve_each};

use auth::ApiToken;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::get;
use magasin_service::Services;
use request_id::REQUEST_ID;
use std::sync::Arc;
use std::time::Duration;
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

    /// The same settings over other services (a worker's own database pool).
    pub fn with_services(mut self, services: Services) -> Self {
        self.settings().services = services;
        self
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
