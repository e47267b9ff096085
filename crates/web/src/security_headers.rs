//! Headers that tell browsers what an answer may do, on every answer (pages, API, errors, assets):
//! no MIME sniffing, the `Referer` kept to this site, and a Content Security Policy that loads
//! nothing from elsewhere, runs no inline script or style and lets no other site frame a page.
//! Swagger UI gets its own policy, which also allows the inline styles and `data:` images its
//! bundle uses. tower-http's `SetResponseHeaderLayer` sets them; a header already set by an inner
//! layer (Swagger UI's policy) is kept.

use axum::http::HeaderValue;
use axum::http::header::{CONTENT_SECURITY_POLICY, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS};
use tower::ServiceBuilder;
use tower::layer::util::{Identity, Stack};
use tower_http::set_header::SetResponseHeaderLayer;

/// The pages and the API: scripts, styles, images and `fetch` from this site only, no inline
/// script or style, forms posted to this site only, framed by nobody.
pub const POLICY: &str = "default-src 'self'; base-uri 'none'; object-src 'none'; form-action 'self'; \
                          frame-ancestors 'none'";

/// Swagger UI (`/swagger/`): the same, plus the inline styles and `data:` images (its icons) that
/// its bundle needs. Its scripts are files of this site, so scripts stay as strict.
pub const SWAGGER_POLICY: &str = "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; \
                                  base-uri 'none'; object-src 'none'; form-action 'self'; frame-ancestors 'none'";

/// The `Referer` goes to this site only (the sign-in returns to the page a form was on).
pub const REFERRER: &str = "same-origin";

type Header = SetResponseHeaderLayer<HeaderValue>;
type Three = Stack<Header, Stack<Header, Stack<Header, Identity>>>;

/// The three headers, each set unless an inner layer already set it.
pub fn layer() -> ServiceBuilder<Three> {
    ServiceBuilder::new()
        .layer(Header::if_not_present(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .layer(Header::if_not_present(REFERRER_POLICY, HeaderValue::from_static(REFERRER)))
        .layer(Header::if_not_present(CONTENT_SECURITY_POLICY, HeaderValue::from_static(POLICY)))
}

/// Swagger UI's policy, for its routes only.
pub fn swagger_policy() -> Header {
    Header::overriding(CONTENT_SECURITY_POLICY, HeaderValue::from_static(SWAGGER_POLICY))
}
