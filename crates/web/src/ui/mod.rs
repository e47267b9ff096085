//! The web interface: server-rendered pages (askama templates in `crates/web/templates/`), in
//! the language of [`strings`], over the same use cases as the API.

pub mod assets;
pub mod charts;
pub mod dashboard;
pub mod forms;
pub mod guard;
pub mod pages;
pub mod sales;
pub mod session;
pub mod signin;
pub mod strings;

use crate::AppState;
use crate::auth::ApiToken;
use axum::Router;
use axum::routing::{get, post};

/// What the web interface needs besides the use cases.
#[derive(Clone)]
pub struct UiConfig {
    pub keys: session::SessionKeys,
    pub links: MonitoringLinks,
}

/// Where this deployment's Prometheus and Grafana are, when they are.
#[derive(Clone, Debug, Default)]
pub struct MonitoringLinks {
    pub prometheus: Option<String>,
    pub grafana: Option<String>,
}

impl UiConfig {
    pub fn new(token: &ApiToken) -> Self {
        Self { keys: session::SessionKeys::new(token), links: MonitoringLinks::default() }
    }

    pub fn with_links(mut self, prometheus: Option<String>, grafana: Option<String>) -> Self {
        self.links = MonitoringLinks { prometheus, grafana };
        self
    }
}

/// The pages; every form post goes through [`guard::guard`].
pub fn router(state: &AppState) -> Router<AppState> {
    Router::new()
        .route("/", get(dashboard::page))
        .route("/connexion", get(signin::form).post(signin::submit))
        .route("/deconnexion", post(signin::sign_out))
        .route("/ventes", get(sales::list))
        .route("/ventes/nouvelle", get(sales::new_sale).post(sales::record))
        .route("/ventes/{id}", get(sales::detail))
        .route("/ventes/{id}/annulation", get(sales::confirm_cancel).post(sales::cancel))
        .route("/static/{file}", get(assets::serve))
        .layer(axum::middleware::from_fn_with_state(state.clone(), guard::guard))
}

/// A path segment that should be an id; anything else is "not found", never a 400.
pub fn parse_id(segment: &str) -> Result<i64, pages::UiError> {
    segment
        .parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| pages::UiError::NotFound(strings::current().not_found_text.to_string()))
}

/// `path` with the non-empty `params` (and `extra`) as its query string.
pub fn link(path: &str, params: &[(&str, String)], extra: Option<(&str, String)>) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    for (name, value) in
        params.iter().map(|(n, v)| (*n, v.as_str())).chain(extra.as_ref().map(|(n, v)| (*n, v.as_str())))
    {
        if !value.trim().is_empty() {
            query.append_pair(name, value.trim());
        }
    }
    let query = query.finish();
    if query.is_empty() { path.to_string() } else { format!("{path}?{query}") }
}
