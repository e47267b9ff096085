//! The stock ledger, read by location and product, newest first.

use super::pagination::{CursorPaginated, cursor, cursor_request};
use super::route;
use crate::AppState;
use crate::api::extract::Params;
use crate::error::ApiError;
use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use magasin_domain::ledger::{DocumentIds, LedgerEntry, LedgerQuery};
use magasin_domain::stock::Location;
use magasin_domain::{ProductId, StoreId};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct LedgerEntryDto {
    pub id: i64,
    /// Store id, null for the warehouse.
    pub magasin: Option<i64>,
    pub produit: i64,
    pub produit_nom: String,
    /// Signed change: negative when goods leave.
    pub quantite: i64,
    /// Quantity after the change.
    pub solde: i64,
    /// `ouverture`, `creation_produit`, `vente`, `annulation_vente`, `reapprovisionnement_sortie`,
    /// `reapprovisionnement_entree`, `reception`, `ajustement_<motif>` (`casse`, `vol`,
    /// `peremption`, `erreur_saisie`, `echantillon`, `autre`, `inventaire`), `retour`.
    pub motif: String,
    /// The sale that caused it, if any.
    pub vente: Option<i64>,
    /// The replenishment request that caused it, if any.
    pub demande: Option<i64>,
    /// The goods receipt that caused it, if any.
    pub reception: Option<i64>,
    /// The stock adjustment that caused it, if any.
    pub ajustement: Option<i64>,
    /// The customer return that caused it, if any.
    pub retour: Option<i64>,
    /// The API request that made the change.
    pub request_id: Option<String>,
    pub date: DateTime<Utc>,
    /// Who made it: a user's login, `service` (the service token) or `system` (seeding).
    pub acteur: String,
}

impl From<LedgerEntry> for LedgerEntryDto {
    fn from(e: LedgerEntry) -> Self {
        let documents = DocumentIds::of(e.document);
        LedgerEntryDto {
            id: e.id.0,
            magasin: match e.location {
                Location::Store(id) => Some(id.0),
                Location::Warehouse => None,
            },
            produit: e.produit.0,
            produit_nom: e.produit_nom,
            quantite: e.quantite,
            solde: e.solde,
            motif: e.motif.as_str().to_string(),
            vente: documents.sale,
            demande: documents.replenishment,
            reception: documents.receipt,
            ajustement: documents.adjustment,
            retour: documents.sale_return,
            request_id: e.request_id,
            acteur: e.acteur,
            date: e.date,
        }
    }
}

pub fn router() -> Router<AppState> {
    let r = route(Router::new(), "/api/v1/stores/{store_id}/ledger/", get(store_ledger));
    route(r, "/api/v1/warehouse/ledger/", get(warehouse_ledger))
}

async fn read(
    state: &AppState,
    location: Location,
    params: &Params,
) -> Result<CursorPaginated<LedgerEntryDto>, ApiError> {
    let query =
        LedgerQuery { location, produit: params.integer("produit")?.map(ProductId), cursor: cursor_request(params)? };
    let page = state.services.ledger(&query).await?;
    Ok(cursor(page, params, LedgerEntryDto::from))
}

/// A store's stock movements, newest first.
#[utoipa::path(get, path = "/api/v1/stores/{store_id}/ledger/", tag = "stock",
    params(("store_id" = i64, Path), ("produit" = Option<i64>, Query), ("before" = Option<i64>, Query, description = "Cursor from a `next` link"),
        ("page_size" = Option<u32>, Query, description = "1 to 100, default 20")),
    responses((status = 200, body = CursorPaginated<LedgerEntryDto>), (status = 404, body = crate::error::ErrorBody)))]
pub async fn store_ledger(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    params: Params,
) -> Result<Json<CursorPaginated<LedgerEntryDto>>, ApiError> {
    Ok(Json(read(&state, Location::Store(StoreId(id)), &params).await?))
}

/// The warehouse's stock movements, newest first.
#[utoipa::path(get, path = "/api/v1/warehouse/ledger/", tag = "stock",
    params(("produit" = Option<i64>, Query), ("before" = Option<i64>, Query), ("page_size" = Option<u32>, Query)),
    responses((status = 200, body = CursorPaginated<LedgerEntryDto>)))]
pub async fn warehouse_ledger(
    State(state): State<AppState>,
    params: Params,
) -> Result<Json<CursorPaginated<LedgerEntryDto>>, ApiError> {
    Ok(Json(read(&state, Location::Warehouse, &params).await?))
}
