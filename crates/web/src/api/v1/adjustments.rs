//! Stock adjustments at a store (its manager) or the warehouse (logistics), their lists, and
//! the shrinkage report (adjustments added up per reason).

use super::pagination::{CursorPaginated, cursor, cursor_request};
use super::route;
use super::sales::idempotency_key;
use crate::AppState;
use crate::api::extract::{AppJson, Params, ReqId};
use crate::auth::Caller;
use crate::error::ApiError;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono::{DateTime, NaiveDate, Utc};
use magasin_domain::adjustments::{
    Adjustment, AdjustmentQuery, AdjustmentReason, AdjustmentRequest, Shrinkage, ShrinkageLine, ShrinkageQuery,
};
use magasin_domain::stock::Location;
use magasin_domain::{ProductId, StoreId, ValidationCode};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdjustmentInput {
    /// Product id.
    pub produit: i64,
    /// Signed change, -1,000,000 to 1,000,000, not 0: negative when units leave the stock.
    #[schema(example = -2)]
    pub quantite: i64,
    /// `casse`, `vol`, `peremption`, `erreur_saisie`, `echantillon` or `autre`.
    #[schema(example = "casse")]
    pub motif: String,
    /// Up to 500 characters; required for `autre`.
    #[serde(default)]
    pub note: String,
}

#[derive(Serialize, ToSchema)]
pub struct AdjustmentDto {
    pub id: i64,
    /// Store id, null for the warehouse.
    pub magasin: Option<i64>,
    pub produit: i64,
    pub produit_nom: String,
    pub quantite: i64,
    /// Quantity after the adjustment.
    pub solde: i64,
    pub motif: String,
    pub note: String,
    /// The product's price when the adjustment was made, decimal string.
    #[schema(example = "12.50")]
    pub prix_unitaire: String,
    pub date: DateTime<Utc>,
    /// Who made it: a user's login, or `service`.
    pub acteur: String,
}

