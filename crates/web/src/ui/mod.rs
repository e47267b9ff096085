//! The web interface: server-rendered pages (askama templates in `crates/web/templates/`), in
//! the language of [`strings`], over the same use cases as the API.

pub mod account;
pub mod adjusting;
pub mod assets;
pub mod charts;
mod closing;
pub mod counting;
pub mod dashboard;
pub mod forms;
pub mod golden_signals;
pub mod journal;
pub mod layout;
pub mod lines;
pub mod movements;
pub mod observability;
mod ordering;
pub mod post_guard;
pub mod products;
pub mod receiving;
mod reordering;
pub mod replenishment;
pub mod report;
mod returning;
pub mod sales;
pub mod session;
mod shipping;
pub mod signin;
pub mod stock;
pub mod strings;
mod till;
pub mod users;
pub mod verification;

use crate::AppState;
use axum::Router;
use axum::routing::{get, post};
use magasin_domain::StoreId;
use magasin_domain::stock::Location;

/// What the web interface needs besides the use cases.
#[derive(Clone)]
pub struct UiConfig {
    pub keys: session::SessionKeys,
    pub links: MonitoringLinks,
    pub sampler: std::sync::Arc<golden_signals::Sampler>,
}

/// Where this deployment's Prometheus and Grafana are, when they are.
#[derive(Clone, Debug, Default)]
pub struct MonitoringLinks {
    pub prometheus: Option<String>,
    pub grafana: Option<String>,
}

impl UiConfig {
    pub fn new(secret: &session::SessionSecret) -> Self {
        Self { keys: session::SessionKeys::new(secret), links: MonitoringLinks::default(), sampler: Default::default() }
    }

    /// The same interface with keys from `secret` (every instance given it reads the others' cookies).
    pub fn with_secret(mut self, secret: &session::SessionSecret) -> Self {
        let secure = self.keys.is_secure();
        self.keys = session::SessionKeys::new(secret).with_secure_cookies(secure);
        self
    }

    pub fn with_secure_cookies(mut self, secure: bool) -> Self {
        self.keys = self.keys.with_secure_cookies(secure);
        self
    }

    pub fn with_links(mut self, prometheus: Option<String>, grafana: Option<String>) -> Self {
        self.links = MonitoringLinks { prometheus, grafana };
        self
    }
}

