//! Sales (stores): record with several lines, list, read, cancel.

use super::pagination::{CursorPaginated, cursor, cursor_request};
use super::route;
use crate::AppState;
use crate::api::extract::{AppJson, Params, ReqId};
use crate::auth::Caller;
use crate::error::ApiError;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use magasin_domain::sales::{LineRequest, Payment, PaymentMethod, Sale, SaleLine, SaleQuery, SaleRequest};
use magasin_domain::{Money, ProductId, SaleId, StoreId, ValidationCode, ValidationErrors};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SaleLineInput {
    /// Product id.
    pub produit: i64,
    /// 1 to 1,000,000.
    pub quantite: i64,
}

#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SaleInput {
    /// Store id.
    pub magasin: i64,
    /// One to 100 lines; the same product may appear twice.
    pub lignes: Vec<SaleLineInput>,
    /// How the sale is paid (optional: the lab's body has none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paiement: Option<PaymentInput>,
}

#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PaymentInput {
    /// `especes`, `carte` or `autre`.
    pub mode: String,
    /// Cash only: what the customer handed over, a number or a decimal string, at least the
    /// sale's total (the change is what it gives beyond).
    #[serde(default)]
    #[schema(value_type = Option<String>, example = "20.00")]
    pub montant_remis: Option<serde_json::Value>,
}

#[derive(Serialize, ToSchema)]
pub struct PaymentDto {
    /// `especes`, `carte` or `autre`.
    pub mode: String,
    /// Cash: what was handed over.
    pub montant_remis: Option<String>,
    /// Cash: the change given back.
    pub rendu: Option<String>,
}

/// A payment as the till sent it: fields `paiement.mode`, `paiement.montant_remis`.
fn payment(input: &PaymentInput) -> Result<Payment, ApiError> {
    let mut errors = ValidationErrors::new();
    let mode = PaymentMethod::parse(&input.mode);
    if mode.is_none() {
        errors.add("paiement.mode", PaymentMethod::choices());
    }
    let field = "paiement.montant_remis";
    let text = match &input.montant_remis {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(s)) => Some(s.clone()),
        Some(serde_json::Value::Number(n)) => Some(n.to_string()),
        Some(_) => {
            errors.add(field, ValidationCode::NotANumber);
            None
        }
    };
    let montant_remis = text.and_then(|t| Money::parse_price(&t).map_err(|e| errors.add(field, e.into())).ok());
    let payment = Payment { mode: mode.unwrap_or(PaymentMethod::Cash), montant_remis };
    errors.into_result(payment).map_err(ApiError::Fields)
}

#[derive(Serialize, ToSchema)]
pub struct SaleLineDto {
    pub produit: i64,
    pub produit_nom: String,
    pub quantite: i64,
    /// Price at the moment of sale.
    #[schema(example = "89.99")]
    pub prix_unitaire: String,
    #[schema(example = "179.98")]
    pub montant: String,
}

impl From<SaleLine> for SaleLineDto {
    fn from(l: SaleLine) -> Self {
        SaleLineDto {
            produit: l.produit.0,
            montant: l.amount().to_string(),
            produit_nom: l.produit_nom,
            quantite: l.quantite,
            prix_unitaire: l.prix_unitaire.to_string(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct SaleDto {
    pub id: i64,
    pub magasin: i64,
    pub magasin_nom: String,
    pub date_vente: DateTime<Utc>,
    #[schema(example = "179.98")]
    pub total: String,
    /// `validée` or `annulée`.
    pub statut: String,
    pub date_annulation: Option<DateTime<Utc>>,
    pub lignes: Vec<SaleLineDto>,
    /// Who recorded it: a user's login, `service` (the service token) or `system`.
    pub acteur: String,
    /// Who cancelled it.
    pub annulee_par: Option<String>,
    /// How it was paid, when the till said.
    pub paiement: Option<PaymentDto>,
}

impl From<Sale> for SaleDto {
    fn from(s: Sale) -> Self {
        SaleDto {
            id: s.id.0,
            magasin: s.magasin.0,
            magasin_nom: s.magasin_nom,
            date_vente: s.date_vente,
            total: s.total.to_string(),
            statut: s.statut.as_str().to_string(),
            date_annulation: s.date_annulation,
            lignes: s.lignes.into_iter().map(SaleLineDto::from).collect(),
            acteur: s.acteur,
            annulee_par: s.annulee_par,
            paiement: s.paiement.map(|p| PaymentDto {
                mode: p.mode.as_str().to_string(),
                montant_remis: p.montant_remis.map(|m| m.to_string()),
                rendu: p.rendu.map(|m| m.to_string()),
            }),
        }
    }
}

pub fn router() -> Router<AppState> {
    let r = route(Router::new(), "/api/v1/sales/", get(list_sales).post(record_sale));
    let r = route(r, "/api/v1/sales/{id}/", get(get_sale));
    let r = route(r, "/api/v1/stores/{id}/payments/", get(payment_totals));
    route(r, "/api/v1/sales/{id}/cancel/", post(cancel_sale))
}

#[derive(Serialize, ToSchema)]
pub struct PaymentTotalDto {
    /// `especes`, `carte`, `autre`, or `non_precise` for sales recorded without a payment.
    pub mode: String,
    pub ventes: i64,
    #[schema(example = "1234.50")]
    pub montant: String,
}

/// A store's sales of one day (UTC; today by default) by payment method, cancelled sales left
/// out: what the till should hold for each method.
#[utoipa::path(get, path = "/api/v1/stores/{id}/payments/", tag = "sales",
    params(("id" = i64, Path), ("jour" = Option<String>, Query, description = "YYYY-MM-DD; today by default")),
    responses((status = 200, body = [PaymentTotalDto]), (status = 400, description = "Invalid day"),
        (status = 404, body = crate::error::ErrorBody, description = "Unknown store")))]
pub async fn payment_totals(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    params: Params,
) -> Result<Json<Vec<PaymentTotalDto>>, ApiError> {
    let totals = state.services.payment_totals(StoreId(id), params.date("jour")?).await?;
    Ok(Json(
        totals
            .into_iter()
            .map(|t| PaymentTotalDto {
                mode: t.mode.map_or("non_precise", PaymentMethod::as_str).to_string(),
                ventes: t.ventes,
                montant: t.montant.to_string(),
            })
            .collect(),
    ))
}

/// The `Idempotency-Key` header, trimmed.
pub(crate) fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(value) = headers.get("idempotency-key") else { return Ok(None) };
    let key = value.to_str().map_err(|_| ApiError::field("Idempotency-Key", ValidationCode::NotPrintableAscii))?;
    Ok(Some(key.trim().to_string()))
}

fn sale_request(input: &SaleInput) -> Result<SaleRequest, ApiError> {
    let paiement = input.paiement.as_ref().map(payment).transpose()?;
    Ok(SaleRequest {
        paiement,
        magasin: StoreId(input.magasin),
        lignes: input
            .lignes
            .iter()
            .map(|l| LineRequest { produit: ProductId(l.produit), quantite: l.quantite })
            .collect(),
    })
}

/// Records a sale: all lines or none, stock checked and decremented atomically.
///
/// With an `Idempotency-Key` header, sending the same request again (a till retrying after a
/// timeout) records nothing more and answers the same; the replay carries `Idempotent-Replayed: true`.
#[utoipa::path(post, path = "/api/v1/sales/", tag = "sales", request_body = SaleInput, security(("token" = [])),
    params(("Idempotency-Key" = Option<String>, Header, description = "Up to 200 characters; same key + same body = same sale")),
    responses((status = 201, body = SaleDto), (status = 400, description = "Invalid body or fields"),
        (status = 401, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody, description = "Not allowed to the token's user (role or store)"), (status = 404, body = crate::error::ErrorBody, description = "Unknown store or product"),
        (status = 409, body = crate::error::ErrorBody, description = "Insufficient stock, or key reused for another sale"),
        (status = 413, body = crate::error::ErrorBody)))]
