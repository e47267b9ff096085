//! `/stock`: a store's stock; `/entrepot`: the warehouse's, with a replenishment request form
//! per product. Both searchable by name, sortable and paginated.

use super::forms::{Fields, Query};
use super::layout::{Layout, UiError};
use super::link;
use super::session::Visitor;
use super::strings::current;
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use magasin_domain::StoreId;
use magasin_domain::catalogue::search_key;
use magasin_domain::paging::{Page, PageRequest};
use magasin_domain::stock::{StockOrdering, StockQuery};

/// Rows per page.
const ROWS_PER_PAGE: u32 = 20;

pub struct StockRow {
    pub product: i64,
    pub name: String,
    pub quantity: i64,
    /// Still due from suppliers (the warehouse's rows only).
    pub expected: i64,
    /// Reserved for prepared shipments (the warehouse's rows only).
    pub reserved: i64,
    /// The store's reordering rule, `(min, max)`, when the product has one (stores' rows only).
    pub rule: Option<(i64, i64)>,
}

impl StockRow {
    /// Out of stock, or below its rule's minimum.
    pub fn short(&self) -> bool {
        self.quantity == 0 || self.rule.is_some_and(|(min, _)| self.quantity < min)
    }
}

/// Search, sort and page as typed, with the links they lead to.
pub struct Listing {
    pub q: String,
    pub sort: String,
    pub by_name: String,
    pub by_quantity: String,
    pub previous: Option<String>,
    pub next: Option<String>,
}

impl Listing {
    /// The query for the storage and the links of the page (`keep`: other parameters to carry).
    pub(crate) fn new(path: &str, query: &Fields, keep: &[(&str, String)]) -> (Self, StockQuery) {
        let page = query.integer("page").ok().flatten().and_then(|p| u32::try_from(p).ok()).unwrap_or(1);
        let request = PageRequest::new(page, ROWS_PER_PAGE);
        let sort = query.text("tri").unwrap_or_default().to_string();
        let ordering = StockOrdering::parse(&sort);
        let q = query.raw("q");
        let stock_query = StockQuery {
            name_contains: Some(q.trim()).filter(|s| !s.is_empty()).map(search_key),
            page: request,
            ordering,
            ..StockQuery::all(request)
        };
        let mut params: Vec<(&str, String)> = keep.to_vec();
        params.push(("q", q.clone()));
        let toggle = |asc: StockOrdering, asc_name: &str, desc_name: &str| {
            let next = if ordering == asc { desc_name } else { asc_name };
            link(path, &params, Some(("tri", next.to_string())))
        };
        let by_name = toggle(StockOrdering::NameAsc, "produit__nom", "-produit__nom");
        let by_quantity = toggle(StockOrdering::QuantityAsc, "quantite", "-quantite");
        params.push(("tri", sort.clone()));
        let page_link = |p: u32| link(path, &params, Some(("page", p.to_string())));
        let listing = Listing {
            q,
            sort,
            by_name,
            by_quantity,
            previous: (request.page > 1).then(|| page_link(request.page - 1)),
            next: Some(page_link(request.page + 1)),
        };
        (listing, stock_query)
    }

    /// Keeps the "next" link only when another page follows.
    pub(crate) fn paged<T>(mut self, page: &Page<T>, request: PageRequest) -> Self {
        if !page.has_next(request) {
            self.next = None;
        }
        self
    }
}

#[derive(Template)]
#[template(path = "stock.html")]
struct StorePage {
    layout: Layout,
    stores: Vec<(i64, String)>,
    magasin: i64,
    listing: Listing,
    rows: Vec<StockRow>,
}

pub async fn store_stock(
    State(state): State<AppState>,
    visitor: Visitor,
    Query(query): Query,
) -> Result<Response, UiError> {
    let t = current();
    let stores = super::store_choices(&state).await?;
    let wanted = query.integer("magasin").ok().flatten();
    let magasin = wanted.filter(|m| stores.iter().any(|(id, _)| id == m)).or(stores.first().map(|s| s.0)).unwrap_or(0);
    let (listing, stock_query) = Listing::new("/stock", &query, &[("magasin", magasin.to_string())]);
    let page = state.services.store_stock_page(StoreId(magasin), &stock_query).await?;
    let listing = listing.paged(&page, stock_query.page);
    let rules: std::collections::HashMap<i64, (i64, i64)> = state
        .services
        .store_rules(StoreId(magasin))
        .await?
        .into_iter()
        .map(|r| (r.produit.0, (r.min, r.max)))
        .collect();
    let rows = page
        .items
        .into_iter()
        .map(|r| StockRow {
            rule: rules.get(&r.produit.0).copied(),
            product: r.produit.0,
            name: r.produit_nom,
            quantity: r.quantite,
            expected: 0,
            reserved: 0,
        })
        .collect();
    let page = StorePage { layout: visitor.layout(t.stock_title, "/stock"), stores, magasin, listing, rows };
    visitor.page(&page)
}

#[derive(Template)]
#[template(path = "warehouse.html")]
struct WarehousePage {
    layout: Layout,
    stores: Vec<(i64, String)>,
    listing: Listing,
    rows: Vec<StockRow>,
}

pub async fn warehouse(
    State(state): State<AppState>,
    visitor: Visitor,
    Query(query): Query,
) -> Result<Response, UiError> {
    let t = current();
    let stores = super::store_choices(&state).await?;
    let (listing, stock_query) = Listing::new("/entrepot", &query, &[]);
    let page = state.services.warehouse_stock(&stock_query).await?;
    let listing = listing.paged(&page, stock_query.page);
    let rows = page
        .items
        .into_iter()
        .map(|r| StockRow {
            product: r.produit.0,
            name: r.produit_nom,
            quantity: r.quantite,
            expected: r.attendu,
            reserved: r.reserve,
            rule: None,
        })
        .collect();
    let page = WarehousePage { layout: visitor.layout(t.warehouse_title, "/entrepot"), stores, listing, rows };
    visitor.page(&page)
}
