//! `/inventaires`: physical counts of a location — the latest ones and the form that opens one
//! (every product or one category); `/inventaires/{id}`: the count sheet, one large number
//! field per product for a tablet, saved as often as wanted, then validated (variances posted)
//! or cancelled; once closed, the count report.

use super::forms::{FieldErrors, Fields, Form, Query};
use super::layout::{Layout, UiError};
use super::session::{Flash, Visitor};
use super::strings::current;
use super::{link, location_of, parse_id, value_of};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use magasin_domain::accounts::Action;
use magasin_domain::counts::{Count, CountEntry, CountQuery, CountStatus, MAX_ENTRIES};
use magasin_domain::paging::{CursorRequest, PageRequest};
use magasin_domain::stock::Location;
use magasin_domain::{CountId, ValidationCode};

const COUNTS_PER_PAGE: u32 = 20;

/// A count as the list shows it.
pub struct CountSummary {
    pub id: i64,
    pub opened: String,
    pub category: String,
    pub status: &'static str,
    pub by: String,
}

fn status_label(status: CountStatus) -> &'static str {
    let t = current();
    match status {
        CountStatus::Open => t.counting.open,
        CountStatus::Validated => t.counting.validated,
        CountStatus::Cancelled => t.counting.cancelled,
    }
}

#[derive(Template)]
#[template(path = "counts.html")]
struct CountsPage {
    layout: Layout,
    locations: Vec<(String, String)>,
    shown: String,
    may_count: bool,
    categories: Vec<String>,
    counts: Vec<CountSummary>,
    next: Option<String>,
    first: Option<String>,
}

pub async fn list(State(state): State<AppState>, visitor: Visitor, Query(query): Query) -> Result<Response, UiError> {
    let t = current();
    let mut locations: Vec<(String, String)> =
        super::store_choices(&state).await?.into_iter().map(|(id, name)| (id.to_string(), name)).collect();
    locations.push((super::WAREHOUSE.into(), t.nav_warehouse.into()));
    let shown = query
        .text("lieu")
        .and_then(location_of)
        .unwrap_or_else(|| locations.first().and_then(|(v, _)| location_of(v)).unwrap_or(Location::Warehouse));
    let before = query.integer("avant").ok().flatten();
    let page = state
        .services
        .list_counts(&CountQuery { location: shown, cursor: CursorRequest::new(before, COUNTS_PER_PAGE) })
        .await?;
    let products = state.services.list_products(None, PageRequest::new(1, 100)).await?;
    let mut categories: Vec<String> = products.items.into_iter().map(|p| p.categorie).collect();
    categories.sort();
    categories.dedup();
    let keep = [("lieu", value_of(shown))];
    let page = CountsPage {
        layout: visitor.layout(t.counting.title, if shown == Location::Warehouse { "/entrepot" } else { "/stock" }),
        may_count: visitor.actor().map_or(true, |a| a.may(&Action::AdjustStock(shown))),
        locations,
        shown: value_of(shown),
        categories,
        counts: page
            .items
            .iter()
            .map(|c| CountSummary {
                id: c.id.0,
                opened: c.opened_at.format(t.datetime_format).to_string(),
                category: c.categorie.clone().unwrap_or_else(|| t.counting.every_product.to_string()),
                status: status_label(c.statut),
                by: c.opened_by.clone(),
            })
            .collect(),
        next: page.next.map(|n| link("/inventaires", &keep, Some(("avant", n.to_string())))),
        first: before.map(|_| link("/inventaires", &keep, None)),
    };
    visitor.page(&page)
}

pub async fn open(State(state): State<AppState>, visitor: Visitor, Form(fields): Form) -> Result<Response, UiError> {
    let t = current();
    let location = fields
        .text("lieu")
        .and_then(location_of)
        .ok_or_else(|| UiError::BadRequest((t.validation)(&ValidationCode::NotAChoice { choices: Vec::new() })))?;
    let category = fields.text("categorie").map(str::to_string);
    let count = state.services.open_count(&visitor.actor()?, location, category, None).await?;
    Ok(visitor.redirect(&format!("/inventaires/{}", count.id), Flash::success((t.counting.opened)(count.id.0))))
}

/// One line of the sheet.
pub struct SheetLine {
    pub product: i64,
    pub name: String,
    pub snapshot: i64,
    pub expected: i64,
    /// What is in the field: what was entered, or what the visitor typed.
    pub typed: String,
    pub variance: String,
    pub value: String,
}

