//! The till's search: `GET /api/v1/stores/{id}/till-search/?q=` — a scanned barcode, a SKU or
//! part of a name, answered with what the store can sell of each product found.

use super::route;
use crate::AppState;
use crate::api::extract::Params;
use crate::error::ApiError;
use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use magasin_domain::StoreId;
use magasin_domain::till::TillItem;
use serde::Serialize;
use utoipa::ToSchema;

pub fn router() -> Router<AppState> {
    route(Router::new(), "/api/v1/stores/{id}/till-search/", get(till_search))
}

#[derive(Serialize, ToSchema)]
pub struct TillItemDto {
    pub id: i64,
    pub nom: String,
    #[schema(example = "12.50")]
    pub prix: String,
    pub sku: Option<String>,
    pub code_barres: Option<String>,
    /// What the store can sell now: its stock less what is reserved for shipments.
    pub disponible: i64,
    /// The input is this product's barcode or SKU (a scan): the till adds it at once.
    pub code_exact: bool,
}

impl From<TillItem> for TillItemDto {
    fn from(i: TillItem) -> Self {
        TillItemDto {
            id: i.id.0,
            nom: i.nom,
            prix: i.prix.to_string(),
            sku: i.sku,
            code_barres: i.code_barres,
            disponible: i.disponible,
            code_exact: i.code_exact,
        }
    }
}

/// Up to 8 products for a store's till: the one a barcode (EAN-13 or UPC-A, its check digit
/// verified) or a SKU names, then those whose name starts with the text, then those whose name
/// contains it (two characters at least).
#[utoipa::path(get, path = "/api/v1/stores/{id}/till-search/", tag = "sales",
    params(("id" = i64, Path), ("q" = String, Query, description = "A barcode, a SKU or part of a name; 1 to 64 characters")),
    responses((status = 200, body = [TillItemDto]),
        (status = 400, body = crate::error::ErrorBody, description = "Empty or too long, or a barcode with a wrong check digit"),
        (status = 404, body = crate::error::ErrorBody, description = "Unknown store")))]
pub async fn till_search(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    params: Params,
) -> Result<Json<Vec<TillItemDto>>, ApiError> {
    let items = state.services.till_search(StoreId(id), params.text("q").unwrap_or_default()).await?;
    Ok(Json(items.into_iter().map(TillItemDto::from).collect()))
}
