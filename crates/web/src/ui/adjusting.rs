//! `/ajustements`: stock adjustments — the form (where, which product, a signed quantity, a
//! reason and a note; a key made when the form opened, so a double submit adjusts once) and
//! the latest adjustments of one location. `/rapport/demarque`: shrinkage per reason, with a
//! chart, over a range of days and a location.

use super::charts::{Bar, bar_chart};
use super::forms::{FieldErrors, Fields, Form, Query};
use super::layout::{Layout, UiError};
use super::lines::{explain_refusal, product_number};
use super::session::{Flash, Visitor};
use super::strings::{Strings, current};
use super::{WAREHOUSE, link, location_of, value_of};
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use magasin_domain::accounts::{Action, Actor};
use magasin_domain::adjustments::{Adjustment, AdjustmentQuery, AdjustmentReason, AdjustmentRequest, ShrinkageQuery};
use magasin_domain::paging::{CursorRequest, PageRequest};
use magasin_domain::stock::Location;
use magasin_domain::{ProductId, StoreId, ValidationCode};
use magasin_service::ServiceError;

const ADJUSTMENTS_PER_PAGE: u32 = 20;

/// Every location, `(value, name)`: the stores, then the warehouse.
async fn locations(state: &AppState, t: &Strings) -> Result<Vec<(String, String)>, UiError> {
    let mut all: Vec<(String, String)> =
        super::store_choices(state).await?.into_iter().map(|(id, name)| (id.to_string(), name)).collect();
    all.push((WAREHOUSE.into(), t.nav_warehouse.into()));
    Ok(all)
}

/// Whether the visitor may adjust at `location` (a visitor not signed in is offered every form:
/// it leads to the sign-in).
fn may_adjust(actor: Option<&Actor>, location: Location) -> bool {
    actor.is_none_or(|a| a.may(&Action::AdjustStock(location)))
}

/// An adjustment as the page shows it.
pub struct AdjustmentView {
    pub id: i64,
    pub date: String,
    pub product: String,
    pub quantity: String,
    pub balance: i64,
    pub reason: &'static str,
    pub note: String,
    pub actor: String,
}

impl AdjustmentView {
    fn of(a: Adjustment) -> Self {
        let t = current();
        AdjustmentView {
            id: a.id.0,
            date: a.date.format(t.datetime_format).to_string(),
            product: a.produit_nom,
            quantity: format!("{:+}", a.quantite),
            balance: a.solde,
            reason: (t.adjusting.reason)(a.motif),
            note: a.note,
            actor: a.acteur,
        }
    }
}

/// The form as the visitor left it.
struct AdjustmentForm {
    location: String,
    product: String,
    quantity: String,
    reason: String,
    note: String,
    errors: FieldErrors,
    message: Option<String>,
}

impl AdjustmentForm {
    fn from_fields(fields: &Fields) -> Self {
        AdjustmentForm {
            location: fields.raw("lieu"),
            product: fields.raw("produit"),
            quantity: fields.raw("quantite"),
            reason: fields.raw("motif"),
            note: fields.raw("note"),
            errors: FieldErrors::default(),
            message: None,
        }
    }

    /// The adjustment to record; `None` when the form has errors.
    fn checked_request(&mut self) -> Option<AdjustmentRequest> {
        let location = location_of(&self.location);
        if location.is_none() {
            self.errors.add_code("lieu", &ValidationCode::NotAChoice { choices: Vec::new() });
        }
        let product = product_number(&self.product);
        if product.is_none() {
            let code = if self.product.trim().is_empty() {
                ValidationCode::Required
            } else {
                ValidationCode::NotAChoice { choices: Vec::new() }
            };
            self.errors.add_code("produit", &code);
        }
        let quantity = self.quantity.trim().parse::<i64>().ok();
        if quantity.is_none() {
            self.errors.add_code("quantite", &ValidationCode::NotAWholeNumber);
        }
        let (Some(location), Some(produit), Some(quantite)) = (location, product, quantity) else {
            return None;
        };
        Some(AdjustmentRequest {
            location,
            produit: ProductId(produit),
            quantite,
            motif: self.reason.trim().to_string(),
            note: self.note.clone(),
        })
    }

