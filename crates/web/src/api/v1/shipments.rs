//! Goods in transit: transfers between stores, and every shipment's steps (ship, receive with
//! the missing and damaged units, cancel before shipping).

use super::pagination::{CursorPaginated, cursor, cursor_request};
use super::route;
use super::sales::idempotency_key;
use crate::AppState;
use crate::api::extract::{AppJson, OptionalJson, Params, ReqId};
use crate::auth::Caller;
use crate::error::ApiError;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use magasin_domain::replenishment::RequestLine;
use magasin_domain::shipping::{ReceivedLine, Shipment, ShipmentOutcome, ShipmentQuery, ShipmentStatus};
use magasin_domain::stock::Location;
use magasin_domain::{ProductId, ShipmentId, StoreId, ValidationCode};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransferLineInput {
    /// Product id.
    pub produit: i64,
    /// 1 to 1,000,000 units.
    pub quantite: i64,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransferInput {
    /// The store the goods leave.
    pub origine: i64,
    /// The store they go to.
    pub magasin: i64,
    /// 1 to 5,000 lines, each product once.
    pub lignes: Vec<TransferLineInput>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReceivedLineInput {
    /// A product of the shipment.
    pub produit: i64,
    /// Units that never arrived.
    #[serde(default)]
    pub manquante: i64,
    /// Units that arrived unsellable.
    #[serde(default)]
    pub endommagee: i64,
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct ReceptionInput {
    /// The lines that lacked units; the others arrived in full.
    #[serde(default)]
    pub lignes: Vec<ReceivedLineInput>,
}

#[derive(Serialize, ToSchema)]
pub struct ShipmentLineDto {
    pub ligne: i64,
    pub produit: i64,
    pub produit_nom: String,
    pub quantite: i64,
    /// Once received: units that never arrived.
    pub manquante: Option<i64>,
    /// Once received: units that arrived unsellable.
    pub endommagee: Option<i64>,
    /// Once received: units taken into the store's stock.
    pub recue: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct ShipmentDto {
    pub id: i64,
    /// The store the goods leave; null for the warehouse.
    pub origine: Option<i64>,
    /// The store they go to.
    pub magasin: i64,
    pub magasin_nom: String,
    /// The replenishment request it delivers (from the warehouse).
    pub demande: Option<i64>,
    /// `preparee`, `expediee`, `recue` or `annulee`.
    pub statut: String,
    pub date: DateTime<Utc>,
    /// Who prepared it.
    pub auteur: String,
    pub date_expedition: Option<DateTime<Utc>>,
    pub expediteur: Option<String>,
    pub date_reception: Option<DateTime<Utc>>,
    pub receptionnaire: Option<String>,
    pub date_annulation: Option<DateTime<Utc>>,
    pub annule_par: Option<String>,
    pub lignes: Vec<ShipmentLineDto>,
}

impl From<Shipment> for ShipmentDto {
    fn from(s: Shipment) -> Self {
        ShipmentDto {
            id: s.id.0,
            origine: match s.origine {
                Location::Warehouse => None,
                Location::Store(id) => Some(id.0),
            },
            magasin: s.magasin.0,
            magasin_nom: s.magasin_nom,
            demande: s.demande.map(|d| d.0),
            statut: s.statut.as_str().to_string(),
            date: s.date,
            auteur: s.auteur,
            date_expedition: s.date_expedition,
            expediteur: s.expediteur,
            date_reception: s.date_reception,
            receptionnaire: s.receptionnaire,
            date_annulation: s.date_annulation,
            annule_par: s.annule_par,
            lignes: s
                .lignes
                .into_iter()
                .map(|l| ShipmentLineDto {
                    recue: l.recue(),
                    ligne: l.ligne,
                    produit: l.produit.0,
                    produit_nom: l.produit_nom,
                    quantite: l.quantite,
                    manquante: l.manquante,
                    endommagee: l.endommagee,
                })
                .collect(),
        }
    }
}

/// The shipment, and `Idempotent-Replayed: true` when the call changed nothing.
fn answer(outcome: ShipmentOutcome, created: StatusCode) -> Response {
    let status = if outcome.changed { created } else { StatusCode::OK };
    let mut response = (status, Json(ShipmentDto::from(outcome.shipment))).into_response();
    if !outcome.changed {
        response.headers_mut().insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    response
}

pub fn router() -> Router<AppState> {
    let r = route(Router::new(), "/api/v1/shipments/", get(list_shipments).post(create_transfer));
    let r = route(r, "/api/v1/shipments/{id}/", get(get_shipment));
    let r = route(r, "/api/v1/shipments/{id}/ship/", post(ship));
    let r = route(r, "/api/v1/shipments/{id}/receive/", post(receive));
    route(r, "/api/v1/shipments/{id}/cancel/", post(cancel))
}

/// A transfer: one store sends another goods. They are reserved at the origin now (its sales,
/// adjustments and counts can no longer use them), leave it when shipped and enter the other
/// store's stock when received. With an `Idempotency-Key`, the same request again answers the
/// same transfer (`200`, `Idempotent-Replayed: true`).
#[utoipa::path(post, path = "/api/v1/shipments/", tag = "shipments", request_body = TransferInput,
    security(("token" = [])),
    params(("Idempotency-Key" = Option<String>, Header, description = "Up to 200 characters; same key + same body = same transfer")),
    responses((status = 201, body = ShipmentDto), (status = 200, body = ShipmentDto, description = "Replayed"),
        (status = 400, description = "Invalid body or fields (same store twice, no line, a product twice)"),
        (status = 401, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody, description = "Not a manager of the origin store, nor an administrator"),
        (status = 404, body = crate::error::ErrorBody, description = "Unknown store or product"),
        (status = 409, body = crate::error::ErrorBody, description = "The origin lacks the goods, or the key was used for another transfer"),
        (status = 413, body = crate::error::ErrorBody)))]
pub async fn create_transfer(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ReqId(request_id): ReqId,
    headers: HeaderMap,
    AppJson(input): AppJson<TransferInput>,
) -> Result<Response, ApiError> {
    let key = idempotency_key(&headers)?;
    let lines =
        input.lignes.iter().map(|l| RequestLine { produit: ProductId(l.produit), quantite: l.quantite }).collect();
    let outcome = state
        .services
        .create_transfer(&actor, StoreId(input.origine), StoreId(input.magasin), lines, key, request_id)
        .await?;
    Ok(answer(outcome, StatusCode::CREATED))
}

/// Shipments to or from a store (or all), by status, newest first.
#[utoipa::path(get, path = "/api/v1/shipments/", tag = "shipments",
    params(("magasin" = Option<i64>, Query, description = "Shipments to or from this store"),
        ("statut" = Option<String>, Query, description = "`preparee`, `expediee`, `recue` or `annulee`"),
        ("before" = Option<i64>, Query), ("page_size" = Option<u32>, Query)),
    responses((status = 200, body = CursorPaginated<ShipmentDto>), (status = 400, description = "Invalid filter"),
        (status = 404, body = crate::error::ErrorBody, description = "Unknown store")))]
pub async fn list_shipments(
    State(state): State<AppState>,
    params: Params,
) -> Result<Json<CursorPaginated<ShipmentDto>>, ApiError> {
    let statut = params
        .text("statut")
        .map(|s| {
            ShipmentStatus::parse(s).ok_or_else(|| {
                let choices = ShipmentStatus::ALL.iter().map(|s| s.as_str().to_string()).collect();
                ApiError::field("statut", ValidationCode::NotAChoice { choices })
            })
        })
        .transpose()?;
    let query =
        ShipmentQuery { magasin: params.integer("magasin")?.map(StoreId), statut, cursor: cursor_request(&params)? };
    let page = state.services.list_shipments(&query).await?;
    Ok(Json(cursor(page, &params, ShipmentDto::from)))
}

/// One shipment with its lines.
#[utoipa::path(get, path = "/api/v1/shipments/{id}/", tag = "shipments", params(("id" = i64, Path)),
    responses((status = 200, body = ShipmentDto), (status = 404, body = crate::error::ErrorBody)))]
