//! API v1: the lab's contract, and the rest of a complete API with the same conventions
//! (paths end with `/`; the same path without it is served too).

pub mod adjustments;
pub mod audit;
pub mod catalogue_csv;
pub mod closings;
pub mod counts;
pub mod ledger;
pub mod pagination;
pub mod products;
pub mod purchase_orders;
pub mod receipts;
pub mod replenishments;
pub mod reports;
pub mod returns;
pub mod rules;
pub mod sales;
pub mod shipments;
pub mod stock;
pub mod stores;
pub mod till;
pub mod users;
pub mod warehouse_planning;

use crate::AppState;
use axum::Router;
use axum::routing::MethodRouter;

/// Adds `path` (ending with `/`) and the same path without its final `/`.
pub(crate) fn route(router: Router<AppState>, path: &str, methods: MethodRouter<AppState>) -> Router<AppState> {
    let bare = path.trim_end_matches('/');
    router.route(path, methods.clone()).route(bare, methods)
}

pub fn router() -> Router<AppState> {
    [
        stores::router,
        catalogue_csv::router,
        products::router,
        stock::router,
        ledger::router,
        sales::router,
        till::router,
        returns::router,
        closings::router,
        rules::router,
        replenishments::router,
        receipts::router,
        shipments::router,
        purchase_orders::router,
        warehouse_planning::router,
        adjustments::router,
        counts::router,
        reports::router,
        audit::router,
        users::router,
    ]
    .into_iter()
    .fold(Router::new(), |r, f| r.merge(f()))
}
