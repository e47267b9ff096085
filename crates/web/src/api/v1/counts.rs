//! Physical counts (inventaires) of a store or the warehouse: open (a snapshot of every product,
//! or of one category), enter what was counted, validate (variances posted as adjustments) or
//! cancel; list and read with the count report.

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
use magasin_domain::counts::{Count, CountEntry, CountQuery};
use magasin_domain::stock::Location;
use magasin_domain::{CountId, ProductId, StoreId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct OpenCountInput {
    /// Only the products of this category (as the catalogue writes it); every product when absent.
    #[serde(default)]
    pub categorie: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CountEntryInput {
    pub produit: i64,
    /// 0 to 1,000,000 units counted.
    pub compte: i64,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CountEntriesInput {
    /// 1 to 500 lines; entering a product again replaces what was entered.
    pub lignes: Vec<CountEntryInput>,
}

#[derive(Serialize, ToSchema)]
pub struct CountLineDto {
    pub produit: i64,
    pub produit_nom: String,
    /// What the product held when the count opened.
    pub attendu_ouverture: i64,
    /// What it should hold: at opening plus the movements since, up to when the line was
    /// counted (kept as it was at validation).
    pub attendu: i64,
    pub compte: Option<i64>,
    /// Counted minus expected.
    pub ecart: Option<i64>,
    /// Unit price (at validation once validated), decimal string.
    pub prix_unitaire: String,
    /// The variance's value at that price, decimal string.
    pub valeur_ecart: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct CountDto {
    pub id: i64,
    /// Store id, null for the warehouse.
    pub magasin: Option<i64>,
    pub categorie: Option<String>,
    /// `ouvert`, `valide` or `annule`.
    pub statut: String,
    pub ouvert_le: DateTime<Utc>,
    pub ouvert_par: String,
    pub clos_le: Option<DateTime<Utc>>,
    pub clos_par: Option<String>,
    pub lignes_comptees: usize,
    /// The variances' total value, decimal string.
    pub valeur_ecarts: String,
    /// Every line (empty in lists).
    pub lignes: Vec<CountLineDto>,
}

impl From<Count> for CountDto {
    fn from(c: Count) -> Self {
        CountDto {
            id: c.id.0,
            magasin: match c.location {
                Location::Warehouse => None,
                Location::Store(s) => Some(s.0),
            },
            lignes_comptees: c.counted(),
            valeur_ecarts: c.variance_value().to_string(),
            categorie: c.categorie,
            statut: c.statut.as_str().to_string(),
            ouvert_le: c.opened_at,
            ouvert_par: c.opened_by,
            clos_le: c.closed_at,
            clos_par: c.closed_by,
            lignes: c
                .lignes
                .into_iter()
                .map(|l| CountLineDto {
                    valeur_ecart: l.variance_value().map(|v| v.to_string()),
                    produit: l.produit.0,
                    produit_nom: l.produit_nom,
                    attendu_ouverture: l.snapshot,
                    attendu: l.expected,
                    compte: l.counted,
                    ecart: l.variance,
                    prix_unitaire: l.prix_unitaire.to_string(),
                })
                .collect(),
        }
    }
}

pub fn router() -> Router<AppState> {
    let r = route(Router::new(), "/api/v1/stores/{store_id}/counts/", get(store_counts).post(open_store_count));
    let r = route(r, "/api/v1/warehouse/counts/", get(warehouse_counts).post(open_warehouse_count));
    let r = route(r, "/api/v1/counts/{id}/", get(get_count));
    let r = route(r, "/api/v1/counts/{id}/lines/", post(enter_count));
    let r = route(r, "/api/v1/counts/{id}/validate/", post(validate_count));
    route(r, "/api/v1/counts/{id}/cancel/", post(cancel_count))
}

/// Opens a count of a store: a line per product (of the category) with what it holds now. The
/// store's managers and administrators.
#[utoipa::path(post, path = "/api/v1/stores/{store_id}/counts/", tag = "stock", request_body = OpenCountInput,
    security(("token" = [])), params(("store_id" = i64, Path)),
    responses((status = 201, body = CountDto), (status = 400, description = "Invalid body"),
        (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody, description = "Unknown store"),
        (status = 409, body = crate::error::ErrorBody, description = "No product in the category")))]
pub async fn open_store_count(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ReqId(request_id): ReqId,
    Path(store): Path<i64>,
    AppJson(input): AppJson<OpenCountInput>,
) -> Result<(StatusCode, Json<CountDto>), ApiError> {
    let count = state.services.open_count(&actor, Location::Store(StoreId(store)), input.categorie, request_id).await?;
    Ok((StatusCode::CREATED, Json(count.into())))
}

/// Opens a count of the warehouse. Logistics and administrators.
#[utoipa::path(post, path = "/api/v1/warehouse/counts/", tag = "warehouse", request_body = OpenCountInput,
    security(("token" = [])),
    responses((status = 201, body = CountDto), (status = 400, description = "Invalid body"),
        (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody),
        (status = 409, body = crate::error::ErrorBody, description = "No product in the category")))]