pub async fn record_sale(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ReqId(request_id): ReqId,
    headers: HeaderMap,
    AppJson(input): AppJson<SaleInput>,
) -> Result<Response, ApiError> {
    let key = idempotency_key(&headers)?;
    let request = sale_request(&input)?;
    let recorded = state.services.record_sale(&actor, request, key, request_id).await?;
    let mut response = (StatusCode::CREATED, Json(SaleDto::from(recorded.sale))).into_response();
    if recorded.replayed {
        response.headers_mut().insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    Ok(response)
}

/// Sales, newest first, by store and range of days (inclusive, UTC).
#[utoipa::path(get, path = "/api/v1/sales/", tag = "sales",
    params(("magasin" = Option<i64>, Query), ("date_debut" = Option<String>, Query, description = "YYYY-MM-DD, 1900-01-01 to 9999-12-31"),
        ("date_fin" = Option<String>, Query, description = "YYYY-MM-DD, 1900-01-01 to 9999-12-31"), ("before" = Option<i64>, Query), ("page_size" = Option<u32>, Query)),
    responses((status = 200, body = CursorPaginated<SaleDto>), (status = 400, description = "Invalid filter"), (status = 404, body = crate::error::ErrorBody)))]
pub async fn list_sales(
    State(state): State<AppState>,
    params: Params,
) -> Result<Json<CursorPaginated<SaleDto>>, ApiError> {
    let query = SaleQuery {
        magasin: params.integer("magasin")?.map(StoreId),
        from: params.date("date_debut")?,
        to: params.date("date_fin")?,
        cursor: cursor_request(&params)?,
    };
    let page = state.services.list_sales(&query).await?;
    Ok(Json(cursor(page, &params, SaleDto::from)))
}

/// One sale with its lines.
#[utoipa::path(get, path = "/api/v1/sales/{id}/", tag = "sales", params(("id" = i64, Path)),
    responses((status = 200, body = SaleDto), (status = 404, body = crate::error::ErrorBody)))]
pub async fn get_sale(State(state): State<AppState>, Path(id): Path<i64>) -> Result<Json<SaleDto>, ApiError> {
    Ok(Json(state.services.get_sale(SaleId(id)).await?.into()))
}

/// Cancels a sale once: its stock goes back to the store; a second cancel is a 409.
#[utoipa::path(post, path = "/api/v1/sales/{id}/cancel/", tag = "sales", params(("id" = i64, Path)), security(("token" = [])),
    responses((status = 200, body = SaleDto), (status = 401, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody, description = "Not allowed to the token's user (role or store)"),
        (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn cancel_sale(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ReqId(request_id): ReqId,
    Path(id): Path<i64>,
) -> Result<Json<SaleDto>, ApiError> {
    Ok(Json(state.services.cancel_sale(&actor, SaleId(id), request_id).await?.into()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::{Digest, Sha256};

    /// Keys recorded before the fingerprint moved to the domain still match their retries: the
    /// domain hashes the bytes the API hashed, the body as received serialized by `serde_json`.
    #[test]
    fn the_fingerprint_is_the_one_the_api_always_computed() {
        let line = |produit, quantite| SaleLineInput { produit, quantite };
        let lignes = vec![line(1, 2), line(-4, 1_000_000), line(i64::MAX, i64::MIN)];
        let input = SaleInput { magasin: 3, lignes, paiement: None };
        let body = serde_json::to_vec(&input).expect("serializable");
        let before: String = Sha256::digest(&body).iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(sale_request(&input).expect("valid").fingerprint(), before);
    }
}
