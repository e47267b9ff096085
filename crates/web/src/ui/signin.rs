//! Signing in with the API token (writes need it), and signing out.

use super::forms::{Form, Query};
use super::layout::{Layout, UiError};
use super::post_guard::local_path;
use super::session::{Flash, Visitor};
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

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
    mut visitor: Visitor,
    Form(form): Form,
) -> Result<Response, UiError> {
    let t = super::strings::current();
    let next = form.text("suite").unwrap_or("/").to_string();
    let token = form.raw("token");
    if !state.token.matches(token.trim()) {
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