impl From<Adjustment> for AdjustmentDto {
    fn from(a: Adjustment) -> Self {
        AdjustmentDto {
            id: a.id.0,
            magasin: match a.location {
                Location::Warehouse => None,
                Location::Store(s) => Some(s.0),
            },
            produit: a.produit.0,
            produit_nom: a.produit_nom,
            quantite: a.quantite,
            solde: a.solde,
            motif: a.motif.to_string(),
            note: a.note,
            prix_unitaire: a.prix_unitaire.to_string(),
            date: a.date,
            acteur: a.acteur,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ShrinkageLineDto {
    /// The reason; `total` on the total line.
    pub motif: String,
    pub ajustements: i64,
    /// Units taken out of stock.
    pub unites_sorties: i64,
    /// Units put back.
    pub unites_entrees: i64,
    /// Out minus in.
    pub unites_nettes: i64,
    /// Value of the units taken out at the price of the moment, decimal string.
    pub valeur_sorties: String,
    pub valeur_entrees: String,
    pub valeur_nette: String,
}

impl ShrinkageLineDto {
    fn new(motif: String, l: &ShrinkageLine) -> Self {
        ShrinkageLineDto {
            motif,
            ajustements: l.adjustments,
            unites_sorties: l.units_out,
            unites_entrees: l.units_in,
            unites_nettes: l.net_units(),
            valeur_sorties: l.value_out.to_string(),
            valeur_entrees: l.value_in.to_string(),
            valeur_nette: l.net_value().to_string(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ShrinkageDto {
    /// One line per reason, every reason listed.
    pub motifs: Vec<ShrinkageLineDto>,
    /// Every reason but `erreur_saisie` (a correction, not goods lost).
    pub total: ShrinkageLineDto,
}

impl From<Shrinkage> for ShrinkageDto {
    fn from(s: Shrinkage) -> Self {
        ShrinkageDto {
            total: ShrinkageLineDto::new("total".into(), &s.total()),
            motifs: s.lines.iter().map(|l| ShrinkageLineDto::new(l.motif.to_string(), l)).collect(),
        }
    }
}

pub fn router() -> Router<AppState> {
    let r = route(Router::new(), "/api/v1/stores/{store_id}/adjustments/", get(store_adjustments).post(adjust_store));
    let r = route(r, "/api/v1/warehouse/adjustments/", get(warehouse_adjustments).post(adjust_warehouse));
    route(r, "/api/v1/reports/shrinkage/", get(shrinkage))
}

async fn record(
    state: &AppState,
    actor: &magasin_domain::accounts::Actor,
    location: Location,
    request_id: Option<String>,
    headers: &HeaderMap,
    input: AdjustmentInput,
) -> Result<Response, ApiError> {
    let key = idempotency_key(headers)?;
    let request = AdjustmentRequest {
        location,
        produit: ProductId(input.produit),
        quantite: input.quantite,
        motif: input.motif,
        note: input.note,
    };
    let recorded = state.services.record_adjustment(actor, request, key, request_id).await?;
    let mut response = (StatusCode::CREATED, Json(AdjustmentDto::from(recorded.adjustment))).into_response();
    if recorded.replayed {
        response.headers_mut().insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    Ok(response)
}

/// Corrects one product's quantity in a store: the stock changes (never below zero: `409`) and
/// the ledger gets an `ajustement_<motif>` row naming the adjustment. The store's managers and
/// administrators. `Idempotency-Key` as on sales.
#[utoipa::path(post, path = "/api/v1/stores/{store_id}/adjustments/", tag = "stock", request_body = AdjustmentInput,
    security(("token" = [])),
    params(("store_id" = i64, Path),
        ("Idempotency-Key" = Option<String>, Header, description = "Up to 200 characters; same key + same body = same adjustment")),
    responses((status = 201, body = AdjustmentDto), (status = 400, description = "Invalid body or fields"),
        (status = 401, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody, description = "Not a manager of this store nor an administrator"),
        (status = 404, body = crate::error::ErrorBody, description = "Unknown store or product"),
        (status = 409, body = crate::error::ErrorBody, description = "Below zero, or key reused for another adjustment"),
        (status = 413, body = crate::error::ErrorBody)))]
pub async fn adjust_store(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ReqId(request_id): ReqId,
    Path(store): Path<i64>,
    headers: HeaderMap,
    AppJson(input): AppJson<AdjustmentInput>,
) -> Result<Response, ApiError> {
    record(&state, &actor, Location::Store(StoreId(store)), request_id, &headers, input).await
}

/// Corrects one product's quantity at the warehouse, as for a store. Logistics and administrators.
#[utoipa::path(post, path = "/api/v1/warehouse/adjustments/", tag = "warehouse", request_body = AdjustmentInput,
    security(("token" = [])),
    params(("Idempotency-Key" = Option<String>, Header, description = "Up to 200 characters; same key + same body = same adjustment")),
    responses((status = 201, body = AdjustmentDto), (status = 400, description = "Invalid body or fields"),
        (status = 401, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody, description = "Not logistics nor an administrator"),
        (status = 404, body = crate::error::ErrorBody, description = "Unknown product"),
        (status = 409, body = crate::error::ErrorBody, description = "Below zero, or key reused for another adjustment"),
        (status = 413, body = crate::error::ErrorBody)))]
pub async fn adjust_warehouse(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ReqId(request_id): ReqId,
    headers: HeaderMap,
    AppJson(input): AppJson<AdjustmentInput>,
) -> Result<Response, ApiError> {
    record(&state, &actor, Location::Warehouse, request_id, &headers, input).await
}

fn motif(params: &Params) -> Result<Option<AdjustmentReason>, ApiError> {
    params.text("motif").map(str::parse).transpose().map_err(|code| ApiError::field("motif", code))
}

async fn list(
    state: &AppState,
    location: Location,
    params: &Params,
) -> Result<CursorPaginated<AdjustmentDto>, ApiError> {
    let query = AdjustmentQuery {
        location,
        produit: params.integer("produit")?.map(ProductId),
        motif: motif(params)?,
        from: params.date("date_debut")?,
        to: params.date("date_fin")?,
        cursor: cursor_request(params)?,
    };
    let page = state.services.list_adjustments(&query).await?;
    Ok(cursor(page, params, AdjustmentDto::from))
}

/// A store's adjustments, newest first, by product, reason and range of days (inclusive, UTC).
#[utoipa::path(get, path = "/api/v1/stores/{store_id}/adjustments/", tag = "stock",
    params(("store_id" = i64, Path), ("produit" = Option<i64>, Query), ("motif" = Option<String>, Query),
        ("date_debut" = Option<String>, Query, description = "YYYY-MM-DD"), ("date_fin" = Option<String>, Query, description = "YYYY-MM-DD"),
        ("before" = Option<i64>, Query, description = "Cursor from a `next` link"), ("page_size" = Option<u32>, Query)),
    responses((status = 200, body = CursorPaginated<AdjustmentDto>), (status = 400, description = "Invalid filter"),
        (status = 404, body = crate::error::ErrorBody, description = "Unknown store or product")))]
pub async fn store_adjustments(
    State(state): State<AppState>,
    Path(store): Path<i64>,
    params: Params,
) -> Result<Json<CursorPaginated<AdjustmentDto>>, ApiError> {
    Ok(Json(list(&state, Location::Store(StoreId(store)), &params).await?))
}

/// The warehouse's adjustments, newest first, with the same filters.
#[utoipa::path(get, path = "/api/v1/warehouse/adjustments/", tag = "warehouse",
    params(("produit" = Option<i64>, Query), ("motif" = Option<String>, Query), ("date_debut" = Option<String>, Query),
        ("date_fin" = Option<String>, Query), ("before" = Option<i64>, Query), ("page_size" = Option<u32>, Query)),
    responses((status = 200, body = CursorPaginated<AdjustmentDto>), (status = 400, description = "Invalid filter"),
        (status = 404, body = crate::error::ErrorBody, description = "Unknown product")))]