/// The pages; every form post goes through [`post_guard::guard`].
pub fn router(state: &AppState) -> Router<AppState> {
    Router::new()
        .route("/", get(dashboard::page))
        .route("/connexion", get(signin::form).post(signin::submit))
        .route("/deconnexion", post(signin::sign_out))
        .route("/ventes", get(sales::list))
        .route("/ventes/nouvelle", get(sales::new_sale).post(sales::record))
        .route("/caisse", get(till::open).post(till::act))
        .route("/caisse/{id}/recherche", get(crate::api::v1::till::till_search))
        .route("/ventes/{id}", get(sales::detail))
        .route("/ventes/{id}/annulation", get(sales::confirm_cancel).post(sales::cancel))
        .route("/ventes/{id}/retour", get(returning::form).post(returning::record))
        .route("/retours/{id}", get(returning::credit_note))
        .route("/cloture", get(closing::page).post(closing::close))
        .route("/rapport", get(report::page))
        .route("/rapport.csv", get(report::csv))
        .route("/stock", get(stock::store_stock))
        .route("/entrepot", get(stock::warehouse))
        .route("/entrepot/demandes", post(replenishment::request))
        .route("/entrepot/receptions", get(receiving::list).post(receiving::record))
        .route("/entrepot/receptions/{id}", get(receiving::detail))
        .route("/entrepot/commandes", get(ordering::list).post(ordering::create))
        .route("/entrepot/commandes/{id}", get(ordering::detail))
        .route("/entrepot/commandes/suggestions", post(ordering::order_suggestions))
        .route("/entrepot/regles", post(ordering::import_rules))
        .route("/entrepot/commandes/{id}/envoi", post(ordering::send))
        .route("/entrepot/commandes/{id}/solde", post(ordering::close))
        .route("/entrepot/commandes/{id}/annulation", post(ordering::cancel))
        .route("/ajustements", get(adjusting::list).post(adjusting::record))
        .route("/mouvements", get(movements::page))
        .route("/mouvements.csv", get(movements::csv))
        .route("/verification", get(verification::page))
        .route("/inventaires", get(counting::list).post(counting::open))
        .route("/inventaires/{id}", get(counting::detail))
        .route("/inventaires/{id}/saisie", post(counting::enter))
        .route("/inventaires/{id}/validation", post(counting::validate))
        .route("/inventaires/{id}/annulation", post(counting::cancel))
        .route("/rapport/demarque", get(adjusting::shrinkage))
        .route("/regles", get(reordering::page).post(reordering::save))
        .route("/regles/import", post(reordering::import))
        .route("/regles/demander", post(reordering::apply_suggestions))
        .route("/regles.csv", get(reordering::csv))
        .route("/produits", get(products::list))
        .route("/produits/nouveau", get(products::new_form).post(products::create))
        .route("/produits/import", post(products::import))
        .route("/produits/{id}", get(products::edit_form).post(products::update))
        .route("/reapprovisionnement", get(replenishment::page))
        .route("/reapprovisionnement/{id}/approuver", post(replenishment::approve))
        .route("/reapprovisionnement/{id}/refuser", post(replenishment::reject))
        .route("/expeditions", get(shipping::page))
        .route("/expeditions/transfert", post(shipping::transfer))
        .route("/expeditions/{id}/expedition", post(shipping::ship))
        .route("/expeditions/{id}/annulation", post(shipping::cancel))
        .route("/expeditions/{id}/reception", post(shipping::receive))
        .route("/journal", get(journal::page))
        .route("/compte", get(account::page))
        .route("/compte/mot-de-passe", post(account::change_password))
        .route("/compte/jetons", post(account::issue_token))
        .route("/compte/jetons/{token}/revocation", post(account::revoke_token))
        .route("/utilisateurs", get(users::list))
        .route("/utilisateurs/nouveau", get(users::new_form).post(users::create))
        .route("/utilisateurs/{id}", get(users::edit_form))
        .route("/utilisateurs/{id}/role", post(users::change_role))
        .route("/utilisateurs/{id}/etat", post(users::change_state))
        .route("/utilisateurs/{id}/mot-de-passe", post(users::set_password))
        .route("/utilisateurs/{id}/jetons/{token}/revocation", post(users::revoke_token))
        .route("/observabilite", get(observability::page))
        .route("/observabilite.json", get(observability::json))
        .route("/static/{file}", get(assets::serve))
        .layer(axum::middleware::from_fn_with_state(state.clone(), post_guard::guard))
}

/// A path segment that should be an id; anything else is "not found", never a 400.
pub fn parse_id(segment: &str) -> Result<i64, layout::UiError> {
    segment
        .parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| layout::UiError::NotFound(strings::current().not_found_text.to_string()))
}

/// The `lieu` value of the warehouse.
pub const WAREHOUSE: &str = "entrepot";

/// A location as the pages name it (`lieu`): a store's id, or `entrepot`.
pub fn location_of(value: &str) -> Option<Location> {
    match value.trim() {
        WAREHOUSE => Some(Location::Warehouse),
        id => id.parse().ok().filter(|id| *id > 0).map(|id| Location::Store(StoreId(id))),
    }
}

/// The `lieu` value of a location.
pub fn value_of(location: Location) -> String {
    match location {
        Location::Warehouse => WAREHOUSE.into(),
        Location::Store(id) => id.0.to_string(),
    }
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

/// The stores, as `(id, name)` choices of a select.
pub async fn store_choices(state: &AppState) -> Result<Vec<(i64, String)>, layout::UiError> {
    Ok(state.services.list_stores().await?.into_iter().map(|s| (s.id.0, s.nom)).collect())
}
