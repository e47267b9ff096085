//! Returns (stores): goods of a sale a customer brings back, and their credit notes.

use super::route;
use super::sales::idempotency_key;
use crate::AppState;
use crate::api::extract::{AppJson, ReqId};
use crate::auth::Caller;
use crate::error::ApiError;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use magasin_domain::returns::{ReturnLine, ReturnLineRequest, ReturnRequest, SaleReturn};
use magasin_domain::{ReturnId, SaleId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReturnLineInput {
    /// The sale's line, numbered from 1 in the order the sale lists them.
    pub ligne: i64,
    /// 1 to 1,000,000 units; over all returns, a line gives back at most what it sold.
    pub quantite: i64,
    /// `revendable` (back into the store's stock) or `abime` (damaged: refunded, not restocked).
    pub etat: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReturnInput {
    /// One to 100 lines; a line of the sale may come twice (some units resellable, some not).
    pub lignes: Vec<ReturnLineInput>,
    /// Optional, up to 500 characters.
    #[serde(default)]
    pub note: String,
}

#[derive(Serialize, ToSchema)]
pub struct ReturnLineDto {
    pub ligne: i64,
    pub produit: i64,
    pub produit_nom: String,
    pub quantite: i64,
    pub etat: String,
    /// The unit price paid on the sale.
    #[schema(example = "89.99")]
    pub prix_unitaire: String,
    /// What the line refunds.
    #[schema(example = "89.99")]
    pub montant: String,
}

impl From<ReturnLine> for ReturnLineDto {
    fn from(l: ReturnLine) -> Self {
        ReturnLineDto {
            ligne: l.ligne,
            produit: l.produit.0,
            montant: l.amount().to_string(),
            produit_nom: l.produit_nom,
            quantite: l.quantite,
            etat: l.etat.as_str().to_string(),
            prix_unitaire: l.prix_unitaire.to_string(),
        }
    }
}

/// A return: its credit note.
#[derive(Serialize, ToSchema)]
pub struct ReturnDto {
    pub id: i64,
    pub vente: i64,
    pub magasin: i64,
    pub magasin_nom: String,
    pub date: DateTime<Utc>,
    /// What is refunded.
    #[schema(example = "89.99")]
    pub montant: String,
    pub note: String,
    /// Who recorded it: a user's login, or `service`.
    pub acteur: String,
    pub lignes: Vec<ReturnLineDto>,
}

impl From<SaleReturn> for ReturnDto {
    fn from(r: SaleReturn) -> Self {
        ReturnDto {
            id: r.id.0,
            vente: r.vente.0,
            magasin: r.magasin.0,
            magasin_nom: r.magasin_nom,
            date: r.date,
            montant: r.montant.to_string(),
            note: r.note,
            acteur: r.acteur,
            lignes: r.lignes.into_iter().map(ReturnLineDto::from).collect(),
        }
    }
}

pub fn router() -> Router<AppState> {
    let r = route(Router::new(), "/api/v1/sales/{id}/returns/", get(sale_returns).post(record_return));
    route(r, "/api/v1/returns/{id}/", get(get_return))
}

/// Takes goods of a sale back: resellable units return to the store's stock (a `retour` ledger
/// row each), damaged ones are only recorded; the refund is the unit price paid. The report and
/// the dashboard count it on the day it is made.
///
/// With an `Idempotency-Key` header, sending the same request again records nothing more and
/// answers the same; the replay carries `Idempotent-Replayed: true`.
#[utoipa::path(post, path = "/api/v1/sales/{id}/returns/", tag = "sales", request_body = ReturnInput,
    params(("id" = i64, Path), ("Idempotency-Key" = Option<String>, Header, description = "Up to 200 characters; same key + same body = same return")),
    security(("token" = [])),
    responses((status = 201, body = ReturnDto), (status = 400, description = "Invalid body or fields"),
        (status = 401, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody, description = "Not allowed to the token's user (role or store)"),
        (status = 404, body = crate::error::ErrorBody, description = "Unknown sale, or a line the sale does not have"),
        (status = 409, body = crate::error::ErrorBody,
            description = "More than the line sold, a cancelled sale, past the return window, or key reused for another return"),
        (status = 413, body = crate::error::ErrorBody)))]
pub async fn record_return(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ReqId(request_id): ReqId,
    headers: HeaderMap,
    Path(id): Path<i64>,
    AppJson(input): AppJson<ReturnInput>,
) -> Result<Response, ApiError> {
    let key = idempotency_key(&headers)?;
    let request = ReturnRequest {
        vente: SaleId(id),
        lignes: input
            .lignes
            .into_iter()
            .map(|l| ReturnLineRequest { ligne: l.ligne, quantite: l.quantite, etat: l.etat })
            .collect(),
        note: input.note,
    };
    let recorded = state.services.record_return(&actor, request, key, request_id).await?;
    let mut response = (StatusCode::CREATED, Json(ReturnDto::from(recorded.retour))).into_response();
    if recorded.replayed {
        response.headers_mut().insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    Ok(response)
}

/// A sale's returns, oldest first (a sale takes at most 100).
#[utoipa::path(get, path = "/api/v1/sales/{id}/returns/", tag = "sales", params(("id" = i64, Path)),
    responses((status = 200, body = [ReturnDto]), (status = 404, body = crate::error::ErrorBody)))]
pub async fn sale_returns(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<Vec<ReturnDto>>, ApiError> {
    let returns = state.services.sale_returns(SaleId(id)).await?;
    Ok(Json(returns.into_iter().map(ReturnDto::from).collect()))
}

/// One return with its lines: the credit note.
#[utoipa::path(get, path = "/api/v1/returns/{id}/", tag = "sales", params(("id" = i64, Path)),
    responses((status = 200, body = ReturnDto), (status = 404, body = crate::error::ErrorBody)))]
pub async fn get_return(State(state): State<AppState>, Path(id): Path<i64>) -> Result<Json<ReturnDto>, ApiError> {
    Ok(Json(state.services.get_return(ReturnId(id)).await?.into()))
}
