//! `/compte`: my account — who I am, my password (changed by proving the current one, which
//! ends my other sessions), and my personal API tokens (made and shown once, listed with their
//! last use, revoked). Changing a password counts wrong current passwords like failed sign-ins.

use super::forms::{FieldErrors, Form};
use super::layout::{Layout, UiError};
use super::session::{Flash, Holder, Notice, Visitor};
use super::strings::current;
use super::{parse_id, store_choices};
use crate::AppState;
use crate::forwarded::ClientAddress;
use askama::Template;
use axum::Extension;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use magasin_domain::accounts::{Actor, ApiTokenInfo, StoreScope, User};
use magasin_domain::{ApiTokenId, ValidationCode};
use magasin_service::ServiceError;
use magasin_service::throttle::Subject;

/// A personal token as the pages list it.
pub struct TokenRow {
    pub id: i64,
    pub name: String,
    pub created: String,
    pub last_used: String,
    /// When it was revoked; `None` while it works.
    pub revoked: Option<String>,
}

impl TokenRow {
    pub fn of(info: ApiTokenInfo) -> Self {
        let t = current();
        let day = |d: chrono::DateTime<chrono::Utc>| d.format(t.datetime_format).to_string();
        TokenRow {
            id: info.id.0,
            name: info.name,
            created: day(info.created_at),
            last_used: info.last_used_at.map_or_else(|| t.accounts.never.to_string(), day),
            revoked: info.revoked_at.map(day),
        }
    }
}

/// An account as the pages show it.
pub struct UserView {
    pub id: i64,
    pub login: String,
    pub name: String,
    pub role: &'static str,
    pub stores: String,
    pub disabled: bool,
    pub created: String,
}

impl UserView {
    /// `user`, its stores named from `stores` (`(id, name)`).
    pub fn of(user: &User, stores: &[(i64, String)]) -> Self {
        let t = current();
        let named = match &user.stores {
            StoreScope::All => t.accounts.every_store.to_string(),
            StoreScope::Only(ids) => ids
                .iter()
                .map(|id| stores.iter().find(|(s, _)| *s == id.0).map_or_else(|| id.0.to_string(), |(_, n)| n.clone()))
                .collect::<Vec<_>>()
                .join(", "),
        };
        UserView {
            id: user.id.0,
            login: user.login.clone(),
            name: user.display_name.clone(),
            role: (t.accounts.role_label)(user.role),
            stores: named,
            disabled: user.disabled,
            created: user.created_at.format(t.day_format).to_string(),
        }
    }
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    layout: Layout,
    /// `None` for the service token, which has no account.
    user: Option<UserView>,
    tokens: Vec<TokenRow>,
    errors: FieldErrors,
    token_name: String,
    /// A token just made: its secret, shown this once.
    issued: Option<String>,
    tokens_action: &'static str,
}