pub async fn open_warehouse_count(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ReqId(request_id): ReqId,
    AppJson(input): AppJson<OpenCountInput>,
) -> Result<(StatusCode, Json<CountDto>), ApiError> {
    let count = state.services.open_count(&actor, Location::Warehouse, input.categorie, request_id).await?;
    Ok((StatusCode::CREATED, Json(count.into())))
}

/// Enters counted quantities (the time of entry is kept: movements after it are not variances).
#[utoipa::path(post, path = "/api/v1/counts/{id}/lines/", tag = "stock", request_body = CountEntriesInput,
    security(("token" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = CountDto), (status = 400, description = "Invalid lines"),
        (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody, description = "Unknown count, or a product not on it"),
        (status = 409, body = crate::error::ErrorBody, description = "The count is no longer open")))]
pub async fn enter_count(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ReqId(request_id): ReqId,
    Path(id): Path<i64>,
    AppJson(input): AppJson<CountEntriesInput>,
) -> Result<Json<CountDto>, ApiError> {
    let entries: Vec<CountEntry> =
        input.lignes.iter().map(|l| CountEntry { produit: ProductId(l.produit), compte: l.compte }).collect();
    Ok(Json(state.services.enter_count(&actor, CountId(id), &entries, request_id).await?.into()))
}

/// Validates an open count: each counted line's variance is posted as an `inventaire`
/// adjustment (ledger `ajustement_inventaire`). Once: a second validation is a 409.
#[utoipa::path(post, path = "/api/v1/counts/{id}/validate/", tag = "stock", security(("token" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = CountDto), (status = 401, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody),
        (status = 409, body = crate::error::ErrorBody, description = "Already validated or cancelled")))]
pub async fn validate_count(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ReqId(request_id): ReqId,
    Path(id): Path<i64>,
) -> Result<Json<CountDto>, ApiError> {
    Ok(Json(state.services.close_count(&actor, CountId(id), true, request_id).await?.into()))
}

/// Cancels an open count: nothing is posted.
#[utoipa::path(post, path = "/api/v1/counts/{id}/cancel/", tag = "stock", security(("token" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = CountDto), (status = 401, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody),
        (status = 409, body = crate::error::ErrorBody, description = "Already validated or cancelled")))]
pub async fn cancel_count(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ReqId(request_id): ReqId,
    Path(id): Path<i64>,
) -> Result<Json<CountDto>, ApiError> {
    Ok(Json(state.services.close_count(&actor, CountId(id), false, request_id).await?.into()))
}

/// One count with its lines: the count report (expected, counted, variance, its value).
#[utoipa::path(get, path = "/api/v1/counts/{id}/", tag = "stock", params(("id" = i64, Path)),
    responses((status = 200, body = CountDto), (status = 404, body = crate::error::ErrorBody)))]
pub async fn get_count(State(state): State<AppState>, Path(id): Path<i64>) -> Result<Json<CountDto>, ApiError> {
    Ok(Json(state.services.get_count(CountId(id)).await?.into()))
}

async fn list(state: &AppState, location: Location, params: &Params) -> Result<CursorPaginated<CountDto>, ApiError> {
    let page = state.services.list_counts(&CountQuery { location, cursor: cursor_request(params)? }).await?;
    Ok(cursor(page, params, CountDto::from))
}

/// A store's counts, newest first (without their lines).
#[utoipa::path(get, path = "/api/v1/stores/{store_id}/counts/", tag = "stock",
    params(("store_id" = i64, Path), ("before" = Option<i64>, Query), ("page_size" = Option<u32>, Query)),
    responses((status = 200, body = CursorPaginated<CountDto>), (status = 404, body = crate::error::ErrorBody)))]
pub async fn store_counts(
    State(state): State<AppState>,
    Path(store): Path<i64>,
    params: Params,
) -> Result<Json<CursorPaginated<CountDto>>, ApiError> {
    Ok(Json(list(&state, Location::Store(StoreId(store)), &params).await?))
}

/// The warehouse's counts, newest first (without their lines).
#[utoipa::path(get, path = "/api/v1/warehouse/counts/", tag = "warehouse",
    params(("before" = Option<i64>, Query), ("page_size" = Option<u32>, Query)),
    responses((status = 200, body = CursorPaginated<CountDto>)))]
pub async fn warehouse_counts(
    State(state): State<AppState>,
    params: Params,
) -> Result<Json<CursorPaginated<CountDto>>, ApiError> {
    Ok(Json(list(&state, Location::Warehouse, &params).await?))
}
