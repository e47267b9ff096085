//! `/utilisateurs`: the accounts, for administrators — the same as `magasin user …` and
//! `/api/v1/users/`: list, create, change role and stores, disable or enable, set a password,
//! revoke a user's tokens. Every change of role, password or state ends the account's sessions.

use super::account::{TokenRow, UserView, private};
use super::forms::{FieldErrors, Fields, Form};
use super::layout::{Layout, UiError};
use super::session::{Flash, Visitor};
use super::strings::current;
use super::{parse_id, store_choices};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use magasin_domain::accounts::{Action, NewUser, Role, StoreScope, User};
use magasin_domain::{ApiTokenId, FieldError, StorageError, StoreId, UserId, ValidationCode, ValidationErrors};
use magasin_service::ServiceError;
use std::collections::BTreeSet;

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage {
    layout: Layout,
    users: Vec<UserView>,
}

pub async fn list(State(state): State<AppState>, visitor: Visitor) -> Result<Response, UiError> {
    let actor = visitor.actor()?;
    let users = state.services.list_users(&actor).await?;
    let stores = store_choices(&state).await?;
    let page = UsersPage {
        layout: visitor.layout(current().accounts.users_title, "/utilisateurs"),
        users: users.iter().map(|u| UserView::of(u, &stores)).collect(),
    };
    Ok(private(visitor.page(&page)?))
}

/// The role and stores of a form, as typed: `role` and every checked `magasins`.
pub struct RoleChoice {
    pub role: String,
    pub stores: BTreeSet<i64>,
}

impl RoleChoice {
    fn typed(fields: &Fields) -> Self {
        let stores = fields.pairs().iter().filter(|(k, _)| k == "magasins").filter_map(|(_, v)| v.parse().ok());
        RoleChoice { role: fields.raw("role"), stores: stores.collect() }
    }

    fn of(user: &User) -> Self {
        let stores = match &user.stores {
            StoreScope::All => BTreeSet::new(),
            StoreScope::Only(ids) => ids.iter().map(|s| s.0).collect(),
        };
        RoleChoice { role: user.role.as_str().to_string(), stores }
    }

    /// The role, or the field's message; the stores checked (the chain's roles ignore them and
    /// act for every store; a cashier or a manager needs at least one).
    fn read(&self, errors: &mut FieldErrors) -> Option<(Role, StoreScope)> {
        let role = self.role.parse::<Role>().map(Some).map_err(|code| FieldError { field: "role".into(), code });
        let role = errors.check(role)?;
        Some((role, StoreScope::Only(self.stores.iter().copied().map(StoreId).collect())))
    }

    pub fn checked(&self, store: &i64) -> bool {
        self.stores.contains(store)
    }
}

/// The choices of the role select: `(code, label)`.
fn roles() -> Vec<(&'static str, &'static str)> {
    Role::ALL.iter().map(|r| (r.as_str(), (current().accounts.role_label)(*r))).collect()
}

#[derive(Template)]
#[template(path = "user_new.html")]
struct NewUserPage {
    layout: Layout,
    roles: Vec<(&'static str, &'static str)>,
    stores: Vec<(i64, String)>,
    login: String,
    name: String,
    choice: RoleChoice,
    errors: FieldErrors,
}

impl NewUserPage {
    /// The inputs in order: name, label, value, type, autocomplete (a password is never shown again).
    fn inputs(&self) -> [(&'static str, &'static str, &str, &'static str, &'static str); 3] {
        let t = current();
        [
            ("login", t.login_label, self.login.as_str(), "text", "off"),
            ("nom", t.accounts.display_name, self.name.as_str(), "text", "off"),
            ("mot_de_passe", t.accounts.new_password, "", "password", "new-password"),
        ]
    }
}

async fn new_user_page(
    state: &AppState,
    visitor: Visitor,
    fields: &Fields,
    errors: FieldErrors,
    status: StatusCode,
) -> Result<Response, UiError> {
    let page = NewUserPage {
        layout: visitor.layout(current().accounts.new_user, "/utilisateurs"),
        roles: roles(),
        stores: store_choices(state).await?,
        login: fields.raw("login"),
        name: fields.raw("nom"),
        choice: RoleChoice::typed(fields),
        errors,
    };
    let mut response = visitor.page(&page)?;
    *response.status_mut() = status;
    Ok(private(response))
}

pub async fn new_form(State(state): State<AppState>, visitor: Visitor) -> Result<Response, UiError> {
    state.services.authorize(&visitor.actor()?, Action::ManageUsers)?;
    new_user_page(&state, visitor, &Fields::default(), FieldErrors::default(), StatusCode::OK).await
}

/// A login someone else has already, said next to the field.
fn taken(errors: &mut FieldErrors) {
    errors.add("login", current().accounts.login_taken);
}

pub async fn create(State(state): State<AppState>, visitor: Visitor, Form(fields): Form) -> Result<Response, UiError> {
    let actor = visitor.actor()?;
    state.services.authorize(&actor, Action::ManageUsers)?;
    let mut errors = FieldErrors::default();
    let choice = RoleChoice::typed(&fields).read(&mut errors);
    let login = fields.raw("login");
    let name = fields.text("nom").map_or_else(|| login.trim().to_lowercase(), str::to_string);
    let parsed = choice.map(|(role, stores)| NewUser::parse(&login, &name, role, stores));
    let created = match parsed {
        Some(Ok(user)) if errors.is_empty() => {
            Some(state.services.create_user(&actor, &user, &fields.raw("mot_de_passe")).await)
        }
        Some(Err(invalid)) => {
            errors = merged(errors, &invalid);
            None
        }
        _ => None,
    };
    match created {
        Some(Ok(user)) => {
            let to = format!("/utilisateurs/{}", user.id.0);
            Ok(visitor.redirect(&to, Flash::success((current().accounts.user_created)(&user.login))))
        }
        Some(Err(ServiceError::Invalid(invalid))) => {
            new_user_page(&state, visitor, &fields, merged(errors, &invalid), StatusCode::BAD_REQUEST).await
        }
        Some(Err(ServiceError::Storage(StorageError::Conflict(_)))) => {
            taken(&mut errors);
            new_user_page(&state, visitor, &fields, errors, StatusCode::CONFLICT).await
        }
        Some(Err(other)) => Err(other.into()),
        None => new_user_page(&state, visitor, &fields, errors, StatusCode::BAD_REQUEST).await,
    }
}

