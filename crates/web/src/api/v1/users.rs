//! Accounts, for administrators: the same as `magasin user …` on the command line.

use super::route;
use crate::AppState;
use crate::api::extract::AppJson;
use crate::auth::Caller;
use crate::error::ApiError;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use magasin_domain::accounts::{Action, NewUser, Role, StoreScope, User};
use magasin_domain::{StoreId, UserId, ValidationCode};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct UserDto {
    pub id: i64,
    pub login: String,
    pub nom: String,
    /// `caissier`, `gerant`, `logistique`, `siege` or `admin`.
    pub role: String,
    /// The stores the user acts for; null: every store.
    pub magasins: Option<Vec<i64>>,
    pub desactive: bool,
    pub cree_le: DateTime<Utc>,
}

impl From<User> for UserDto {
    fn from(u: User) -> Self {
        let magasins = match u.stores {
            StoreScope::All => None,
            StoreScope::Only(stores) => Some(stores.into_iter().map(|s| s.0).collect()),
        };
        UserDto {
            id: u.id.0,
            login: u.login,
            nom: u.display_name,
            role: u.role.as_str().into(),
            magasins,
            desactive: u.disabled,
            cree_le: u.created_at,
        }
    }
}

/// A new account. Without `magasins`, the user acts for every store.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUserInput {
    pub login: String,
    pub nom: Option<String>,
    pub role: String,
    pub magasins: Option<Vec<i64>>,
    /// 12 to 256 characters; kept as an Argon2id hash, never returned.
    pub mot_de_passe: String,
}

/// What changes; what is absent stays. `role` and `magasins` go together.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserChangeInput {
    pub desactive: Option<bool>,
    pub mot_de_passe: Option<String>,
    pub role: Option<String>,
    pub magasins: Option<Vec<i64>>,
}

fn role(text: &str) -> Result<Role, ApiError> {
    text.parse().map_err(|code| ApiError::field("role", code))
}

fn scope(stores: Option<Vec<i64>>) -> StoreScope {
    stores.map_or(StoreScope::All, |ids| StoreScope::Only(ids.into_iter().map(StoreId).collect()))
}

pub fn router() -> Router<AppState> {
    let r = route(Router::new(), "/api/v1/users/", get(list_users).post(create_user));
    route(r, "/api/v1/users/{id}/", get(get_user).patch(change_user))
}

/// Every account (administrators).
#[utoipa::path(get, path = "/api/v1/users/", tag = "users", security(("token" = [])),
    responses((status = 200, body = Vec<UserDto>), (status = 401, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody)))]
pub async fn list_users(State(state): State<AppState>, Caller(actor): Caller) -> Result<Json<Vec<UserDto>>, ApiError> {
    Ok(Json(state.services.list_users(&actor).await?.into_iter().map(UserDto::from).collect()))
}

/// Makes an account (administrators).
#[utoipa::path(post, path = "/api/v1/users/", tag = "users", request_body = NewUserInput, security(("token" = [])),
    responses((status = 201, body = UserDto), (status = 400, description = "Invalid fields"),
        (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody, description = "Unknown store"),
        (status = 409, body = crate::error::ErrorBody, description = "Login taken")))]
pub async fn create_user(
    State(state): State<AppState>,
    Caller(actor): Caller,
    AppJson(input): AppJson<NewUserInput>,
) -> Result<(StatusCode, Json<UserDto>), ApiError> {
    state.services.authorize(&actor, Action::ManageUsers)?;
    let name = input.nom.clone().unwrap_or_else(|| input.login.clone());
    let user =
        NewUser::parse(&input.login, &name, role(&input.role)?, scope(input.magasins)).map_err(ApiError::Fields)?;
    let created = state.services.create_user(&actor, &user, &input.mot_de_passe).await?;
    Ok((StatusCode::CREATED, Json(created.into())))
}

/// One account (administrators).
#[utoipa::path(get, path = "/api/v1/users/{id}/", tag = "users", params(("id" = i64, Path)), security(("token" = [])),
    responses((status = 200, body = UserDto), (status = 401, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn get_user(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<i64>,
) -> Result<Json<UserDto>, ApiError> {
    Ok(Json(state.services.user(&actor, UserId(id)).await?.into()))
}

/// Disables or enables an account, sets its password, gives it another role and stores
/// (administrators); any of them ends the account's sessions.
#[utoipa::path(patch, path = "/api/v1/users/{id}/", tag = "users", params(("id" = i64, Path)), request_body = UserChangeInput,
    security(("token" = [])),
    responses((status = 200, body = UserDto), (status = 400, description = "Invalid fields"),
        (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody)))]
pub async fn change_user(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<i64>,
    AppJson(input): AppJson<UserChangeInput>,
) -> Result<Json<UserDto>, ApiError> {
    state.services.authorize(&actor, Action::ManageUsers)?;
    let new_role = match (input.role.as_deref(), input.magasins) {
        (Some(r), stores) => Some((role(r)?, scope(stores))),
        (None, Some(_)) => return Err(ApiError::field("role", ValidationCode::Required)),
        (None, None) => None,
    };
    let changed = state
        .services
        .change_user(&actor, UserId(id), input.desactive, input.mot_de_passe.as_deref(), new_role)
        .await?;
    Ok(Json(changed.into()))
}