#[derive(Template)]
#[template(path = "count_sheet.html")]
struct SheetPage {
    layout: Layout,
    id: i64,
    place: String,
    category: String,
    status: &'static str,
    is_open: bool,
    may_count: bool,
    counted: usize,
    total: usize,
    total_value: String,
    lines: Vec<SheetLine>,
    errors: FieldErrors,
    back: String,
}

async fn sheet(
    state: &AppState,
    visitor: Visitor,
    count: Count,
    typed: Option<&Fields>,
    errors: FieldErrors,
    status: StatusCode,
) -> Result<Response, UiError> {
    let t = current();
    let place = match count.location {
        Location::Warehouse => t.nav_warehouse.to_string(),
        Location::Store(id) => state.services.get_store(id).await?.nom,
    };
    let lines = count
        .lignes
        .iter()
        .map(|l| SheetLine {
            product: l.produit.0,
            name: l.produit_nom.clone(),
            snapshot: l.snapshot,
            expected: l.expected,
            typed: typed
                .map(|f| f.raw(&format!("compte-{}", l.produit)))
                .unwrap_or_else(|| l.counted.map(|c| c.to_string()).unwrap_or_default()),
            variance: l.variance.map(|v| format!("{v:+}")).unwrap_or_default(),
            value: l.variance_value().map(|v| (t.money)(v)).unwrap_or_default(),
        })
        .collect();
    let page = SheetPage {
        layout: visitor.layout(&(t.counting.count_title)(count.id.0), "/stock"),
        id: count.id.0,
        place,
        category: count.categorie.clone().unwrap_or_else(|| t.counting.every_product.to_string()),
        status: status_label(count.statut),
        is_open: count.statut == CountStatus::Open,
        may_count: visitor.actor().map_or(true, |a| a.may(&Action::AdjustStock(count.location))),
        counted: count.counted(),
        total: count.lignes.len(),
        total_value: (t.money)(count.variance_value()),
        lines,
        errors,
        back: link("/inventaires", &[("lieu", value_of(count.location))], None),
    };
    let mut response = visitor.page(&page)?;
    *response.status_mut() = status;
    Ok(response)
}

pub async fn detail(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Result<Response, UiError> {
    let count = state.services.get_count(CountId(parse_id(&id)?)).await?;
    sheet(&state, visitor, count, None, FieldErrors::default(), StatusCode::OK).await
}

/// Saves what the sheet's fields hold: every filled `compte-{product}` field, in batches.
pub async fn enter(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
    Form(fields): Form,
) -> Result<Response, UiError> {
    let t = current();
    let id = CountId(parse_id(&id)?);
    let count = state.services.get_count(id).await?;
    let mut errors = FieldErrors::default();
    let mut entries = Vec::new();
    for line in &count.lignes {
        let field = format!("compte-{}", line.produit);
        let typed = fields.raw(&field);
        if typed.trim().is_empty() {
            continue;
        }
        match typed.trim().parse::<i64>() {
            Ok(compte) if compte >= 0 => entries.push(CountEntry { produit: line.produit, compte }),
            _ => errors.add_code(
                &field,
                &ValidationCode::OutOfRange { min: 0, max: magasin_domain::sales::MAX_LINE_QUANTITY },
            ),
        }
    }
    if !errors.is_empty() || entries.is_empty() {
        if entries.is_empty() && errors.is_empty() {
            errors.add("sheet", t.counting.nothing_entered);
        }
        return sheet(&state, visitor, count, Some(&fields), errors, StatusCode::BAD_REQUEST).await;
    }
    let actor = visitor.actor()?;
    for batch in entries.chunks(MAX_ENTRIES) {
        state.services.enter_count(&actor, id, batch, None).await?;
    }
    Ok(visitor.redirect(&format!("/inventaires/{id}"), Flash::success((t.counting.saved)(entries.len()))))
}

pub async fn validate(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Result<Response, UiError> {
    close(state, visitor, id, true).await
}

pub async fn cancel(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Result<Response, UiError> {
    close(state, visitor, id, false).await
}

async fn close(state: AppState, visitor: Visitor, id: String, validate: bool) -> Result<Response, UiError> {
    let t = current();
    let id = CountId(parse_id(&id)?);
    let count = state.services.close_count(&visitor.actor()?, id, validate, None).await?;
    let message =
        if validate { (t.counting.validated_message)(count.id.0) } else { (t.counting.cancelled_message)(count.id.0) };
    Ok(visitor.redirect(&format!("/inventaires/{id}"), Flash::success(message)))
}