    fn explain(&mut self, error: ServiceError) -> Result<StatusCode, UiError> {
        explain_refusal(error, &[], &["quantite", "motif", "note"], &mut self.errors, &mut self.message)
    }
}

#[derive(Template)]
#[template(path = "adjustments.html")]
struct AdjustmentsPage {
    layout: Layout,
    form: AdjustmentForm,
    /// Where the list looks: `(value, name)` of every location, and the one shown.
    locations: Vec<(String, String)>,
    shown: String,
    shown_name: String,
    /// Where the visitor may adjust.
    targets: Vec<(String, String)>,
    reasons: Vec<(&'static str, &'static str)>,
    products: Vec<String>,
    key: String,
    adjustments: Vec<AdjustmentView>,
    next: Option<String>,
    first: Option<String>,
}

async fn adjustments_page(
    state: &AppState,
    visitor: Visitor,
    mut form: AdjustmentForm,
    shown: Location,
    before: Option<i64>,
    status: StatusCode,
) -> Result<Response, UiError> {
    let t = current();
    let locations = locations(state, t).await?;
    let actor = visitor.actor().ok();
    let targets: Vec<(String, String)> = locations
        .iter()
        .filter(|(value, _)| location_of(value).is_some_and(|l| may_adjust(actor.as_ref(), l)))
        .cloned()
        .collect();
    let shown_value = value_of(shown);
    if form.location.is_empty() {
        form.location = shown_value.clone();
    }
    let products = state.services.list_products(None, PageRequest::new(1, 100)).await?;
    let query = AdjustmentQuery {
        location: shown,
        produit: None,
        motif: None,
        from: None,
        to: None,
        cursor: CursorRequest::new(before, ADJUSTMENTS_PER_PAGE),
    };
    let listed = state.services.list_adjustments(&query).await?;
    let base = "/ajustements";
    let keep = [("lieu", shown_value.clone())];
    let shown_name = locations.iter().find(|(v, _)| *v == shown_value).map(|(_, n)| n.clone()).unwrap_or_default();
    let page = AdjustmentsPage {
        layout: visitor.layout(t.adjusting.title, if shown == Location::Warehouse { "/entrepot" } else { "/stock" }),
        form,
        locations,
        shown: shown_value,
        shown_name,
        targets,
        reasons: AdjustmentReason::MANUAL.iter().map(|r| (r.as_str(), (t.adjusting.reason)(*r))).collect(),
        products: products.items.into_iter().map(|p| format!("{} · {}", p.id, p.nom)).collect(),
        key: uuid::Uuid::new_v4().to_string(),
        adjustments: listed.items.into_iter().map(AdjustmentView::of).collect(),
        next: listed.next.map(|n| link(base, &keep, Some(("avant", n.to_string())))),
        first: before.map(|_| link(base, &keep, None)),
    };
    let mut response = visitor.page(&page)?;
    *response.status_mut() = status;
    Ok(response)
}

/// The location `lieu` names, or the first store.
async fn shown_location(state: &AppState, fields: &Fields) -> Result<Location, UiError> {
    if let Some(location) = fields.text("lieu").and_then(location_of) {
        return Ok(location);
    }
    let first = super::store_choices(state).await?.first().map(|(id, _)| *id);
    Ok(first.map_or(Location::Warehouse, |id| Location::Store(StoreId(id))))
}

pub async fn list(State(state): State<AppState>, visitor: Visitor, Query(query): Query) -> Result<Response, UiError> {
    let shown = shown_location(&state, &query).await?;
    let before = query.integer("avant").ok().flatten();
    let form = AdjustmentForm::from_fields(&Fields::default());
    adjustments_page(&state, visitor, form, shown, before, StatusCode::OK).await
}