fn merged(mut errors: FieldErrors, more: &ValidationErrors) -> FieldErrors {
    for e in &more.0 {
        errors.add_code(&e.field, &e.code);
    }
    errors
}

#[derive(Template)]
#[template(path = "user_edit.html")]
struct UserPage {
    layout: Layout,
    user: UserView,
    roles: Vec<(&'static str, &'static str)>,
    stores: Vec<(i64, String)>,
    choice: RoleChoice,
    tokens: Vec<TokenRow>,
    tokens_action: String,
    errors: FieldErrors,
}

async fn user_page(
    state: &AppState,
    visitor: Visitor,
    id: UserId,
    choice: Option<RoleChoice>,
    errors: FieldErrors,
    status: StatusCode,
) -> Result<Response, UiError> {
    let actor = visitor.actor()?;
    let user = state.services.user(&actor, id).await?;
    let tokens = state.services.list_api_tokens(&actor, id).await?;
    let stores = store_choices(state).await?;
    let page = UserPage {
        layout: visitor.layout(&user.login, "/utilisateurs"),
        user: UserView::of(&user, &stores),
        roles: roles(),
        choice: choice.unwrap_or_else(|| RoleChoice::of(&user)),
        stores,
        tokens: tokens.into_iter().map(TokenRow::of).collect(),
        tokens_action: format!("/utilisateurs/{}/jetons", id.0),
        errors,
    };
    let mut response = visitor.page(&page)?;
    *response.status_mut() = status;
    Ok(private(response))
}

pub async fn edit_form(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Result<Response, UiError> {
    let id = UserId(parse_id(&id)?);
    user_page(&state, visitor, id, None, FieldErrors::default(), StatusCode::OK).await
}

/// Changed: back to the account's page with a flash. Invalid: the page again, with the message.
async fn after_change(
    state: &AppState,
    visitor: Visitor,
    id: UserId,
    choice: Option<RoleChoice>,
    changed: Result<User, ServiceError>,
) -> Result<Response, UiError> {
    match changed {
        Ok(user) => {
            let to = format!("/utilisateurs/{}", id.0);
            Ok(visitor.redirect(&to, Flash::success((current().accounts.user_changed)(&user.login))))
        }
        Err(ServiceError::Invalid(invalid)) => {
            let errors = FieldErrors::from_service(&invalid);
            user_page(state, visitor, id, choice, errors, StatusCode::BAD_REQUEST).await
        }
        Err(ServiceError::Storage(StorageError::Conflict(_))) => {
            let to = format!("/utilisateurs/{}", id.0);
            Ok(visitor.redirect(&to, Flash::error(current().accounts.last_administrator.to_string())))
        }
        Err(other) => Err(other.into()),
    }
}

pub async fn change_role(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
    Form(fields): Form,
) -> Result<Response, UiError> {
    let id = UserId(parse_id(&id)?);
    let actor = visitor.actor()?;
    let choice = RoleChoice::typed(&fields);
    let mut errors = FieldErrors::default();
    let Some((role, stores)) = choice.read(&mut errors) else {
        return user_page(&state, visitor, id, Some(choice), errors, StatusCode::BAD_REQUEST).await;
    };
    let changed = state.services.set_user_role(&actor, id, role, stores).await;
    after_change(&state, visitor, id, Some(choice), changed).await
}

pub async fn change_state(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
    Form(fields): Form,
) -> Result<Response, UiError> {
    let id = UserId(parse_id(&id)?);
    let actor = visitor.actor()?;
    let disabled = match fields.raw("desactive").as_str() {
        "1" => true,
        "0" => false,
        _ => {
            let code = ValidationCode::NotAChoice { choices: vec!["0".into(), "1".into()] };
            return Err(ServiceError::Invalid(ValidationErrors::single("desactive", code)).into());
        }
    };
    let changed = state.services.set_user_disabled(&actor, id, disabled).await;
    after_change(&state, visitor, id, None, changed).await
}

pub async fn set_password(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
    Form(fields): Form,
) -> Result<Response, UiError> {
    let id = UserId(parse_id(&id)?);
    let actor = visitor.actor()?;
    let changed = state.services.set_user_password(&actor, id, &fields.raw("mot_de_passe")).await;
    after_change(&state, visitor, id, None, changed).await
}

pub async fn revoke_token(
    State(state): State<AppState>,
    visitor: Visitor,
    Path((id, token)): Path<(String, String)>,
) -> Result<Response, UiError> {
    let id = UserId(parse_id(&id)?);
    let actor = visitor.actor()?;
    let revoked = state.services.revoke_api_token(&actor, id, ApiTokenId(parse_id(&token)?)).await?;
    let to = format!("/utilisateurs/{}", id.0);
    Ok(visitor.redirect(&to, Flash::success((current().accounts.token_revoked)(&revoked.name))))
}
