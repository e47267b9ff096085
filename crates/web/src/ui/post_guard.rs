//! Every form post of the web interface passes here first: it must come from this site, from a
//! signed-in session (except the sign-in form itself), and carry that session's CSRF token (the
//! sign-in form: the token of its form cookie).

use super::layout::UiError;
use super::session::{CSRF_FIELD, Notice, Visitor};
use super::strings::current;
use crate::AppState;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Largest form accepted.
pub const MAX_FORM_BYTES: usize = 64 * 1024;
/// The one form that does not need a signed-in session.
pub const SIGN_IN_PATH: &str = "/connexion";

pub async fn guard(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if request.method() != Method::POST {
        return next.run(request).await;
    }
    let t = current();
    if from_another_site(request.headers()) {
        return UiError::Forbidden(t.csrf_rejected.to_string()).into_response();
    }
    let (mut parts, body) = request.into_parts();
    let visitor = Visitor::of_request(&mut parts, &state).await;
    let signed_in = visitor.acting.is_some();
    if parts.uri.path() != SIGN_IN_PATH && !signed_in {
        let from = came_from(&parts.headers);
        let back =
            format!("{SIGN_IN_PATH}?suite={}", form_urlencoded::byte_serialize(from.as_bytes()).collect::<String>());
        return visitor.redirect_with_notice(&back, Notice::SignInToWrite);
    }
    let Ok(bytes) = axum::body::to_bytes(body, MAX_FORM_BYTES).await else {
        return UiError::TooLarge.into_response();
    };
    let csrf = form_urlencoded::parse(&bytes).find(|(k, _)| k == CSRF_FIELD).map(|(_, v)| v.into_owned());
    let valid = csrf.is_some_and(|token| visitor.csrf_matches(&token));
    if !valid {
        return UiError::Forbidden(t.csrf_rejected.to_string()).into_response();
    }
    next.run(Request::from_parts(parts, Body::from(bytes))).await
}

/// Whether the browser says the form was posted from another site (`Sec-Fetch-Site`): refused
/// before anything else, in addition to the token.
fn from_another_site(headers: &axum::http::HeaderMap) -> bool {
    headers.get("sec-fetch-site").is_some_and(|site| site.as_bytes() == b"cross-site")
}

/// The page the form was on (path and query of the `Referer`), to return to after signing in.
fn came_from(headers: &axum::http::HeaderMap) -> String {
    let referer = headers.get(axum::http::header::REFERER).and_then(|v| v.to_str().ok()).unwrap_or("/");
    let after_scheme = referer.split_once("://").map_or(referer, |(_, rest)| rest);
    let path =
        if referer.contains("://") { after_scheme.find('/').map_or("/", |i| &after_scheme[i..]) } else { referer };
    local_path(path).to_string()
}

/// `path` when it is a path of this site, `/` otherwise: one `/` first, then visible ASCII only.
/// Browsers drop tabs and newlines from a URL (`/<tab>/host` is `//host`) and read `\` as `/`, so
/// either could lead to another site; and a control character cannot go in a `Location` header.
pub fn local_path(path: &str) -> &str {
    let local =
        path.starts_with('/') && !path.starts_with("//") && path.bytes().all(|b| b.is_ascii_graphic() && b != b'\\');
    if local { path } else { "/" }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn returns_only_to_pages_of_this_site() {
        let mut headers = axum::http::HeaderMap::new();
        assert_eq!(came_from(&headers), "/");
        headers.insert("referer", "http://127.0.0.1:8000/ventes/nouvelle?magasin=2".parse().unwrap());
        assert_eq!(came_from(&headers), "/ventes/nouvelle?magasin=2");
        assert_eq!(local_path("//evil.example/x"), "/");
        assert_eq!(local_path("https://evil.example/"), "/");
        assert_eq!(local_path("/produits"), "/produits");
        assert_eq!(local_path("/\t/evil.example"), "/");
        assert_eq!(local_path("/\\evil.example"), "/");
        assert_eq!(local_path("/produits\n"), "/");
        assert_eq!(local_path("/stock?magasin=2&q=caf%C3%A9"), "/stock?magasin=2&q=caf%C3%A9");
    }
}
