//! The OpenAPI description of API v1, served at `/api/openapi.json` with Swagger UI at `/swagger/`.

use crate::api::v1::{
    adjustments, audit, catalogue_csv, closings, counts, ledger, products, purchase_orders, receipts, replenishments,
    reports, returns, rules, sales, shipments, stock, stores, till, users, warehouse_planning,
};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "magasin API",
        description = "Multi-store retail backend: stores record sales and ask for replenishment, logistics approves, \
                       head office reads the report and the dashboard. Reads are open; writes need \
                       `Authorization: Token <token>`. Errors: `{timestamp, status, error, message, path}`.",
    ),
    paths(
        stores::list_stores, stores::get_store,
        products::list_products, products::get_product, products::create_product, products::update_product,
        catalogue_csv::export, catalogue_csv::import,
        stock::store_stock, stock::store_stock_list, stock::warehouse_stock,
        ledger::store_ledger, ledger::warehouse_ledger,
        sales::record_sale, sales::list_sales, sales::get_sale, sales::cancel_sale, sales::payment_totals,
        till::till_search,
        returns::record_return, returns::sale_returns, returns::get_return,
        closings::close_day, closings::list_closings, closings::get_closing, closings::preview, closings::export,
        replenishments::create_request, replenishments::list_requests, replenishments::get_request,
        replenishments::approve_request, replenishments::reject_request, replenishments::apply_suggestions,
        rules::store_rules, rules::set_rules, rules::import_rules, rules::delete_rule, rules::suggestions,
        receipts::record_receipt, receipts::list_receipts, receipts::get_receipt,
        shipments::create_transfer, shipments::list_shipments, shipments::get_shipment, shipments::ship,
        shipments::receive, shipments::cancel,
        purchase_orders::create_order, purchase_orders::list_orders, purchase_orders::get_order,
        purchase_orders::send_order, purchase_orders::close_order, purchase_orders::cancel_order,
        warehouse_planning::warehouse_rules, warehouse_planning::set_warehouse_rules,
        warehouse_planning::warehouse_suggestions, warehouse_planning::order_from_suggestions,
        adjustments::adjust_store, adjustments::store_adjustments, adjustments::adjust_warehouse,
        adjustments::warehouse_adjustments, adjustments::shrinkage,
        counts::open_store_count, counts::open_warehouse_count, counts::store_counts, counts::warehouse_counts,
        counts::get_count, counts::enter_count, counts::validate_count, counts::cancel_count,
        reports::sales_report, reports::dashboard,
        audit::audit_log,
        users::list_users, users::create_user, users::get_user, users::change_user,
    ),
    components(schemas(crate::error::ErrorBody)),
    modifiers(&TokenScheme),
    tags(
        (name = "stores", description = "Stores (magasins)"),
        (name = "products", description = "The product catalogue"),
        (name = "stock", description = "Store and warehouse stock, and the stock ledger"),
        (name = "sales", description = "Sales, and the returns of their goods"),
        (name = "replenishment", description = "Replenishment requests"),
        (name = "shipments", description = "Goods in transit: shipments from the warehouse, transfers between stores"),
        (name = "warehouse", description = "Purchase orders, goods received at the warehouse, and its adjustments"),
        (name = "reporting", description = "Consolidated report, dashboard and shrinkage"),
        (name = "audit", description = "Who did what: every write, by actor"),
        (name = "users", description = "Accounts, for administrators"),
    )
)]
pub struct ApiDoc;

/// Declares the `Authorization: Token <token>` scheme.
struct TokenScheme;

impl Modify for TokenScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "Authorization",
                "`Token <token>` (the development default is `token-430`)",
            ))),
        );
    }
}

pub fn spec() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}
