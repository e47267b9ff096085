//! Signing in — with a login and password, or with the service token as in the lab — and
//! signing out, which ends every session of the user. Failures count against the client's
//! address and the login; past the limit, sign-in answers 429 until the window closes.

use super::forms::{Form, Query};
use super::layout::{Layout, UiError};
use super::post_guard::local_path;
use super::session::{Flash, Holder, Notice, Visitor};
use crate::AppState;
use crate::forwarded::ClientAddress;
use askama::Template;
use axum::Extension;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use magasin_service::throttle::Subject;

#[derive(Template)]
#[template(path = "signin.html")]
struct SignInPage {
    layout: Layout,
    next: String,
}

fn sign_in_page(mut visitor: Visitor, next: &str, status: StatusCode) -> Result<Response, UiError> {
    let t = super::strings::current();
    visitor.offer_sign_in();
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
    let login = form.text("login").map(str::to_lowercase);
    let mut subjects = vec![Subject::Address(client.and_then(|Extension(ClientAddress(ip))| ip))];
    subjects.extend(login.clone().map(Subject::Login));
    if let Err(wait) = state.services.auth_attempt_allowed(&subjects).await {
        visitor.flash = Some(Flash::error((t.too_many_attempts)(wait.as_secs().max(1))));
        let mut response = sign_in_page(visitor, &next, StatusCode::TOO_MANY_REQUESTS)?;
        response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(wait.as_secs().max(1)));
        return Ok(response);
    }
    let holder = match &login {
        // A login and its password: the user, while the account is enabled.
        Some(login) => {
            let user = state.services.check_password(login, &form.raw("mot_de_passe")).await?;
            user.map(|u| Holder::User { id: u.id.0, epoch: u.session_epoch })
        }
        // No login: the service token, as the lab signed in.
        None => state.token.matches(form.raw("token").trim()).then_some(Holder::Service),
    };
    let Some(holder) = holder else {
        state.services.auth_attempt_failed(&subjects, "sign_in").await;
        visitor.flash = Some(Flash::error(if login.is_some() { t.wrong_password } else { t.wrong_token }));
        return sign_in_page(visitor, &next, StatusCode::UNAUTHORIZED);
    };
    visitor.sign_in(holder);
    Ok(visitor.redirect(local_path(&next), Flash::success(t.signed_in)))
}

/// Signs out: a user's sign-out ends every session of theirs, on every instance.
pub async fn sign_out(State(state): State<AppState>, mut visitor: Visitor) -> Result<Response, UiError> {
    if let Some(Holder::User { id, .. }) = visitor.session.as_ref().map(|s| s.holder) {
        state.services.end_sessions(magasin_service::domain::UserId(id)).await?;
    }
    visitor.sign_out();
    Ok(visitor.redirect_with_notice("/", Notice::SignedOut))
}