impl AccountPage {
    /// The inputs of the password form: name, label, autocomplete.
    fn password_inputs(&self) -> [(&'static str, &'static str, &'static str); 3] {
        let t = &current().accounts;
        [
            ("mot_de_passe_actuel", t.current_password, "current-password"),
            ("mot_de_passe", t.new_password, "new-password"),
            ("confirmation", t.confirm_password, "new-password"),
        ]
    }
}

/// What a page about an account answers: never kept by a browser or a proxy (it may show a
/// token's secret).
pub fn private(mut response: Response) -> Response {
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// Not signed in: to the sign-in page, then back here.
fn to_sign_in(visitor: Visitor) -> Response {
    visitor.redirect_with_notice("/connexion?suite=%2Fcompte", Notice::SignInToWrite)
}

/// The user behind `actor`: the service token has none, and cannot use these forms.
fn me(actor: &Actor) -> Result<magasin_domain::UserId, UiError> {
    match actor {
        Actor::User(me) => Ok(me.id),
        Actor::Service => Err(UiError::Forbidden(current().accounts.service_has_no_account.to_string())),
    }
}

async fn account_page(
    state: &AppState,
    visitor: Visitor,
    actor: &Actor,
    errors: FieldErrors,
    token_name: String,
    issued: Option<String>,
    status: StatusCode,
) -> Result<Response, UiError> {
    let t = current();
    let (user, tokens) = match state.services.own_account(actor).await? {
        Some(user) => {
            let tokens = state.services.list_api_tokens(actor, user.id).await?;
            let stores = store_choices(state).await?;
            (Some(UserView::of(&user, &stores)), tokens.into_iter().map(TokenRow::of).collect())
        }
        None => (None, Vec::new()),
    };
    let layout = visitor.layout(t.accounts.my_account, "/compte");
    let tokens_action = "/compte/jetons";
    let page = AccountPage { layout, user, tokens, errors, token_name, issued, tokens_action };
    let mut response = visitor.page(&page)?;
    *response.status_mut() = status;
    Ok(private(response))
}

pub async fn page(State(state): State<AppState>, visitor: Visitor) -> Result<Response, UiError> {
    let Some(actor) = visitor.acting.clone() else { return Ok(to_sign_in(visitor)) };
    account_page(&state, visitor, &actor, FieldErrors::default(), String::new(), None, StatusCode::OK).await
}

/// Changes my password: the current one must be right (wrong ones count as failed sign-ins), the
/// new one typed twice. My other sessions end; this one goes on under the new epoch.
pub async fn change_password(
    State(state): State<AppState>,
    client: Option<Extension<ClientAddress>>,
    mut visitor: Visitor,
    Form(form): Form,
) -> Result<Response, UiError> {
    let t = current();
    let actor = visitor.actor()?;
    me(&actor)?;
    let mut subjects = vec![Subject::Address(client.and_then(|Extension(ClientAddress(ip))| ip))];
    subjects.push(Subject::Login(actor.name().to_string()));
    if let Err(wait) = state.services.auth_attempt_allowed(&subjects).await {
        visitor.flash = Some(Flash::error((t.too_many_attempts)(wait.as_secs().max(1))));
        let mut response = account_page(
            &state,
            visitor,
            &actor,
            FieldErrors::default(),
            String::new(),
            None,
            StatusCode::TOO_MANY_REQUESTS,
        )
        .await?;
        response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(wait.as_secs().max(1)));
        return Ok(response);
    }
    let (new, confirmation) = (form.raw("mot_de_passe"), form.raw("confirmation"));
    let outcome = if new != confirmation {
        let mut errors = FieldErrors::default();
        errors.add_code("confirmation", &ValidationCode::PasswordsDiffer);
        Err(errors)
    } else {
        match state.services.change_own_password(&actor, &form.raw("mot_de_passe_actuel"), &new).await {
            Ok(user) => Ok(user),
            Err(ServiceError::Invalid(errors)) => {
                if errors.0.iter().any(|e| e.code == ValidationCode::WrongPassword) {
                    state.services.auth_attempt_failed(&subjects, "password_change").await;
                }
                Err(FieldErrors::from_service(&errors))
            }
            Err(other) => return Err(other.into()),
        }
    };
    match outcome {
        Ok(user) => {
            visitor.sign_in(Holder::User { id: user.id.0, epoch: user.session_epoch });
            Ok(visitor.redirect("/compte", Flash::success(t.accounts.password_changed)))
        }
        Err(errors) => {
            account_page(&state, visitor, &actor, errors, String::new(), None, StatusCode::BAD_REQUEST).await
        }
    }
}

/// Makes a personal token; the page shows its secret this once.
pub async fn issue_token(
    State(state): State<AppState>,
    visitor: Visitor,
    Form(form): Form,
) -> Result<Response, UiError> {
    let actor = visitor.actor()?;
    let id = me(&actor)?;
    let name = form.raw("nom");
    match state.services.issue_api_token(&actor, id, &name).await {
        Ok(issued) => {
            let secret = Some(issued.secret);
            account_page(&state, visitor, &actor, FieldErrors::default(), String::new(), secret, StatusCode::CREATED)
                .await
        }
        Err(ServiceError::Invalid(errors)) => {
            let errors = FieldErrors::from_service(&errors);
            account_page(&state, visitor, &actor, errors, name, None, StatusCode::BAD_REQUEST).await
        }
        Err(other) => Err(other.into()),
    }
}

pub async fn revoke_token(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(token): Path<String>,
) -> Result<Response, UiError> {
    let actor = visitor.actor()?;
    let id = me(&actor)?;
    let revoked = state.services.revoke_api_token(&actor, id, ApiTokenId(parse_id(&token)?)).await?;
    Ok(visitor.redirect("/compte", Flash::success((current().accounts.token_revoked)(&revoked.name))))
}
