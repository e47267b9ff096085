//! Reads open to anyone, as in the lab — or, when the deployment says so (`--production` without
//! `--public-reads`), only to a signed-in user or a token: revenue is not public by accident.
//! Health, metrics, the API description, static files and the sign-in page stay open.

use crate::AppState;
use crate::auth::Caller;
use crate::ui::session::Visitor;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};

/// Paths anyone may read whatever the setting.
fn always_open(path: &str) -> bool {
    path.starts_with("/health/")
        || path == "/metrics"
        || path.starts_with("/static/")
        || path.starts_with("/swagger")
        || path == "/api/openapi.json"
        || path == crate::ui::post_guard::SIGN_IN_PATH
}

/// Lets a read through when reads are public, the path is always open, or the reader is known:
/// a token on the API, a signed-in session on the pages (others are sent to sign in).
pub async fn guard(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let read = matches!(*request.method(), Method::GET | Method::HEAD);
    if state.public_reads || !read || always_open(request.uri().path()) {
        return next.run(request).await;
    }
    let (mut parts, body) = request.into_parts();
    if parts.uri.path().starts_with("/api/") {
        return match Caller::from_request_parts(&mut parts, &state).await {
            Ok(_) => next.run(Request::from_parts(parts, body)).await,
            Err(refusal) => refusal.into_response(),
        };
    }
    if Visitor::of_request(&mut parts, &state).await.acting.is_some() {
        return next.run(Request::from_parts(parts, body)).await;
    }
    let back = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    let suite = form_urlencoded::byte_serialize(back.as_bytes()).collect::<String>();
    Redirect::to(&format!("{}?suite={suite}", crate::ui::post_guard::SIGN_IN_PATH)).into_response()
}
