//! Purchase orders (logistics): draft, send, receive against them (a receipt naming the order),
//! close the remainder, cancel while nothing was received.

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
use magasin_domain::purchasing::{OrderChange, OrderLineRequest, OrderQuery, OrderRequest, OrderStatus, PurchaseOrder};
use magasin_domain::{ProductId, PurchaseOrderId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderLineInput {
    /// Product id, once per order.
    pub produit: i64,
    /// 1 to 1,000,000 units.
    pub quantite: i64,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderInput {
    /// The supplier, 1 to 200 characters.
    pub fournisseur: String,
    /// One to 100 lines, each product once.
    pub lignes: Vec<OrderLineInput>,
    /// Percent more than ordered a line may receive, 0 to 100 (default 0).
    #[serde(default)]
    pub tolerance: i64,
}

#[derive(Serialize, ToSchema)]
pub struct OrderLineDto {
    pub produit: i64,
    pub produit_nom: String,
    pub commandee: i64,
    pub recue: i64,
    /// Still due (0 once received in full).
    pub restante: i64,
}

#[derive(Serialize, ToSchema)]
pub struct OrderDto {
    pub id: i64,
    pub fournisseur: String,
    /// `brouillon`, `envoyee`, `partiellement_recue`, `recue`, `soldee` or `annulee`.
    pub statut: String,
    pub tolerance: i64,
    pub date: DateTime<Utc>,
    /// Who created it.
    pub acteur: String,
    /// Its last change (sent, received, closed, cancelled) and who made it.
    pub modifiee_le: Option<DateTime<Utc>>,
    pub modifiee_par: Option<String>,
    pub lignes: Vec<OrderLineDto>,
}

impl From<PurchaseOrder> for OrderDto {
    fn from(o: PurchaseOrder) -> Self {
        OrderDto {
            id: o.id.0,
            fournisseur: o.fournisseur,
            statut: o.statut.as_str().to_string(),
            tolerance: o.tolerance_pct,
            date: o.date,
            acteur: o.acteur,
            modifiee_le: o.modifiee_le,
            modifiee_par: o.modifiee_par,
            lignes: o
                .lignes
                .into_iter()
                .map(|l| OrderLineDto {
                    produit: l.produit.0,
                    restante: l.remaining(),
                    produit_nom: l.produit_nom,
                    commandee: l.commandee,
                    recue: l.recue,
                })
                .collect(),
        }
    }
}

const ORDERS: &str = "/api/v1/warehouse/purchase-orders/";

pub fn router() -> Router<AppState> {
    let r = route(Router::new(), ORDERS, get(list_orders).post(create_order));
    let r = route(r, "/api/v1/warehouse/purchase-orders/{id}/", get(get_order));
    let r = route(r, "/api/v1/warehouse/purchase-orders/{id}/send/", post(send_order));
    let r = route(r, "/api/v1/warehouse/purchase-orders/{id}/close/", post(close_order));
    route(r, "/api/v1/warehouse/purchase-orders/{id}/cancel/", post(cancel_order))
}

/// Creates a draft purchase order (logistics and administrators).
#[utoipa::path(post, path = "/api/v1/warehouse/purchase-orders/", tag = "warehouse", request_body = OrderInput,
    security(("token" = [])),
    responses((status = 201, body = OrderDto), (status = 400, description = "Invalid body or fields"),
        (status = 401, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody, description = "Not logistics nor an administrator"),
        (status = 404, body = crate::error::ErrorBody, description = "Unknown product"),
        (status = 413, body = crate::error::ErrorBody)))]
pub async fn create_order(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ReqId(request_id): ReqId,
    AppJson(input): AppJson<OrderInput>,
) -> Result<(StatusCode, Json<OrderDto>), ApiError> {
    let request = OrderRequest {
        fournisseur: input.fournisseur,
        lignes: input
            .lignes
            .iter()
            .map(|l| OrderLineRequest { produit: ProductId(l.produit), quantite: l.quantite })
            .collect(),
        tolerance_pct: input.tolerance,
    };
    let order = state.services.create_purchase_order(&actor, request, request_id).await?;
    Ok((StatusCode::CREATED, Json(order.into())))
}

