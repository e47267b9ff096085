//! `/mouvements`: the stock ledger of one location, or of one stock row (`produit`), newest
//! first — reason, signed quantity, balance after, the document behind it (linked), who and
//! which request; `/mouvements.csv`: the same rows as CSV, streamed page by page.

use super::forms::{Fields, Query};
use super::layout::{Layout, UiError};
use super::report::spreadsheet_safe;
use super::session::Visitor;
use super::strings::{Strings, current};
use super::{link, location_of, value_of};
use crate::AppState;
use askama::Template;
use axum::body::Body;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use magasin_domain::ProductId;
use magasin_domain::ledger::{LedgerEntry, LedgerQuery, LedgerReason, SourceDocument};
use magasin_domain::paging::{CursorRequest, MAX_PAGE_SIZE};
use magasin_domain::stock::Location;
use magasin_service::Services;

const ROWS_PER_PAGE: u32 = 50;
/// The most rows one CSV export holds (the newest).
pub const MAX_EXPORT_ROWS: usize = 100_000;

/// The location and product the query names; a missing or unreadable location is a 404.
fn read_query(query: &Fields) -> Result<(Location, Option<ProductId>), UiError> {
    let t = current();
    let location =
        query.text("lieu").and_then(location_of).ok_or_else(|| UiError::NotFound(t.not_found_text.into()))?;
    let product = match query.text("produit") {
        None => None,
        Some(p) => Some(ProductId(p.parse().map_err(|_| UiError::NotFound(t.not_found_text.into()))?)),
    };
    Ok((location, product))
}

/// A ledger reason, in this language.
pub fn reason_label(t: &Strings, reason: LedgerReason) -> String {
    match reason {
        LedgerReason::Adjustment(r) => format!("{} — {}", t.movements.adjustment, (t.adjusting.reason)(r)),
        other => (t.movements.reason)(other).to_string(),
    }
}

/// The document behind a movement: its name and the page that shows it.
fn document_of(t: &Strings, entry: &LedgerEntry) -> Option<(String, String)> {
    Some(match entry.document? {
        SourceDocument::Sale(id) => ((t.movements.sale)(id.0), format!("/ventes/{id}")),
        SourceDocument::Replenishment(id) => ((t.movements.request)(id.0), "/reapprovisionnement".into()),
        SourceDocument::Receipt(id) => ((t.movements.receipt)(id.0), format!("/entrepot/receptions/{id}")),
        SourceDocument::Adjustment(id) => {
            ((t.movements.adjustment_number)(id.0), link("/ajustements", &[("lieu", value_of(entry.location))], None))
        }
        SourceDocument::Return(id) => ((t.movements.return_number)(id.0), format!("/retours/{id}")),
        SourceDocument::Shipment(id) => ((t.movements.shipment_number)(id.0), format!("/api/v1/shipments/{id}/")),
    })
}

pub struct MovementRow {
    pub id: i64,
    pub date: String,
    pub product: i64,
    pub product_name: String,
    pub reason: String,
    pub quantity: String,
    pub balance: i64,
    pub document: Option<(String, String)>,
    pub actor: String,
    pub request_id: String,
    /// This stock row's own history, when the page shows a whole location.
    pub row_link: Option<String>,
}

#[derive(Template)]
#[template(path = "movements.html")]
struct MovementsPage {
    layout: Layout,
    rows: Vec<MovementRow>,
    csv_link: String,
    whole_location: Option<String>,
    stock_link: String,
    next: Option<String>,
    first: Option<String>,
}

async fn location_name(state: &AppState, location: Location) -> Result<String, UiError> {
    Ok(match location {
        Location::Warehouse => current().nav_warehouse.to_string(),
        Location::Store(id) => state.services.get_store(id).await?.nom,
    })
}

