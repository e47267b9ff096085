//! The head office's consolidated report and dashboard (the lab's shapes).

use super::route;
use crate::AppState;
use crate::api::extract::Params;
use crate::error::ApiError;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use magasin_domain::StoreId;
use magasin_domain::reporting::{DashboardRow, NamedQuantity, ReportFilter, StoreReport, format_trend};
use serde::Serialize;
use serde_json::value::RawValue;
use std::collections::BTreeMap;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct ReportDto {
    /// Store name.
    pub magasin: String,
    /// Sum of quantity × unit price over the store's sale lines, less what returns refunded (a
    /// number, 0 when none).
    #[schema(example = 179.98)]
    pub total: f64,
    /// Quantity sold less returned per product name (products with a positive net only).
    pub produits_vendus: BTreeMap<String, i64>,
    /// Local quantity per product name.
    pub stock_local: BTreeMap<String, i64>,
    /// What returns refunded (a number, 0 when none); a return counts on the day it is made.
    #[schema(example = 89.99)]
    pub retours: f64,
    /// Units returned, resellable or damaged.
    pub articles_retournes: i64,
}

fn by_name(items: Vec<NamedQuantity>) -> BTreeMap<String, i64> {
    items.into_iter().map(|q| (q.nom, q.quantite)).collect()
}

impl From<StoreReport> for ReportDto {
    fn from(r: StoreReport) -> Self {
        ReportDto {
            magasin: r.magasin_nom,
            total: r.total.as_units_f64(),
            produits_vendus: by_name(r.produits_vendus),
            stock_local: by_name(r.stock_local),
            retours: r.retours.as_units_f64(),
            articles_retournes: r.articles_retournes,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct DashboardDto {
    /// Store name.
    pub magasin: String,
    /// Revenue less what returns refunded, decimal string with two places.
    #[schema(example = "1234.50")]
    pub chiffre_affaires: String,
    /// What returns refunded, decimal string with two places.
    #[schema(example = "0.00")]
    pub retours: String,
    /// Local stock rows at or below the stock-out threshold (default: quantity 0).
    pub ruptures: i64,
    /// Local stock rows above the overstock threshold (default: more than 10).
    pub surstock: i64,
    /// Top 3 products by quantity over the last 7 days: `"Name (qty), Name (qty)"`, empty when none.
    #[schema(example = "Café moulu (12), Clavier mécanique (3)")]
    pub tendances: String,
}

impl From<DashboardRow> for DashboardDto {
    fn from(d: DashboardRow) -> Self {
        DashboardDto {
            magasin: d.magasin_nom,
            chiffre_affaires: d.chiffre_affaires.to_string(),
            retours: d.retours.to_string(),
            ruptures: d.ruptures,
            surstock: d.surstock,
            tendances: format_trend(&d.tendances),
        }
    }
}

pub fn router() -> Router<AppState> {
    let r = route(Router::new(), "/api/v1/reports/", get(sales_report));
    route(r, "/api/v1/dashboard/", get(dashboard))
}

/// `magasin`, `date_debut`, `date_fin`; other parameters (the lab's `date`) are ignored.
fn report_filter(params: &Params) -> Result<ReportFilter, ApiError> {
    Ok(ReportFilter {
        magasin: params.integer("magasin")?.map(StoreId),
        from: params.date("date_debut")?,
        to: params.date("date_fin")?,
    })
}

/// The consolidated sales report (UC1): one object per store, in id order.
#[utoipa::path(get, path = "/api/v1/reports/", tag = "reporting",
    params(("magasin" = Option<i64>, Query, description = "Only this store"),
        ("date_debut" = Option<String>, Query, description = "First day included, YYYY-MM-DD (UTC), 1900-01-01 to 9999-12-31"),
        ("date_fin" = Option<String>, Query, description = "Last day included, YYYY-MM-DD (UTC), 1900-01-01 to 9999-12-31")),
    responses((status = 200, body = [ReportDto]), (status = 400, description = "Invalid filter"), (status = 404, body = crate::error::ErrorBody)))]
pub async fn sales_report(State(state): State<AppState>, params: Params) -> Result<Json<Vec<Box<RawValue>>>, ApiError> {
    // Each store's object is rendered once and cached as JSON text; the answer joins them.
    let render = |r: StoreReport| serde_json::value::to_raw_value(&ReportDto::from(r));
    Ok(Json(state.services.sales_report_as(&report_filter(&params)?, "api-v1-json", render).await?))
}

/// The per-store dashboard (UC3): revenue, stock-outs, overstock, 7-day top products.
///
/// `seuils=regles` counts a product that has a reordering rule against its rule (a stock-out
/// when empty or below its minimum, overstock above its maximum); the lab's thresholds stay the
/// default (`seuils=globaux`).
#[utoipa::path(get, path = "/api/v1/dashboard/", tag = "reporting",
    params(("magasin" = Option<i64>, Query), ("date_debut" = Option<String>, Query), ("date_fin" = Option<String>, Query),
        ("seuils" = Option<String>, Query, description = "`globaux` (default: the lab's thresholds) or `regles` (each product's rule where it has one)")),
    responses((status = 200, body = [DashboardDto]), (status = 400, description = "Invalid filter"), (status = 404, body = crate::error::ErrorBody)))]
pub async fn dashboard(State(state): State<AppState>, params: Params) -> Result<Json<Vec<DashboardDto>>, ApiError> {
    let filter = report_filter(&params)?;
    let rows = match params.text("seuils") {
        None | Some("globaux") => state.services.dashboard(&filter).await?,
        Some("regles") => state.services.dashboard_with_rules(&filter).await?,
        Some(_) => {
            let choices = vec!["globaux".to_string(), "regles".to_string()];
            return Err(ApiError::field("seuils", magasin_domain::ValidationCode::NotAChoice { choices }));
        }
    };
    Ok(Json(rows.into_iter().map(DashboardDto::from).collect()))
}
