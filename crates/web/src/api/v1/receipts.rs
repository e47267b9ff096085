//! Goods received at the warehouse (logistics): record with several lines, list, read.

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
use chrono::{DateTime, Utc};
use magasin_domain::receiving::{Receipt, ReceiptLineRequest, ReceiptQuery, ReceiptRequest};
use magasin_domain::{ProductId, PurchaseOrderId, ReceiptId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReceiptLineInput {
    /// Product id.
    pub produit: i64,
    /// 1 to 1,000,000 units.
    pub quantite: i64,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReceiptInput {
    /// The supplier, 1 to 200 characters.
    pub fournisseur: String,
    /// The delivery note's reference, 1 to 100 characters.
    pub bon_livraison: String,
    /// One to 100 lines; the same product may appear twice.
    pub lignes: Vec<ReceiptLineInput>,
    /// The purchase order this delivery is for, if any (sent or partly received).
    #[serde(default)]
    pub commande: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct ReceiptLineDto {
    pub produit: i64,
    pub produit_nom: String,
    pub quantite: i64,
}

#[derive(Serialize, ToSchema)]
pub struct ReceiptDto {
    pub id: i64,
    pub fournisseur: String,
    pub bon_livraison: String,
    pub date: DateTime<Utc>,
    /// Who recorded it: a user's login, or `service`.
    pub acteur: String,
    pub lignes: Vec<ReceiptLineDto>,
    /// The purchase order it delivered, if any.
    pub commande: Option<i64>,
}

impl From<Receipt> for ReceiptDto {
    fn from(r: Receipt) -> Self {
        ReceiptDto {
            id: r.id.0,
            fournisseur: r.fournisseur,
            bon_livraison: r.bon_livraison,
            date: r.date,
            acteur: r.acteur,
            lignes: r
                .lignes
                .into_iter()
                .map(|l| ReceiptLineDto { produit: l.produit.0, produit_nom: l.produit_nom, quantite: l.quantite })
                .collect(),
            commande: r.commande.map(|o| o.0),
        }
    }
}

pub fn router() -> Router<AppState> {
    let r = route(Router::new(), "/api/v1/warehouse/receipts/", get(list_receipts).post(record_receipt));
    route(r, "/api/v1/warehouse/receipts/{id}/", get(get_receipt))
}

/// Records goods received at the warehouse: every line or none; the warehouse's stock rises
/// and the ledger gets a `reception` row per line, naming the receipt.
///
/// With an `Idempotency-Key` header, sending the same request again records nothing more and
/// answers the same; the replay carries `Idempotent-Replayed: true`.
#[utoipa::path(post, path = "/api/v1/warehouse/receipts/", tag = "warehouse", request_body = ReceiptInput,
    security(("token" = [])),
    params(("Idempotency-Key" = Option<String>, Header, description = "Up to 200 characters; same key + same body = same receipt")),
    responses((status = 201, body = ReceiptDto), (status = 400, description = "Invalid body or fields"),
        (status = 401, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody, description = "Not logistics nor an administrator"),
        (status = 404, body = crate::error::ErrorBody, description = "Unknown product or purchase order"),
        (status = 409, body = crate::error::ErrorBody,
            description = "More than the order's line allows, a product not on the order, an order not waiting for goods, or key reused for another receipt"),
        (status = 413, body = crate::error::ErrorBody)))]
pub async fn record_receipt(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ReqId(request_id): ReqId,
    headers: HeaderMap,
    AppJson(input): AppJson<ReceiptInput>,
) -> Result<Response, ApiError> {
    let key = idempotency_key(&headers)?;
    let request = ReceiptRequest {
        fournisseur: input.fournisseur,
        bon_livraison: input.bon_livraison,
        lignes: input
            .lignes
            .iter()
            .map(|l| ReceiptLineRequest { produit: ProductId(l.produit), quantite: l.quantite })
            .collect(),
        commande: input.commande.map(PurchaseOrderId),
    };
    let recorded = state.services.record_receipt(&actor, request, key, request_id).await?;
    let mut response = (StatusCode::CREATED, Json(ReceiptDto::from(recorded.receipt))).into_response();
    if recorded.replayed {
        response.headers_mut().insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    Ok(response)
}

/// Receipts, newest first, by product and range of days (inclusive, UTC).
#[utoipa::path(get, path = "/api/v1/warehouse/receipts/", tag = "warehouse",
    params(("produit" = Option<i64>, Query, description = "Receipts with a line of this product"),
        ("date_debut" = Option<String>, Query, description = "YYYY-MM-DD, 1900-01-01 to 9999-12-31"),
        ("date_fin" = Option<String>, Query, description = "YYYY-MM-DD, 1900-01-01 to 9999-12-31"),
        ("before" = Option<i64>, Query), ("page_size" = Option<u32>, Query)),
    responses((status = 200, body = CursorPaginated<ReceiptDto>), (status = 400, description = "Invalid filter"),
        (status = 404, body = crate::error::ErrorBody, description = "Unknown product")))]
pub async fn list_receipts(
    State(state): State<AppState>,
    params: Params,
) -> Result<Json<CursorPaginated<ReceiptDto>>, ApiError> {
    let query = ReceiptQuery {
        produit: params.integer("produit")?.map(ProductId),
        from: params.date("date_debut")?,
        to: params.date("date_fin")?,
        cursor: cursor_request(&params)?,
    };
    let page = state.services.list_receipts(&query).await?;
    Ok(Json(cursor(page, &params, ReceiptDto::from)))
}

/// One receipt with its lines.
#[utoipa::path(get, path = "/api/v1/warehouse/receipts/{id}/", tag = "warehouse", params(("id" = i64, Path)),
    responses((status = 200, body = ReceiptDto), (status = 404, body = crate::error::ErrorBody)))]
pub async fn get_receipt(State(state): State<AppState>, Path(id): Path<i64>) -> Result<Json<ReceiptDto>, ApiError> {
    Ok(Json(state.services.get_receipt(ReceiptId(id)).await?.into()))
}
