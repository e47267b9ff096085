//! Replenishment requests: stores ask, logistics approves or rejects.

use super::pagination::{CursorPaginated, cursor, cursor_request};
use super::route;
use crate::AppState;
use crate::api::extract::{AppJson, OptionalJson, Params, ReqId};
use crate::auth::Caller;
use crate::error::ApiError;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use magasin_domain::replenishment::{
    ApprovalOutcome, ApprovalTerms, Replenishment, ReplenishmentQuery, ReplenishmentStatus, RequestForm, RequestLine,
};
use magasin_domain::{ProductId, ReplenishmentId, StoreId, ValidationCode};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A request: the lab's one product (`produit` and `quantite`) or `lignes`, not both.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplenishmentInput {
    /// Store id.
    pub magasin: i64,
    /// The lab's one product id (with `quantite`).
    pub produit: Option<i64>,
    /// 1 to 1,000,000 (with `produit`).
    pub quantite: Option<i64>,
    /// 1 to 5,000 lines, each product once.
    pub lignes: Option<Vec<LineInput>>,
}

/// One product and a quantity: asked for (1 to 1,000,000) or, approving, granted (0 to what
/// the line asked).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LineInput {
    pub produit: i64,
    pub quantite: i64,
}

impl From<&LineInput> for RequestLine {
    fn from(line: &LineInput) -> Self {
        RequestLine { produit: ProductId(line.produit), quantite: line.quantite }
    }
}

impl ReplenishmentInput {
    /// The lines asked for, and how their fields are named; a body mixing or missing both forms
    /// is a 400 naming the fields.
    fn lines(&self) -> Result<(Vec<RequestLine>, RequestForm), ApiError> {
        match (&self.lignes, self.produit, self.quantite) {
            (Some(lignes), None, None) => Ok((lignes.iter().map(RequestLine::from).collect(), RequestForm::Lines)),
            (None, Some(produit), Some(quantite)) => {
                Ok((vec![RequestLine { produit: ProductId(produit), quantite }], RequestForm::Lab))
            }
            (Some(_), _, _) => Err(ApiError::field("lignes", ValidationCode::EitherOr { other: "produit".into() })),
            (None, produit, _) => {
                let missing = if produit.is_none() { "produit" } else { "quantite" };
                Err(ApiError::field(missing, ValidationCode::Required))
            }
        }
    }
}

/// How to approve; an empty body (or none) approves the lab's way: every line in full, or the
/// request is refused for lack of warehouse stock.
#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct ApprovalInput {
    /// Lines to grant less than they asked, by product (the others in full).
    #[serde(default)]
    pub lignes: Vec<LineInput>,
    /// Grant each line what the warehouse holds, up to what is granted (default false). With
    /// terms, a shortfall leaves the request pending (409, nothing written).
    #[serde(default)]
    pub selon_stock: bool,
}

/// A line of a request.
#[derive(Serialize, ToSchema)]
pub struct RequestLineDto {
    /// From 1.
    pub ligne: i64,
    pub produit: i64,
    pub produit_nom: String,
    /// Asked for.
    pub quantite: i64,
    /// Granted on approval (null while pending, 0 when refused).
    pub accordee: Option<i64>,
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
    /// `manuelle`, `suggestion` or `automatique`.
    pub origine: String,
    /// Approved with less than asked on some line.
    pub partielle: bool,
    /// Every line; `produit`, `produit_nom` and `quantite` above are the first's.
    pub lignes: Vec<RequestLineDto>,
    /// The shipment that delivers it, when approval reserved the goods (goods in transit).
    pub expedition: Option<i64>,
}

