//! Stock levels: a store's (the lab's two endpoints) and the warehouse's.

use super::pagination::{Paginated, numbered, page_request};
use super::route;
use crate::AppState;
use crate::api::extract::Params;
use crate::error::ApiError;
use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use magasin_domain::StoreId;
use magasin_domain::catalogue::search_key;
use magasin_domain::stock::{StockItem, StockOrdering, StockQuery, StoreStockRow, WarehouseStockRow};
use serde::Serialize;
use utoipa::ToSchema;

/// Page size of the lab's stock list.
const STOCK_PAGE_SIZE: u32 = 10;

#[derive(Serialize, ToSchema)]
pub struct StockItemDto {
    pub produit_id: i64,
    pub nom: String,
    pub quantite: i64,
}

impl From<StockItem> for StockItemDto {
    fn from(i: StockItem) -> Self {
        StockItemDto { produit_id: i.produit_id.0, nom: i.nom, quantite: i.quantite }
    }
}

#[derive(Serialize, ToSchema)]
pub struct StoreStockRowDto {
    pub id: i64,
    /// Product id.
    pub produit: i64,
    /// Store id.
    pub magasin: i64,
    pub quantite: i64,
    pub produit_nom: String,
    pub magasin_nom: String,
}

impl From<StoreStockRow> for StoreStockRowDto {
    fn from(r: StoreStockRow) -> Self {
        StoreStockRowDto {
            id: r.id,
            produit: r.produit.0,
            magasin: r.magasin.0,
            quantite: r.quantite,
            produit_nom: r.produit_nom,
            magasin_nom: r.magasin_nom,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct WarehouseRowDto {
    /// Product id.
    pub produit: i64,
    pub produit_nom: String,
    pub quantite: i64,
    /// Reserved for prepared shipments (goods in transit): what approvals, adjustments and counts
    /// may use is `quantite - reserve`.
    pub reserve: i64,
    /// Still due from suppliers: what sent or partly received purchase orders have not received.
    pub attendu: i64,
}

impl From<WarehouseStockRow> for WarehouseRowDto {
    fn from(r: WarehouseStockRow) -> Self {
        WarehouseRowDto {
            produit: r.produit.0,
            produit_nom: r.produit_nom,
            quantite: r.quantite,
            reserve: r.reserve,
            attendu: r.attendu,
        }
    }
}

pub fn router() -> Router<AppState> {
    let r = route(Router::new(), "/api/v1/stores/{store_id}/stock/", get(store_stock));
    let r = route(r, "/api/v1/stores/{store_id}/stock/list/", get(store_stock_list));
    route(r, "/api/v1/warehouse/stock/", get(warehouse_stock))
}

/// The lab's filters: `produit__nom`, `quantite`, `quantite__gte`, `quantite__lte`, `ordering`.
fn stock_query(params: &Params, page_size: u32, sizable: bool) -> Result<StockQuery, ApiError> {
    Ok(StockQuery {
        name_contains: params.text("produit__nom").map(search_key),
        quantite: params.integer("quantite")?,
        quantite_gte: params.integer("quantite__gte")?,
        quantite_lte: params.integer("quantite__lte")?,
        ordering: params.text("ordering").map(StockOrdering::parse).unwrap_or_default(),
        page: page_request(params, page_size, sizable)?,
    })
}

/// A store's whole local stock (UC2), by product id.
#[utoipa::path(get, path = "/api/v1/stores/{store_id}/stock/", tag = "stock",
    params(("store_id" = i64, Path)),
    responses((status = 200, body = [StockItemDto]), (status = 404, body = crate::error::ErrorBody)))]
pub async fn store_stock(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<Vec<StockItemDto>>, ApiError> {
    let items = state.services.store_stock(StoreId(id)).await?;
    Ok(Json(items.into_iter().map(StockItemDto::from).collect()))
}

/// A store's stock, filtered, sorted, 10 per page (the lab's list).
#[utoipa::path(get, path = "/api/v1/stores/{store_id}/stock/list/", tag = "stock",
    params(("store_id" = i64, Path),
        ("page" = Option<u32>, Query, description = "1-based; past the end: 404 `{\"detail\": \"Invalid page.\"}`"),
        ("produit__nom" = Option<String>, Query, description = "Case-insensitive substring of the product name"),
        ("quantite" = Option<i64>, Query), ("quantite__gte" = Option<i64>, Query), ("quantite__lte" = Option<i64>, Query),
        ("ordering" = Option<String>, Query, description = "`quantite`, `-quantite`, `produit__nom` (default), `-produit__nom`")),
    responses((status = 200, body = Paginated<StoreStockRowDto>), (status = 404, body = crate::error::ErrorBody)))]
pub async fn store_stock_list(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    params: Params,
) -> Result<Json<Paginated<StoreStockRowDto>>, ApiError> {
    let query = stock_query(&params, STOCK_PAGE_SIZE, false)?;
    let page = state.services.store_stock_page(StoreId(id), &query).await?;
    Ok(Json(numbered(page, query.page, &params, StoreStockRowDto::from)?))
}

/// The warehouse's stock, with the same filters, 20 per page (`page_size` up to 100).
#[utoipa::path(get, path = "/api/v1/warehouse/stock/", tag = "stock",
    params(("page" = Option<u32>, Query), ("page_size" = Option<u32>, Query), ("produit__nom" = Option<String>, Query),
        ("quantite" = Option<i64>, Query), ("quantite__gte" = Option<i64>, Query), ("quantite__lte" = Option<i64>, Query),
        ("ordering" = Option<String>, Query)),
    responses((status = 200, body = Paginated<WarehouseRowDto>)))]
pub async fn warehouse_stock(
    State(state): State<AppState>,
    params: Params,
) -> Result<Json<Paginated<WarehouseRowDto>>, ApiError> {
    let query = stock_query(&params, 20, true)?;
    let page = state.services.warehouse_stock(&query).await?;
    Ok(Json(numbered(page, query.page, &params, WarehouseRowDto::from)?))
}
