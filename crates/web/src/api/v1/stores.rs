//! Stores.

use super::route;
use crate::AppState;
use crate::error::ApiError;
use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use magasin_domain::StoreId;
use magasin_domain::stores::Magasin;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct StoreDto {
    pub id: i64,
    pub nom: String,
    pub adresse: String,
}

impl From<Magasin> for StoreDto {
    fn from(m: Magasin) -> Self {
        StoreDto { id: m.id.0, nom: m.nom, adresse: m.adresse }
    }
}

pub fn router() -> Router<AppState> {
    let r = route(Router::new(), "/api/v1/stores/", get(list_stores));
    route(r, "/api/v1/stores/{store_id}/", get(get_store))
}

/// Every store, in id order.
#[utoipa::path(get, path = "/api/v1/stores/", tag = "stores", responses((status = 200, body = [StoreDto])))]
pub async fn list_stores(State(state): State<AppState>) -> Result<Json<Vec<StoreDto>>, ApiError> {
    Ok(Json(state.services.list_stores().await?.into_iter().map(StoreDto::from).collect()))
}

/// One store.
#[utoipa::path(get, path = "/api/v1/stores/{store_id}/", tag = "stores",
    params(("store_id" = i64, Path, description = "Store id")),
    responses((status = 200, body = StoreDto), (status = 404, body = crate::error::ErrorBody)))]
pub async fn get_store(State(state): State<AppState>, Path(id): Path<i64>) -> Result<Json<StoreDto>, ApiError> {
    Ok(Json(state.services.get_store(StoreId(id)).await?.into()))
}
