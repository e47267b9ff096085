//! What every page shares: the layout (navigation, sign-in state, flash, CSRF token), rendering,
//! and the error pages.

use super::session::{Flash, Visitor};
use super::strings::{Strings, current};
use askama::Template;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use magasin_domain::StorageError;
use magasin_service::ServiceError;
use magasin_service::domain::accounts::{Action, Actor};
use magasin_service::domain::stock::Location;

/// The navigation: where each page lives (the browser test relies on these hrefs).
pub fn navigation(t: &Strings) -> [(&'static str, &'static str); 12] {
    [
        ("/", t.nav_dashboard),
        ("/caisse", t.till.nav),
        ("/ventes", t.nav_sales),
        ("/cloture", t.closing.nav),
        ("/rapport", t.nav_report),
        ("/stock", t.nav_stock),
        ("/entrepot", t.nav_warehouse),
        ("/produits", t.nav_products),
        ("/reapprovisionnement", t.nav_replenishment),
        ("/journal", t.nav_journal),
        ("/utilisateurs", t.accounts.nav_users),
        ("/observabilite", t.nav_observability),
    ]
}

/// The writes a page shows the way to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Offers {
    pub sell: bool,
    pub request: bool,
    pub decide: bool,
    pub edit_catalogue: bool,
    pub read_journal: bool,
    pub manage_users: bool,
    pub receive: bool,
    /// Adjusting stock somewhere: a store of the visitor's, or the warehouse.
    pub adjust: bool,
    /// Closing a store's till.
    pub close: bool,
}

impl Offers {
    fn everything() -> Self {
        Offers {
            sell: true,
            request: true,
            decide: true,
            edit_catalogue: true,
            read_journal: false,
            manage_users: false,
            receive: true,
            adjust: true,
            close: true,
        }
    }

    fn of(actor: &Actor) -> Self {
        Offers {
            sell: actor.may_somewhere(Action::RecordSale),
            request: actor.may_somewhere(Action::RequestReplenishment),
            decide: actor.may(&Action::DecideReplenishment),
            edit_catalogue: actor.may(&Action::EditCatalogue),
            read_journal: actor.may(&Action::ReadAudit),
            manage_users: actor.may(&Action::ManageUsers),
            receive: actor.may(&Action::ReceiveGoods),
            adjust: actor.may(&Action::AdjustStock(Location::Warehouse))
                || actor.may_somewhere(|s| Action::AdjustStock(Location::Store(s))),
            close: actor.may_somewhere(Action::CloseTill),
        }
    }
}

/// The frame around every page.
pub struct Layout {
    pub t: &'static Strings,
    pub title: String,
    /// The navigation entry to highlight.
    pub active: &'static str,
    pub signed_in: bool,
    /// Who is signed in: a login, or `service`.
    pub who: String,
    /// What the page offers to do: everything to a visitor who is not signed in (the forms
    /// lead to the sign-in), what the role allows to one who is (the server refuses the rest).
    pub can: Offers,
    pub csrf: String,
    pub flash: Option<Flash>,
}

impl Layout {
    pub fn nav(&self) -> [(&'static str, &'static str); 12] {
        navigation(self.t)
    }

    /// Whether the navigation shows the entry `href` (a role sees the pages it can use).
    pub fn shows(&self, href: &str) -> bool {
        match href {
            "/caisse" => self.can.sell,
            "/cloture" => self.can.close,
            "/journal" => self.can.read_journal,
            "/utilisateurs" => self.can.manage_users,
            _ => true,
        }
    }

    pub fn is_active(&self, href: &str) -> bool {
        href == self.active
    }

    /// For error pages, rendered without a visitor.
    fn bare(title: &str) -> Self {
        Layout {
            t: current(),
            title: title.to_string(),
            active: "",
            signed_in: false,
            who: String::new(),
            can: Offers::everything(),
            csrf: String::new(),
            flash: None,
        }
    }
}

impl Visitor {
    pub fn layout(&self, title: &str, active: &'static str) -> Layout {
        Layout {
            t: current(),
            title: title.to_string(),
            active,
            signed_in: self.acting.is_some(),
            who: self.acting.as_ref().map(|a| a.name().to_string()).unwrap_or_default(),
            can: self.acting.as_ref().map_or_else(Offers::everything, Offers::of),
            csrf: self.csrf.clone(),
            flash: self.flash.clone(),
        }
    }