pub async fn get_shipment(State(state): State<AppState>, Path(id): Path<i64>) -> Result<Json<ShipmentDto>, ApiError> {
    Ok(Json(state.services.get_shipment(ShipmentId(id)).await?.into()))
}

/// Ships a prepared shipment: its goods leave the origin and are in transit to the store. Once
/// shipped, asking again answers the shipment unchanged (`Idempotent-Replayed: true`).
#[utoipa::path(post, path = "/api/v1/shipments/{id}/ship/", tag = "shipments", params(("id" = i64, Path)),
    security(("token" = [])),
    responses((status = 200, body = ShipmentDto), (status = 401, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody, description = "Not logistics (from the warehouse) nor a manager of the origin store"),
        (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody, description = "Cancelled")))]
pub async fn ship(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ReqId(request_id): ReqId,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    Ok(answer(state.services.ship(&actor, ShipmentId(id), request_id).await?, StatusCode::OK))
}

/// The store takes a shipped shipment in: each line's units enter its stock, less those the
/// body names missing or damaged (they leave transit with their own ledger reasons). Without a
/// body, everything arrived. Asking again with the same report answers the shipment unchanged.
#[utoipa::path(post, path = "/api/v1/shipments/{id}/receive/", tag = "shipments", params(("id" = i64, Path)),
    security(("token" = [])), request_body(content = Option<ReceptionInput>, description = "The lines that lacked units"),
    responses((status = 200, body = ShipmentDto), (status = 400, description = "A product not on the shipment, or more units lacking than shipped"),
        (status = 401, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody, description = "Not a manager of the receiving store"),
        (status = 404, body = crate::error::ErrorBody),
        (status = 409, body = crate::error::ErrorBody, description = "Not shipped yet, cancelled, or received already with another report"),
        (status = 413, body = crate::error::ErrorBody)))]
pub async fn receive(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ReqId(request_id): ReqId,
    Path(id): Path<i64>,
    OptionalJson(input): OptionalJson<ReceptionInput>,
) -> Result<Response, ApiError> {
    let report: Vec<ReceivedLine> = input
        .unwrap_or_default()
        .lignes
        .iter()
        .map(|l| ReceivedLine { produit: ProductId(l.produit), manquante: l.manquante, endommagee: l.endommagee })
        .collect();
    let outcome = state.services.receive_shipment(&actor, ShipmentId(id), &report, request_id).await?;
    Ok(answer(outcome, StatusCode::OK))
}

/// Cancels a shipment not shipped yet: its reserve goes back to the origin's stock. Cancelled,
/// asking again answers the shipment unchanged.
#[utoipa::path(post, path = "/api/v1/shipments/{id}/cancel/", tag = "shipments", params(("id" = i64, Path)),
    security(("token" = [])),
    responses((status = 200, body = ShipmentDto), (status = 401, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody, description = "Not logistics (from the warehouse) nor a manager of the origin store"),
        (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody, description = "Shipped already")))]
pub async fn cancel(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ReqId(request_id): ReqId,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    Ok(answer(state.services.cancel_shipment(&actor, ShipmentId(id), request_id).await?, StatusCode::OK))
}
