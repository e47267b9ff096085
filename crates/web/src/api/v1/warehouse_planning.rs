//! The warehouse's reordering rules and what it should order: its suggestions, turned into
//! draft purchase orders once a day (logistics, administrators).

use super::purchase_orders::OrderDto;
use super::route;
use super::rules::{RulesInput, RulesSetDto};
use crate::AppState;
use crate::api::extract::{AppJson, ReqId};
use crate::auth::Caller;
use crate::error::ApiError;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use magasin_domain::reordering::{WarehouseRule, WarehouseSuggestion};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct WarehouseRuleDto {
    pub produit: i64,
    pub produit_nom: String,
    pub min: i64,
    pub max: i64,
    pub multiple: i64,
    pub modifiee_le: DateTime<Utc>,
    pub modifiee_par: String,
}

impl From<WarehouseRule> for WarehouseRuleDto {
    fn from(r: WarehouseRule) -> Self {
        WarehouseRuleDto {
            produit: r.produit.0,
            produit_nom: r.produit_nom,
            min: r.min,
            max: r.max,
            multiple: r.multiple,
            modifiee_le: r.modifiee_le,
            modifiee_par: r.modifiee_par,
        }
    }
}

/// A product the warehouse holds and still expects less than its minimum of.
#[derive(Serialize, ToSchema)]
pub struct WarehouseSuggestionDto {
    pub produit: i64,
    pub produit_nom: String,
    /// What the warehouse holds.
    pub disponible: i64,
    /// Still due from sent orders.
    pub attendu: i64,
    pub min: i64,
    pub max: i64,
    pub multiple: i64,
    /// Up to `max` counting `disponible` and `attendu`, rounded up to a whole `multiple`.
    pub a_commander: i64,
}

impl From<WarehouseSuggestion> for WarehouseSuggestionDto {
    fn from(s: WarehouseSuggestion) -> Self {
        WarehouseSuggestionDto {
            produit: s.produit.0,
            produit_nom: s.produit_nom,
            disponible: s.disponible,
            attendu: s.attendu,
            min: s.min,
            max: s.max,
            multiple: s.multiple,
            a_commander: s.a_commander,
        }
    }
}

/// Who the draft orders go to.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderFromSuggestionsInput {
    /// The supplier, 1 to 100 characters.
    pub fournisseur: String,
}

/// What turning the suggestions into orders wrote.
#[derive(Serialize, ToSchema)]
pub struct OrderedDto {
    /// Drafts written now (the others were the day's already).
    pub creees: usize,
    /// The drafts (100 lines at most each), new or of the day.
    pub commandes: Vec<OrderDto>,
}

pub fn router() -> Router<AppState> {
    let r = route(Router::new(), "/api/v1/warehouse/rules/", get(warehouse_rules).put(set_warehouse_rules));
    let r = route(r, "/api/v1/warehouse/suggestions/", get(warehouse_suggestions));
    route(r, "/api/v1/warehouse/suggestions/apply/", post(order_from_suggestions))
}

/// The warehouse's rules, by product.
#[utoipa::path(get, path = "/api/v1/warehouse/rules/", tag = "warehouse",
    responses((status = 200, body = Vec<WarehouseRuleDto>)))]
pub async fn warehouse_rules(State(state): State<AppState>) -> Result<Json<Vec<WarehouseRuleDto>>, ApiError> {
    Ok(Json(state.services.warehouse_rules().await?.into_iter().map(WarehouseRuleDto::from).collect()))
}

/// Sets the warehouse's rules for the products named (its other rules stay), as a store's rules
/// are set; the warehouse only suggests, so `mode` may only be `manuel`.
#[utoipa::path(put, path = "/api/v1/warehouse/rules/", tag = "warehouse", request_body = RulesInput,
    security(("token" = [])),
    responses((status = 200, body = RulesSetDto), (status = 400, description = "Invalid rules (`regles[i].field`)"),
        (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody, description = "Unknown product")))]
pub async fn set_warehouse_rules(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ReqId(request_id): ReqId,
    AppJson(input): AppJson<RulesInput>,
) -> Result<Json<RulesSetDto>, ApiError> {
    let regles = state.services.set_warehouse_rules(&actor, input.into_inputs(), request_id).await?;
    Ok(Json(RulesSetDto { regles }))
}

/// Every product whose warehouse stock and still-due orders are below its rule's minimum, with
/// what to order. One set query.
#[utoipa::path(get, path = "/api/v1/warehouse/suggestions/", tag = "warehouse",
    responses((status = 200, body = Vec<WarehouseSuggestionDto>)))]
pub async fn warehouse_suggestions(
    State(state): State<AppState>,
) -> Result<Json<Vec<WarehouseSuggestionDto>>, ApiError> {
    Ok(Json(state.services.warehouse_suggestions().await?.into_iter().map(WarehouseSuggestionDto::from).collect()))
}

/// Turns the suggestions into draft purchase orders to `fournisseur` (100 lines at most each),
/// once a day: 201 when a draft was written, 200 with the day's drafts (or none) otherwise.
#[utoipa::path(post, path = "/api/v1/warehouse/suggestions/apply/", tag = "warehouse",
    request_body = OrderFromSuggestionsInput, security(("token" = [])),
    responses((status = 201, body = OrderedDto), (status = 200, body = OrderedDto, description = "Nothing new"),
        (status = 400, description = "Invalid supplier"), (status = 401, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody)))]
pub async fn order_from_suggestions(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ReqId(request_id): ReqId,
    AppJson(input): AppJson<OrderFromSuggestionsInput>,
) -> Result<(StatusCode, Json<OrderedDto>), ApiError> {
    let raised = state.services.order_from_suggestions(&actor, &input.fournisseur, request_id).await?;
    let creees = raised.iter().filter(|r| r.created).count();
    let status = if creees > 0 { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, Json(OrderedDto { creees, commandes: raised.into_iter().map(|r| r.order.into()).collect() })))
}