pub async fn warehouse_adjustments(
    State(state): State<AppState>,
    params: Params,
) -> Result<Json<CursorPaginated<AdjustmentDto>>, ApiError> {
    Ok(Json(list(&state, Location::Warehouse, &params).await?))
}

/// `magasin`: a store id, `entrepot` for the warehouse, absent for every location.
pub(crate) fn shrinkage_query(params: &Params) -> Result<ShrinkageQuery, ApiError> {
    let location = match params.text("magasin") {
        None => None,
        Some("entrepot") => Some(Location::Warehouse),
        Some(id) => Some(Location::Store(StoreId(id.parse().map_err(|_| {
            ApiError::field("magasin", ValidationCode::NotAChoice { choices: vec!["<id>".into(), "entrepot".into()] })
        })?))),
    };
    let from: Option<NaiveDate> = params.date("date_debut")?;
    Ok(ShrinkageQuery { location, from, to: params.date("date_fin")? })
}

/// Shrinkage (démarque): adjustments added up per reason, units and value at the price of the
/// moment, with a total of the goods lost (every reason but `erreur_saisie`).
#[utoipa::path(get, path = "/api/v1/reports/shrinkage/", tag = "reporting",
    params(("magasin" = Option<String>, Query, description = "A store id, or `entrepot`; every location when absent"),
        ("date_debut" = Option<String>, Query, description = "First day included, YYYY-MM-DD (UTC)"),
        ("date_fin" = Option<String>, Query, description = "Last day included, YYYY-MM-DD (UTC)")),
    responses((status = 200, body = ShrinkageDto), (status = 400, description = "Invalid filter"),
        (status = 404, body = crate::error::ErrorBody, description = "Unknown store")))]
pub async fn shrinkage(State(state): State<AppState>, params: Params) -> Result<Json<ShrinkageDto>, ApiError> {
    Ok(Json(state.services.shrinkage(&shrinkage_query(&params)?).await?.into()))
}
