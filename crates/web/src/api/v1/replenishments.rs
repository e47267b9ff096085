//! Replenishment requests: stores ask, logistics approves or rejects.

use super::pagination::{CursorPaginated, cursor, cursor_request};
use super::route;
use crate::AppState;
use crate::api::extract::{AppJson, Params, ReqId};
use crate::auth::Caller;
use crate::error::ApiError;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use magasin_domain::replenishment::{ApprovalOutcome, Replenishment, ReplenishmentQuery, ReplenishmentStatus};
use magasin_domain::{ProductId, ReplenishmentId, StoreId, ValidationCode};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplenishmentInput {
    /// Store id.
    pub magasin: i64,
    /// Product id.
    pub produit: i64,
    /// 1 to 1,000,000.
    pub quantite: i64,
}

#[derive(Serialize, ToSchema)]
pub struct ReplenishmentDto {
    pub id: i64,
    pub produit: i64,
    pub produit_nom: String,
    pub magasin: i64,
    pub magasin_nom: String,
    pub quantite: i64,
    pub date: DateTime<Utc>,
    /// `en_attente`, `approuvée` or `refusée`.
    pub statut: String,
    pub date_decision: Option<DateTime<Utc>>,
    /// Why it was refused.
    pub motif: Option<String>,
    /// Who asked: a user's login, `service` (the service token) or `system`.
    pub demandeur: String,
    /// Who decided.
    pub decideur: Option<String>,
}

impl From<Replenishment> for ReplenishmentDto {
    fn from(r: Replenishment) -> Self {
        ReplenishmentDto {
            id: r.id.0,
            produit: r.produit.0,
            produit_nom: r.produit_nom,
            magasin: r.magasin.0,
            magasin_nom: r.magasin_nom,
            quantite: r.quantite,
            date: r.date,
            statut: r.statut.as_str().to_string(),
            date_decision: r.date_decision,
            motif: r.motif,
            demandeur: r.demandeur,
            decideur: r.decideur,
        }
    }
}

pub fn router() -> Router<AppState> {
    let r = route(Router::new(), "/api/v1/replenishments/", get(list_requests).post(create_request));
    let r = route(r, "/api/v1/replenishments/{id}/", get(get_request));
    let r = route(r, "/api/v1/replenishments/{id}/approve/", post(approve_request));
    route(r, "/api/v1/replenishments/{id}/reject/", post(reject_request))
}

/// A store asks the warehouse for goods; the request starts `en_attente`.
#[utoipa::path(post, path = "/api/v1/replenishments/", tag = "replenishment", request_body = ReplenishmentInput,
    security(("token" = [])),
    responses((status = 201, body = ReplenishmentDto), (status = 400, description = "Invalid body or fields"),
        (status = 401, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody, description = "Not allowed to the token's user (role or store)"), (status = 404, body = crate::error::ErrorBody)))]
pub async fn create_request(
    State(state): State<AppState>,
    Caller(actor): Caller,
    AppJson(input): AppJson<ReplenishmentInput>,
) -> Result<(StatusCode, Json<ReplenishmentDto>), ApiError> {
    let created = state
        .services
        .request_replenishment(&actor, StoreId(input.magasin), ProductId(input.produit), input.quantite)
        .await?;
    Ok((StatusCode::CREATED, Json(created.into())))
}

/// Requests, newest first, by status and store.
#[utoipa::path(get, path = "/api/v1/replenishments/", tag = "replenishment",
    params(("statut" = Option<String>, Query, description = "`en_attente`, `approuvée` or `refusée`"), ("magasin" = Option<i64>, Query),
        ("before" = Option<i64>, Query), ("page_size" = Option<u32>, Query)),
    responses((status = 200, body = CursorPaginated<ReplenishmentDto>), (status = 400, description = "Invalid filter")))]
pub async fn list_requests(
    State(state): State<AppState>,
    params: Params,
) -> Result<Json<CursorPaginated<ReplenishmentDto>>, ApiError> {
    let statut = params
        .text("statut")
        .map(|s| {
            ReplenishmentStatus::parse(s).ok_or_else(|| {
                let choices = ReplenishmentStatus::ALL.iter().map(|s| s.as_str().to_string()).collect();
                ApiError::field("statut", ValidationCode::NotAChoice { choices })
            })
        })
        .transpose()?;
    let query = ReplenishmentQuery {
        magasin: params.integer("magasin")?.map(StoreId),
        statut,
        cursor: cursor_request(&params)?,
    };
    let page = state.services.list_replenishments(&query).await?;
    Ok(Json(cursor(page, &params, ReplenishmentDto::from)))
}

/// One request.
#[utoipa::path(get, path = "/api/v1/replenishments/{id}/", tag = "replenishment", params(("id" = i64, Path)),
    responses((status = 200, body = ReplenishmentDto), (status = 404, body = crate::error::ErrorBody)))]
pub async fn get_request(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<ReplenishmentDto>, ApiError> {
    Ok(Json(state.services.get_replenishment(ReplenishmentId(id)).await?.into()))
}

/// Approves a pending request: the quantity moves from the warehouse to the store, exactly once.
/// When the warehouse lacks it, the request becomes `refusée` and the 409 says why.
#[utoipa::path(post, path = "/api/v1/replenishments/{id}/approve/", tag = "replenishment", params(("id" = i64, Path)),
    security(("token" = [])),
    responses((status = 200, body = ReplenishmentDto), (status = 401, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody, description = "Not allowed to the token's user (role or store)"),
        (status = 404, body = crate::error::ErrorBody),
        (status = 409, body = crate::error::ErrorBody, description = "Not pending, or refused for lack of warehouse stock")))]
pub async fn approve_request(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ReqId(request_id): ReqId,
    Path(id): Path<i64>,
) -> Result<Json<ReplenishmentDto>, ApiError> {
    match state.services.approve_replenishment(&actor, ReplenishmentId(id), request_id).await? {
        ApprovalOutcome::Approved(request) => Ok(Json(request.into())),
        ApprovalOutcome::RefusedForLackOfStock { request, .. } => Err(ApiError::Conflict(format!(
            "Request {} was refused: {}",
            request.id,
            request.motif.unwrap_or_default()
        ))),
    }
}

/// Rejects a pending request.
#[utoipa::path(post, path = "/api/v1/replenishments/{id}/reject/", tag = "replenishment", params(("id" = i64, Path)),
    security(("token" = [])),
    responses((status = 200, body = ReplenishmentDto), (status = 401, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody, description = "Not allowed to the token's user (role or store)"),
        (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody, description = "Not pending")))]
pub async fn reject_request(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ReqId(request_id): ReqId,
    Path(id): Path<i64>,
) -> Result<Json<ReplenishmentDto>, ApiError> {
    Ok(Json(state.services.reject_replenishment(&actor, ReplenishmentId(id), request_id).await?.into()))
}
