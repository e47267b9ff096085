//! Sales pages: record a sale at the till (`/ventes/nouvelle`), the sales list, one sale's
//! receipt, and cancelling with a confirmation step.

use super::forms::{FieldErrors, Fields, Form, Query};
use super::layout::{Layout, UiError};
use super::lines::{LineInput, explain_refusal, read_lines};
use super::returning::CreditNoteView;
use super::session::{Flash, Visitor};
use super::strings::{Strings, current};
use super::{link, parse_id};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use magasin_domain::paging::CursorRequest;
use magasin_domain::sales::{LineRequest, Sale, SaleQuery, SaleRequest, SaleStatus};
use magasin_domain::stock::StockItem;
use magasin_domain::{SaleId, StorageError, StoreId};
use magasin_service::ServiceError;

/// Product lines on the sale form.
pub const FORM_LINES: usize = 5;
/// Sales per page of the list.
const SALES_PER_PAGE: u32 = 20;

/// The sale form as the visitor left it.
struct SaleForm {
    magasin: i64,
    lines: Vec<LineInput>,
    errors: FieldErrors,
    message: Option<String>,
}

impl SaleForm {
    fn empty(magasin: i64) -> Self {
        let lines = (1..=FORM_LINES).map(|index| LineInput { index, produit: String::new(), quantite: String::new() });
        Self { magasin, lines: lines.collect(), errors: FieldErrors::default(), message: None }
    }

    fn from_fields(fields: &Fields) -> Self {
        let mut errors = FieldErrors::default();
        let magasin = errors.check(fields.integer("magasin")).unwrap_or(0);
        Self { magasin, lines: LineInput::read_all(fields, FORM_LINES), errors, message: None }
    }

    /// The sale to record, with the form index of each of its lines; `None` when the form has errors.
    fn checked_request(&mut self) -> Option<(SaleRequest, Vec<usize>)> {
        let t = current();
        let (read, indexes) = read_lines(&self.lines, &mut self.errors);
        let lignes: Vec<LineRequest> =
            read.into_iter().map(|(produit, quantite)| LineRequest { produit, quantite }).collect();
        if self.magasin <= 0 {
            self.errors.add("magasin", t.choose_store);
        }
        if lignes.is_empty() && self.errors.is_empty() {
            self.message = Some(t.sale_needs_a_line.to_string());
        }
        (self.errors.is_empty() && self.message.is_none())
            .then_some((SaleRequest { magasin: StoreId(self.magasin), lignes, paiement: None }, indexes))
    }

    /// Puts the service's refusal next to the right field, or above the form.
    fn explain(&mut self, error: ServiceError, indexes: &[usize]) -> Result<StatusCode, UiError> {
        explain_refusal(error, indexes, &[], &mut self.errors, &mut self.message)
    }
}

fn new_key() -> String {
    uuid::Uuid::new_v4().to_string()
}

#[derive(Template)]
#[template(path = "sale_new.html")]
struct NewSalePage {
    layout: Layout,
    stores: Vec<(i64, String)>,
    stock: Vec<StockItem>,
    form: SaleForm,
    key: String,
}

async fn sale_form_page(
    state: &AppState,
    visitor: Visitor,
    mut form: SaleForm,
    status: StatusCode,
) -> Result<Response, UiError> {
    let t = current();
    let stores = super::store_choices(state).await?;
    if !stores.iter().any(|(id, _)| *id == form.magasin) {
        form.magasin = stores.first().map_or(0, |(id, _)| *id);
    }
    let stock = if form.magasin > 0 { state.services.store_stock(StoreId(form.magasin)).await? } else { Vec::new() };
    let page = NewSalePage {
        layout: visitor.layout(t.new_sale_title, "/ventes/nouvelle"),
        stores,
        stock,
        form,
        key: new_key(),
    };
    let mut response = visitor.page(&page)?;
    *response.status_mut() = status;
    Ok(response)
}

pub async fn new_sale(
    State(state): State<AppState>,
    visitor: Visitor,
    Query(query): Query,
) -> Result<Response, UiError> {
    let mut form = SaleForm::from_fields(&query);
    if form.lines.iter().all(|l| l.produit.is_empty()) {
        form = SaleForm::empty(form.magasin);
    }
    form.errors = FieldErrors::default();
    sale_form_page(&state, visitor, form, StatusCode::OK).await
}