pub async fn record(State(state): State<AppState>, visitor: Visitor, Form(fields): Form) -> Result<Response, UiError> {
    let mut form = AdjustmentForm::from_fields(&fields);
    let shown = shown_location(&state, &fields).await?;
    let Some(request) = form.checked_request() else {
        return adjustments_page(&state, visitor, form, shown, None, StatusCode::BAD_REQUEST).await;
    };
    // The form's keys live apart from the API's: `ui:` and the key the page was rendered with.
    let key = fields.text("cle").map(|key| format!("ui:{key}"));
    match state.services.record_adjustment(&visitor.actor()?, request, key, None).await {
        Ok(recorded) => {
            let a = recorded.adjustment;
            let back = link("/ajustements", &[("lieu", value_of(a.location))], None);
            Ok(visitor.redirect(&back, Flash::success((current().adjusting.recorded)(&a.produit_nom, a.solde))))
        }
        Err(error) => {
            let status = form.explain(error)?;
            adjustments_page(&state, visitor, form, shown, None, status).await
        }
    }
}

/// One reason's line of the shrinkage page.
pub struct ShrinkageRow {
    pub code: &'static str,
    pub reason: &'static str,
    pub adjustments: i64,
    pub units_out: i64,
    pub units_in: i64,
    pub net_units: i64,
    pub net_value: String,
}

#[derive(Template)]
#[template(path = "shrinkage.html")]
struct ShrinkagePage {
    layout: Layout,
    locations: Vec<(String, String)>,
    shown: String,
    du: String,
    au: String,
    errors: FieldErrors,
    rows: Vec<ShrinkageRow>,
    total: Option<ShrinkageRow>,
    chart: String,
}

pub async fn shrinkage(
    State(state): State<AppState>,
    visitor: Visitor,
    Query(query): Query,
) -> Result<Response, UiError> {
    let t = current();
    let mut errors = FieldErrors::default();
    let from = errors.check(query.date("du"));
    let to = errors.check(query.date("au"));
    let shown = query.raw("lieu");
    let location = location_of(&shown);
    let mut page = ShrinkagePage {
        layout: visitor.layout(t.adjusting.shrinkage_title, "/rapport"),
        locations: locations(&state, t).await?,
        shown,
        du: query.raw("du"),
        au: query.raw("au"),
        errors,
        rows: Vec::new(),
        total: None,
        chart: String::new(),
    };
    if page.errors.is_empty() {
        match state.services.shrinkage(&ShrinkageQuery { location, from, to }).await {
            Ok(report) => {
                let row = |code, reason, l: &magasin_domain::adjustments::ShrinkageLine| ShrinkageRow {
                    code,
                    reason,
                    adjustments: l.adjustments,
                    units_out: l.units_out,
                    units_in: l.units_in,
                    net_units: l.net_units(),
                    net_value: (t.money)(l.net_value()),
                };
                let bars: Vec<Bar> = report
                    .lines
                    .iter()
                    .filter(|l| l.motif != AdjustmentReason::EntryError)
                    .map(|l| Bar {
                        label: (t.adjusting.reason)(l.motif).into(),
                        value: l.net_value().0.max(0),
                        display: (t.money)(l.net_value()),
                    })
                    .collect();
                page.chart = bar_chart("shrinkage-chart", t.adjusting.chart_title, &bars);
                page.total = Some(row("total", t.adjusting.total, &report.total()));
                page.rows =
                    report.lines.iter().map(|l| row(l.motif.as_str(), (t.adjusting.reason)(l.motif), l)).collect();
            }
            Err(ServiceError::Invalid(invalid)) => {
                for e in &invalid.0 {
                    page.errors.add_code("du", &e.code);
                }
            }
            Err(other) => return Err(other.into()),
        }
    }
    let status = if page.errors.is_empty() { StatusCode::OK } else { StatusCode::BAD_REQUEST };
    let mut response = visitor.page(&page)?;
    *response.status_mut() = status;
    Ok(response)
}
