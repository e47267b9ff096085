//! Signing in with the API token (writes need it), and signing out. Wrong tokens count against
//! the client's address like the API's; past the limit, sign-in answers 429 until the window closes.

use super::forms::{Form, Query};
use super::layout::{Layout, UiError};
use super::post_guard::local_path;
use super::session::{Flash, Visitor};
use crate::AppState;
use crate::forwarded::ClientAddress;
use askama::Template;
use axum::Extension;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use magasin_service::throttle::Subject;

#[derive(Template)]
#[template(path = "signin.html")]
struct SignInPage {
    layout: Layout,
    next: String,
}

fn sign_in_page(visitor: Visitor, next: &str, status: StatusCode) -> Result<Response, UiError> {
    let t = super::strings::current();
    let page = SignInPage { layout: visitor.layout(t.sign_in_title, ""), next: local_path(next).to_string() };
    let mut response = visitor.page(&page)?;
    *response.status_mut() = status;
    Ok(response)
}

pub async fn form(visitor: Visitor, Query(query): Query) -> Result<Response, UiError> {
    sign_in_page(visitor, query.text("suite").unwrap_or("/"), StatusCode::OK)
}

pub async fn submit(
    State(state): State<AppState>,
    client: Option<Extension<ClientAddress>>,
    mut visitor: Visitor,
    Form(form): Form,
) -> Result<Response, UiError> {
    let t = super::strings::current();
    let next = form.text("suite").unwrap_or("/").to_string();
    let subjects = [Subject::Address(client.and_then(|Extension(ClientAddress(ip))| ip))];
    if let Err(wait) = state.services.auth_attempt_allowed(&subjects).await {
        visitor.flash = Some(Flash::error((t.too_many_attempts)(wait.as_secs().max(1))));
        let mut response = sign_in_page(visitor, &next, StatusCode::TOO_MANY_REQUESTS)?;
        response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(wait.as_secs().max(1)));
        return Ok(response);
    }
    let token = form.raw("token");
    if !state.token.matches(token.trim()) {
        state.services.auth_attempt_failed(&subjects, "sign_in").await;
        visitor.flash = Some(Flash::error(t.wrong_token));
        return sign_in_page(visitor, &next, StatusCode::UNAUTHORIZED);
    }
    visitor.restart_session(true);
    Ok(visitor.redirect(local_path(&next), Flash::success(t.signed_in)))
}

pub async fn sign_out(mut visitor: Visitor) -> impl IntoResponse {
    visitor.restart_session(false);
    visitor.redirect("/", Flash::success(super::strings::current().signed_out))
}