    /// Renders `page` with this visitor's cookies.
    pub fn page(self, page: &impl Template) -> Result<Response, UiError> {
        let html = render(page)?;
        Ok(self.respond(html))
    }
}

pub fn render(page: &impl Template) -> Result<Html<String>, UiError> {
    page.render().map(Html).map_err(|e| UiError::Internal(e.to_string()))
}

/// Why a page could not be shown.
#[derive(Debug)]
pub enum UiError {
    NotFound(String),
    BadRequest(String),
    Conflict(String),
    Forbidden(String),
    TooLarge,
    /// The database cannot serve; the reason is logged, never shown.
    Unavailable(String),
    /// Logged, never shown.
    Internal(String),
}

impl From<ServiceError> for UiError {
    fn from(error: ServiceError) -> Self {
        let t = current();
        match error {
            ServiceError::Invalid(errors) | ServiceError::Storage(StorageError::Invalid(errors)) => {
                UiError::BadRequest(errors.0.iter().map(|e| (t.validation)(&e.code)).collect::<Vec<_>>().join(" "))
            }
            ServiceError::Forbidden(_) => UiError::Forbidden(t.forbidden_action.to_string()),
            ServiceError::Storage(StorageError::NotFound { entity, id }) => UiError::NotFound((t.no_such)(entity, id)),
            ServiceError::Storage(StorageError::Conflict(message)) => UiError::Conflict(message),
            ServiceError::Storage(StorageError::InsufficientStock { product_name, requested, available, .. }) => {
                UiError::Conflict((t.insufficient_stock)(&product_name, available, requested))
            }
            ServiceError::Storage(StorageError::DayClosed { store_name, jour, .. }) => {
                UiError::Conflict((t.closing.day_closed)(&store_name, jour))
            }
            ServiceError::Storage(StorageError::Unavailable(reason)) => UiError::Unavailable(reason),
            ServiceError::Storage(StorageError::Other(source)) | ServiceError::Internal(source) => {
                UiError::Internal(source.to_string())
            }
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    layout: Layout,
    message: String,
}

impl IntoResponse for UiError {
    fn into_response(self) -> Response {
        let t = current();
        let (status, title, message) = match self {
            UiError::NotFound(m) => (StatusCode::NOT_FOUND, t.not_found_title, m),
            UiError::BadRequest(m) => (StatusCode::BAD_REQUEST, t.bad_request_title, m),
            UiError::Conflict(m) => (StatusCode::CONFLICT, t.conflict_title, m),
            UiError::Forbidden(m) => (StatusCode::FORBIDDEN, t.forbidden_title, m),
            UiError::TooLarge => (StatusCode::PAYLOAD_TOO_LARGE, t.bad_request_title, t.form_too_large.to_string()),
            UiError::Unavailable(reason) => {
                tracing::warn!(cause = %reason, "page unavailable: the database cannot serve");
                (StatusCode::SERVICE_UNAVAILABLE, t.unavailable_title, t.unavailable_text.into())
            }
            UiError::Internal(cause) => {
                tracing::error!(error = %cause, "page failed");
                (StatusCode::INTERNAL_SERVER_ERROR, t.error_title, t.error_text.to_string())
            }
        };
        let page = ErrorPage { layout: Layout::bare(title), message };
        match page.render() {
            Ok(html) => (status, Html(html)).into_response(),
            Err(e) => {
                tracing::error!(error = %e, "error page failed to render");
                (status, Html(format!("<h1>{}</h1>", status.as_u16()))).into_response()
            }
        }
    }
}

/// Paths that belong to the API keep its JSON error body; every other unknown path gets the
/// 404 page.
pub async fn not_found_fallback(request: Request) -> Response {
    let path = request.uri().path();
    let machine = ["/api/", "/metrics", "/health/", "/swagger"].iter().any(|p| path.starts_with(p));
    if machine { StatusCode::NOT_FOUND.into_response() } else { page_not_found() }
}

pub fn page_not_found() -> Response {
    UiError::NotFound(current().not_found_text.to_string()).into_response()
}