impl From<Replenishment> for ReplenishmentDto {
    fn from(r: Replenishment) -> Self {
        let partielle = r.is_partial();
        ReplenishmentDto {
            partielle,
            expedition: r.expedition.map(|e| e.0),
            origine: r.origine.as_str().to_string(),
            lignes: r
                .lignes
                .into_iter()
                .map(|l| RequestLineDto {
                    ligne: l.ligne,
                    produit: l.produit.0,
                    produit_nom: l.produit_nom,
                    quantite: l.quantite,
                    accordee: l.accordee,
                })
                .collect(),
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
    let r = route(r, "/api/v1/replenishments/suggestions/apply/", post(apply_suggestions));
    route(r, "/api/v1/replenishments/{id}/reject/", post(reject_request))
}

/// A store asks the warehouse for goods, one product (the lab's body) or several (`lignes`);
/// the request starts `en_attente`.
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
    let (lines, form) = input.lines()?;
    let created = state.services.request_replenishment(&actor, StoreId(input.magasin), lines, form).await?;
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

/// Approves a pending request: each line's granted quantity moves from the warehouse to the
/// store, exactly once. Without a body, every line in full: when the warehouse lacks it, the
/// request becomes `refusée` and the 409 says why. With terms (lines granted less, or
/// `selon_stock`), a shortfall is a 409 and the request stays pending.
#[utoipa::path(post, path = "/api/v1/replenishments/{id}/approve/", tag = "replenishment", params(("id" = i64, Path)),
    security(("token" = [])), request_body(content = Option<ApprovalInput>, description = "Optional terms"),
    responses((status = 200, body = ReplenishmentDto), (status = 400, description = "Invalid terms"),
        (status = 401, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody, description = "Not allowed to the token's user (role or store)"),
        (status = 404, body = crate::error::ErrorBody),
        (status = 409, body = crate::error::ErrorBody, description = "Not pending, or refused for lack of warehouse stock")))]
pub async fn approve_request(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ReqId(request_id): ReqId,
    Path(id): Path<i64>,
    OptionalJson(input): OptionalJson<ApprovalInput>,
) -> Result<Json<ReplenishmentDto>, ApiError> {
    let input = input.unwrap_or_default();
    let terms = ApprovalTerms {
        lignes: input.lignes.iter().map(RequestLine::from).collect(),
        what_is_available: input.selon_stock,
        via_transit: false,
    };
    match state.services.approve_replenishment(&actor, ReplenishmentId(id), terms, request_id).await? {
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

/// Which store's suggestions to apply; none (or an empty body): every store's.
#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct ApplyInput {
    pub magasin: Option<i64>,
}

/// What applying the suggestions wrote.
#[derive(Serialize, ToSchema)]
pub struct AppliedDto {
    /// How many requests were written now (the others were the day's already).
    pub creees: usize,
    /// One request per store with something to ask, new or of the day.
    pub demandes: Vec<ReplenishmentDto>,
}

/// Turns today's suggestions into one multi-line request per store (`origine` `suggestion`),
/// once per store and day: applying again the same day returns the day's requests (200).
#[utoipa::path(post, path = "/api/v1/replenishments/suggestions/apply/", tag = "replenishment",
    security(("token" = [])), request_body(content = Option<ApplyInput>, description = "Optional store"),
    responses((status = 201, body = AppliedDto, description = "At least one request written"),
        (status = 200, body = AppliedDto, description = "Nothing new to write"), (status = 400, description = "Invalid body"),
        (status = 401, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody, description = "Not allowed to the token's user (role or store)"),
        (status = 404, body = crate::error::ErrorBody)))]
pub async fn apply_suggestions(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ReqId(request_id): ReqId,
    OptionalJson(input): OptionalJson<ApplyInput>,
) -> Result<(StatusCode, Json<AppliedDto>), ApiError> {
    let store = input.unwrap_or_default().magasin.map(StoreId);
    let raised = state.services.apply_suggestions(&actor, store, request_id).await?;
    let creees = raised.iter().filter(|r| r.created).count();
    let status = if creees > 0 { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, Json(AppliedDto { creees, demandes: raised.into_iter().map(|r| r.request.into()).collect() })))
}