pub async fn record(State(state): State<AppState>, visitor: Visitor, Form(fields): Form) -> Result<Response, UiError> {
    let t = current();
    let mut form = SaleForm::from_fields(&fields);
    let Some((request, indexes)) = form.checked_request() else {
        return sale_form_page(&state, visitor, form, StatusCode::BAD_REQUEST).await;
    };
    // The form's keys live apart from the API's: `ui:` and the key the page was rendered with.
    let key = fields.text("cle").map(|key| format!("ui:{key}"));
    match state.services.record_sale(&visitor.actor()?, request, key, None).await {
        Ok(recorded) => {
            let id = recorded.sale.id.0;
            Ok(visitor.redirect(&format!("/ventes/{id}"), Flash::success((t.sale_recorded)(id))))
        }
        Err(error) => {
            let status = form.explain(error, &indexes)?;
            sale_form_page(&state, visitor, form, status).await
        }
    }
}

/// A sale as the pages show it.
pub struct SaleView {
    pub id: i64,
    pub store: String,
    pub date: String,
    pub total: String,
    pub cancelled: bool,
    pub status: &'static str,
    pub cancelled_on: Option<String>,
    pub lines: Vec<LineView>,
    /// How it was paid, as the receipt prints it: the method, then for cash what was tendered
    /// and the change (empty when the till said nothing).
    pub payment: Vec<(&'static str, String)>,
}

pub struct LineView {
    pub product: String,
    pub quantity: i64,
    pub unit_price: String,
    pub amount: String,
}

impl SaleView {
    fn new(sale: Sale, t: &Strings) -> Self {
        let cancelled = sale.statut == SaleStatus::Cancelled;
        SaleView {
            id: sale.id.0,
            store: sale.magasin_nom,
            date: sale.date_vente.format(t.datetime_format).to_string(),
            total: (t.money)(sale.total),
            cancelled,
            status: if cancelled { t.status_cancelled } else { t.status_recorded },
            cancelled_on: sale.date_annulation.map(|d| d.format(t.datetime_format).to_string()),
            payment: sale.paiement.map_or_else(Vec::new, |p| {
                let mut rows = vec![(t.payment.method, (t.payment.name)(p.mode).to_string())];
                rows.extend(p.montant_remis.map(|m| (t.payment.tendered, (t.money)(m))));
                rows.extend(p.rendu.map(|m| (t.payment.change, (t.money)(m))));
                rows
            }),
            lines: sale
                .lignes
                .into_iter()
                .map(|l| LineView {
                    amount: (t.money)(l.amount()),
                    product: l.produit_nom,
                    quantity: l.quantite,
                    unit_price: (t.money)(l.prix_unitaire),
                })
                .collect(),
        }
    }
}

#[derive(Template)]
#[template(path = "sales.html")]
struct SalesPage {
    layout: Layout,
    stores: Vec<(i64, String)>,
    magasin: i64,
    du: String,
    au: String,
    errors: FieldErrors,
    sales: Vec<SaleView>,
    next: Option<String>,
    first: Option<String>,
}

pub async fn list(State(state): State<AppState>, visitor: Visitor, Query(query): Query) -> Result<Response, UiError> {
    let t = current();
    let mut errors = FieldErrors::default();
    let magasin = errors.check(query.integer("magasin"));
    let from = errors.check(query.date("du"));
    let to = errors.check(query.date("au"));
    let before = errors.check(query.integer("avant"));
    let stores = super::store_choices(&state).await?;
    let magasin = magasin.filter(|m| stores.iter().any(|(id, _)| id == m));
    let (sales, next) = if errors.is_empty() {
        let sale_query =
            SaleQuery { magasin: magasin.map(StoreId), from, to, cursor: CursorRequest::new(before, SALES_PER_PAGE) };
        let page = state.services.list_sales(&sale_query).await?;
        (page.items.into_iter().map(|s| SaleView::new(s, t)).collect(), page.next)
    } else {
        (Vec::new(), None)
    };
    let filters = [("magasin", query.raw("magasin")), ("du", query.raw("du")), ("au", query.raw("au"))];
    let page = SalesPage {
        layout: visitor.layout(t.sales_title, "/ventes"),
        stores,
        magasin: magasin.unwrap_or(0),
        du: query.raw("du"),
        au: query.raw("au"),
        errors,
        sales,
        next: next.map(|n| link("/ventes", &filters, Some(("avant", n.to_string())))),
        first: before.map(|_| link("/ventes", &filters, None)),
    };
    visitor.page(&page)
}

#[derive(Template)]
#[template(path = "sale_detail.html")]
struct SaleDetailPage {
    layout: Layout,
    sale: SaleView,
    /// The sale's credit notes.
    returns: Vec<CreditNoteView>,
}

pub async fn detail(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Result<Response, UiError> {
    let t = current();
    let sale = state.services.get_sale(SaleId(parse_id(&id)?)).await?;
    let returns = state.services.sale_returns(sale.id).await?;
    let returns = returns.into_iter().map(|r| CreditNoteView::of(r, t)).collect();
    let sale = SaleView::new(sale, t);
    let layout = visitor.layout(&format!("{} n° {}", t.sale, sale.id), "/ventes");
    let page = SaleDetailPage { layout, sale, returns };
    visitor.page(&page)
}

#[derive(Template)]
#[template(path = "sale_cancel.html")]
struct CancelPage {
    layout: Layout,
    sale: SaleView,
}

pub async fn confirm_cancel(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Result<Response, UiError> {
    let t = current();
    let sale = SaleView::new(state.services.get_sale(SaleId(parse_id(&id)?)).await?, t);
    if sale.cancelled {
        return Ok(visitor.redirect(&format!("/ventes/{}", sale.id), Flash::error(t.status_cancelled)));
    }
    let page = CancelPage { layout: visitor.layout(t.cancel_confirm_title, "/ventes"), sale };
    visitor.page(&page)
}

pub async fn cancel(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Result<Response, UiError> {
    let t = current();
    let id = parse_id(&id)?;
    let to = format!("/ventes/{id}");
    match state.services.cancel_sale(&visitor.actor()?, SaleId(id), None).await {
        Ok(_) => Ok(visitor.redirect(&to, Flash::success((t.sale_cancelled)(id)))),
        Err(ServiceError::Storage(StorageError::Conflict(message))) => Ok(visitor.redirect(&to, Flash::error(message))),
        Err(ServiceError::Storage(StorageError::DayClosed { store_name, jour, .. })) => {
            Ok(visitor.redirect(&to, Flash::error((t.closing.day_closed)(&store_name, jour))))
        }
        Err(other) => Err(other.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::lines::line_of_field;
    use magasin_domain::ProductId;

    #[test]
    fn the_form_keeps_lines_with_a_product_and_flags_bad_quantities() {
        let fields = Fields::parse(
            b"magasin=2&produit-1=4&quantite-1=3&produit-2=&quantite-2=9&produit-3=7&quantite-3=beaucoup",
        );
        let mut form = SaleForm::from_fields(&fields);
        assert!(form.checked_request().is_none());
        assert_eq!(form.errors.of("quantite-3"), "Saisissez un nombre entier.");
        let fields = Fields::parse(b"magasin=2&produit-1=4&quantite-1=3&produit-4=7&quantite-4=1");
        let (request, indexes) = SaleForm::from_fields(&fields).checked_request().expect("valid");
        assert_eq!(request.lignes.len(), 2);
        assert_eq!(indexes, vec![1, 4]);
        let mut empty = SaleForm::from_fields(&Fields::parse(b"magasin=2"));
        assert!(empty.checked_request().is_none());
        assert_eq!(empty.message.as_deref(), Some(current().sale_needs_a_line));
    }

    /// A refusal nobody had listed for translation used to show in English on the French page
    /// (here a key the visitor tampered with, longer than 200 characters).
    #[test]
    fn every_refusal_of_the_sale_is_explained_in_french() {
        let mut form = SaleForm::from_fields(&Fields::parse(b"magasin=2&produit-1=4&quantite-1=3"));
        let (request, indexes) = form.checked_request().expect("valid");
        let key = magasin_domain::sales::IdempotencyKey::new(format!("ui:{}", "k".repeat(250)), &request);
        let refused = magasin_domain::sales::validate_sale(request, chrono::Utc::now(), Some(key));
        let status = form.explain(ServiceError::Invalid(refused.expect_err("key too long")), &indexes);
        assert_eq!(status.ok(), Some(StatusCode::BAD_REQUEST));
        assert_eq!(form.message.as_deref(), Some("La clé d'idempotence doit avoir de 1 à 200 caractères imprimables."));
    }

    #[test]
    fn the_same_lines_give_the_same_fingerprint() {
        let sale = |q| SaleRequest {
            magasin: StoreId(1),
            lignes: vec![LineRequest { produit: ProductId(2), quantite: q }],
            paiement: None,
        };
        assert_eq!(sale(1).fingerprint(), sale(1).fingerprint());
        assert_ne!(sale(1).fingerprint(), sale(2).fingerprint());
        assert_eq!(line_of_field("lignes[3].quantite"), Some(3));
        assert_eq!(line_of_field("magasin"), None);
    }
}