/// Purchase orders, newest first, by status.
#[utoipa::path(get, path = "/api/v1/warehouse/purchase-orders/", tag = "warehouse",
    params(("statut" = Option<String>, Query, description = "`brouillon`, `envoyee`, `partiellement_recue`, `recue`, `soldee` or `annulee`"),
        ("before" = Option<i64>, Query), ("page_size" = Option<u32>, Query)),
    responses((status = 200, body = CursorPaginated<OrderDto>), (status = 400, description = "Invalid filter")))]
pub async fn list_orders(
    State(state): State<AppState>,
    params: Params,
) -> Result<Json<CursorPaginated<OrderDto>>, ApiError> {
    let statut =
        params.text("statut").map(OrderStatus::parse).transpose().map_err(|code| ApiError::field("statut", code))?;
    let query = OrderQuery { statut, cursor: cursor_request(&params)? };
    let page = state.services.list_purchase_orders(&query).await?;
    Ok(Json(cursor(page, &params, OrderDto::from)))
}

/// One purchase order: each line ordered, received and still due.
#[utoipa::path(get, path = "/api/v1/warehouse/purchase-orders/{id}/", tag = "warehouse", params(("id" = i64, Path)),
    responses((status = 200, body = OrderDto), (status = 404, body = crate::error::ErrorBody)))]
pub async fn get_order(State(state): State<AppState>, Path(id): Path<i64>) -> Result<Json<OrderDto>, ApiError> {
    Ok(Json(state.services.get_purchase_order(PurchaseOrderId(id)).await?.into()))
}

async fn change(
    state: &AppState,
    actor: &magasin_domain::accounts::Actor,
    id: i64,
    change: OrderChange,
    request_id: Option<String>,
) -> Result<Json<OrderDto>, ApiError> {
    let order = state.services.change_purchase_order(actor, PurchaseOrderId(id), change, request_id).await?;
    Ok(Json(order.into()))
}

/// Sends a draft to its supplier: goods can now be received against it. Once.
#[utoipa::path(post, path = "/api/v1/warehouse/purchase-orders/{id}/send/", tag = "warehouse", params(("id" = i64, Path)),
    security(("token" = [])),
    responses((status = 200, body = OrderDto), (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody, description = "Not a draft")))]
pub async fn send_order(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ReqId(request_id): ReqId,
    Path(id): Path<i64>,
) -> Result<Json<OrderDto>, ApiError> {
    change(&state, &actor, id, OrderChange::Send, request_id).await
}

/// Closes an order waiting for goods: what is left will not come (`soldee`).
#[utoipa::path(post, path = "/api/v1/warehouse/purchase-orders/{id}/close/", tag = "warehouse", params(("id" = i64, Path)),
    security(("token" = [])),
    responses((status = 200, body = OrderDto), (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody, description = "Not waiting for goods")))]
pub async fn close_order(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ReqId(request_id): ReqId,
    Path(id): Path<i64>,
) -> Result<Json<OrderDto>, ApiError> {
    change(&state, &actor, id, OrderChange::Close, request_id).await
}

/// Cancels a draft, or a sent order nothing was received against.
#[utoipa::path(post, path = "/api/v1/warehouse/purchase-orders/{id}/cancel/", tag = "warehouse", params(("id" = i64, Path)),
    security(("token" = [])),
    responses((status = 200, body = OrderDto), (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody, description = "Goods were received, or already closed")))]
pub async fn cancel_order(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ReqId(request_id): ReqId,
    Path(id): Path<i64>,
) -> Result<Json<OrderDto>, ApiError> {
    change(&state, &actor, id, OrderChange::Cancel, request_id).await
}