pub async fn page(State(state): State<AppState>, visitor: Visitor, Query(query): Query) -> Result<Response, UiError> {
    let t = current();
    let (location, product) = read_query(&query)?;
    let before = query.integer("avant").ok().flatten();
    let ledger = LedgerQuery { location, produit: product, cursor: CursorRequest::new(before, ROWS_PER_PAGE) };
    let page = state.services.ledger(&ledger).await?;
    let place = location_name(&state, location).await?;
    let heading = match product {
        Some(p) => (t.movements.of_row)(&state.services.get_product(p).await?.nom, &place),
        None => (t.movements.of_location)(&place),
    };
    let mut keep = vec![("lieu", value_of(location))];
    if let Some(p) = product {
        keep.push(("produit", p.0.to_string()));
    }
    let rows = page
        .items
        .into_iter()
        .map(|e| MovementRow {
            id: e.id.0,
            date: e.date.format(t.datetime_format).to_string(),
            product: e.produit.0,
            reason: reason_label(t, e.motif),
            quantity: format!("{:+}", e.quantite),
            balance: e.solde,
            document: document_of(t, &e),
            row_link: product.is_none().then(|| {
                link("/mouvements", &[("lieu", value_of(location)), ("produit", e.produit.0.to_string())], None)
            }),
            actor: e.acteur,
            request_id: e.request_id.unwrap_or_default(),
            product_name: e.produit_nom,
        })
        .collect();
    let stock_link = match location {
        Location::Warehouse => "/entrepot".to_string(),
        Location::Store(id) => format!("/stock?magasin={id}"),
    };
    let page = MovementsPage {
        layout: visitor.layout(&heading, if location == Location::Warehouse { "/entrepot" } else { "/stock" }),
        rows,
        csv_link: link("/mouvements.csv", &keep, None),
        whole_location: product.map(|_| link("/mouvements", &[("lieu", value_of(location))], None)),
        stock_link,
        next: page.next.map(|n| link("/mouvements", &keep, Some(("avant", n.to_string())))),
        first: before.map(|_| link("/mouvements", &keep, None)),
    };
    visitor.page(&page)
}

/// The CSV lines of `entries`, every cell through [`spreadsheet_safe`].
fn csv_lines(entries: &[LedgerEntry], header: bool) -> Result<Vec<u8>, csv::Error> {
    let t = current();
    let mut writer = csv::Writer::from_writer(Vec::new());
    if header {
        writer.write_record([
            "id",
            "date",
            "lieu",
            "produit_id",
            "produit",
            "motif",
            "libelle",
            "quantite",
            "solde",
            "document",
            "acteur",
            "request_id",
        ])?;
    }
    for e in entries {
        let document = document_of(t, e).map(|(name, _)| name).unwrap_or_default();
        let cells = [
            e.id.0.to_string(),
            e.date.to_rfc3339(),
            value_of(e.location),
            e.produit.0.to_string(),
            e.produit_nom.clone(),
            e.motif.as_str().to_string(),
            reason_label(t, e.motif),
            e.quantite.to_string(),
            e.solde.to_string(),
            document,
            e.acteur.clone(),
            e.request_id.clone().unwrap_or_default(),
        ];
        writer.write_record(cells.iter().map(|c| spreadsheet_safe(c).into_owned()))?;
    }
    writer.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}

/// What the export stream still has to read.
struct Export {
    services: Services,
    query: LedgerQuery,
    written: usize,
    first: bool,
    done: bool,
}

/// The next chunk of the export: one page of the ledger as CSV lines.
async fn next_chunk(mut export: Export) -> Option<(Result<Vec<u8>, std::io::Error>, Export)> {
    if export.done {
        return None;
    }
    let page = match export.services.ledger(&export.query).await {
        Ok(page) => page,
        Err(error) => {
            tracing::warn!(%error, "ledger export stopped");
            export.done = true;
            return Some((Err(std::io::Error::other(error.to_string())), export));
        }
    };
    let room = MAX_EXPORT_ROWS - export.written;
    let items = &page.items[..page.items.len().min(room)];
    let chunk = csv_lines(items, export.first).map_err(std::io::Error::other);
    export.first = false;
    export.written += items.len();
    match page.next {
        Some(next) if export.written < MAX_EXPORT_ROWS => {
            export.query.cursor = CursorRequest::new(Some(next), MAX_PAGE_SIZE)
        }
        _ => export.done = true,
    }
    Some((chunk, export))
}

pub async fn csv(State(state): State<AppState>, Query(query): Query) -> Result<Response, UiError> {
    let (location, product) = read_query(&query)?;
    // Unknown store or product: the 404 page, before anything is streamed.
    location_name(&state, location).await?;
    if let Some(p) = product {
        state.services.get_product(p).await?;
    }
    let first = LedgerQuery { location, produit: product, cursor: CursorRequest::new(None, MAX_PAGE_SIZE) };
    let export = Export { services: state.services.clone(), query: first, written: 0, first: true, done: false };
    let stream = futures::stream::unfold(export, next_chunk);
    let name = match product {
        Some(p) => format!("mouvements-{}-{p}.csv", value_of(location)),
        None => format!("mouvements-{}.csv", value_of(location)),
    };
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        Body::from_stream(stream),
    )
        .into_response())
}
