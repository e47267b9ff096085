//! `/entrepot/receptions`: goods received at the warehouse — the form (supplier, delivery note,
//! lines by product number, an idempotency key made when the form opened, so a double submit
//! records one receipt), the latest receipts, and one receipt.

use super::forms::{FieldErrors, Fields, Form, Query};
use super::layout::{Layout, UiError};
use super::lines::{LineInput, explain_refusal, read_lines};
use super::session::{Flash, Visitor};
use super::strings::current;
use super::{link, parse_id};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use magasin_domain::paging::{CursorRequest, PageRequest};
use magasin_domain::receiving::{Receipt, ReceiptLineRequest, ReceiptQuery, ReceiptRequest};
use magasin_domain::{PurchaseOrderId, ReceiptId, ValidationCode};
use magasin_service::ServiceError;

/// Lines on the form.
const FORM_LINES: usize = 8;
const RECEIPTS_PER_PAGE: u32 = 20;

/// A receipt as the pages show it.
pub struct ReceiptView {
    pub id: i64,
    pub date: String,
    pub supplier: String,
    pub note: String,
    pub actor: String,
    /// `(product, name, units)`.
    pub lines: Vec<(i64, String, i64)>,
}

impl ReceiptView {
    fn of(r: Receipt) -> Self {
        ReceiptView {
            id: r.id.0,
            date: r.date.format(current().datetime_format).to_string(),
            supplier: r.fournisseur,
            note: r.bon_livraison,
            actor: r.acteur,
            lines: r.lignes.into_iter().map(|l| (l.produit.0, l.produit_nom, l.quantite)).collect(),
        }
    }

    pub fn summary(&self) -> String {
        self.lines.iter().map(|(_, name, units)| format!("{name} × {units}")).collect::<Vec<_>>().join(", ")
    }
}

/// The form as the visitor left it.
struct ReceiptForm {
    supplier: String,
    note: String,
    /// The purchase order's number, as typed (empty: none).
    order: String,
    lines: Vec<LineInput>,
    errors: FieldErrors,
    message: Option<String>,
}

impl ReceiptForm {
    fn from_fields(fields: &Fields) -> Self {
        ReceiptForm {
            supplier: fields.raw("fournisseur"),
            note: fields.raw("bon_livraison"),
            order: fields.raw("commande"),
            lines: LineInput::read_all(fields, FORM_LINES),
            errors: FieldErrors::default(),
            message: None,
        }
    }

    /// The receipt to record and the form index of each line; `None` when the form has errors.
    fn checked_request(&mut self) -> Option<(ReceiptRequest, Vec<usize>)> {
        let (read, indexes) = read_lines(&self.lines, &mut self.errors);
        let lignes: Vec<ReceiptLineRequest> =
            read.into_iter().map(|(produit, quantite)| ReceiptLineRequest { produit, quantite }).collect();
        if lignes.is_empty() && self.errors.is_empty() {
            self.message = Some(current().receiving.needs_a_line.to_string());
        }
        let order = self.order.trim();
        let commande = if order.is_empty() {
            None
        } else if let Ok(id) = order.parse::<i64>() {
            Some(PurchaseOrderId(id))
        } else {
            self.errors.add_code("commande", &ValidationCode::NotAWholeNumber);
            None
        };
        let request =
            ReceiptRequest { fournisseur: self.supplier.clone(), bon_livraison: self.note.clone(), lignes, commande };
        (self.errors.is_empty() && self.message.is_none()).then_some((request, indexes))
    }

    /// The service's refusal next to its field, or above the form.
    fn explain(&mut self, error: ServiceError, indexes: &[usize]) -> Result<StatusCode, UiError> {
        explain_refusal(
            error,
            indexes,
            &["fournisseur", "bon_livraison", "commande"],
            &mut self.errors,
            &mut self.message,
        )
    }
}

#[derive(Template)]
#[template(path = "receipts.html")]
struct ReceiptsPage {
    layout: Layout,
    form: ReceiptForm,
    /// `"12 · Café moulu"` choices for the product inputs (the first page of the catalogue).
    products: Vec<String>,
    key: String,
    receipts: Vec<ReceiptView>,
    next: Option<String>,
    first: Option<String>,
}

async fn receipts_page(
    state: &AppState,
    visitor: Visitor,
    form: ReceiptForm,
    before: Option<i64>,
    status: StatusCode,
) -> Result<Response, UiError> {
    let t = current();
    let products = state.services.list_products(None, PageRequest::new(1, 100)).await?;
    let query =
        ReceiptQuery { produit: None, from: None, to: None, cursor: CursorRequest::new(before, RECEIPTS_PER_PAGE) };
    let receipts = state.services.list_receipts(&query).await?;
    let page = ReceiptsPage {
        layout: visitor.layout(t.receiving.title, "/entrepot"),
        form,
        products: products.items.into_iter().map(|p| format!("{} · {}", p.id, p.nom)).collect(),
        key: uuid::Uuid::new_v4().to_string(),
        receipts: receipts.items.into_iter().map(ReceiptView::of).collect(),
        next: receipts.next.map(|n| link("/entrepot/receptions", &[], Some(("avant", n.to_string())))),
        first: before.map(|_| "/entrepot/receptions".to_string()),
    };
    let mut response = visitor.page(&page)?;
    *response.status_mut() = status;
    Ok(response)
}

pub async fn list(State(state): State<AppState>, visitor: Visitor, Query(query): Query) -> Result<Response, UiError> {
    let before = query.integer("avant").ok().flatten();
    let mut form = ReceiptForm::from_fields(&Fields::default());
    // `?commande=N`: a delivery of that order, its supplier and what is still due filled in.
    if let Ok(Some(id)) = query.integer("commande") {
        let order = state.services.get_purchase_order(PurchaseOrderId(id)).await?;
        form.order = id.to_string();
        form.supplier = order.fournisseur;
        let due = order.lignes.iter().filter(|l| l.remaining() > 0).take(FORM_LINES);
        for (input, line) in form.lines.iter_mut().zip(due) {
            input.produit = format!("{} · {}", line.produit, line.produit_nom);
            input.quantite = line.remaining().to_string();
        }
    }
    receipts_page(&state, visitor, form, before, StatusCode::OK).await
}

pub async fn record(State(state): State<AppState>, visitor: Visitor, Form(fields): Form) -> Result<Response, UiError> {
    let mut form = ReceiptForm::from_fields(&fields);
    let Some((request, indexes)) = form.checked_request() else {
        return receipts_page(&state, visitor, form, None, StatusCode::BAD_REQUEST).await;
    };
    // The form's keys live apart from the API's: `ui:` and the key the page was rendered with.
    let key = fields.text("cle").map(|key| format!("ui:{key}"));
    match state.services.record_receipt(&visitor.actor()?, request, key, None).await {
        Ok(recorded) => {
            let id = recorded.receipt.id.0;
            Ok(visitor
                .redirect(&format!("/entrepot/receptions/{id}"), Flash::success((current().receiving.recorded)(id))))
        }
        Err(error) => {
            let status = form.explain(error, &indexes)?;
            receipts_page(&state, visitor, form, None, status).await
        }
    }
}

#[derive(Template)]
#[template(path = "receipt_detail.html")]
struct ReceiptPage {
    layout: Layout,
    receipt: ReceiptView,
}

pub async fn detail(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Result<Response, UiError> {
    let receipt = state.services.get_receipt(ReceiptId(parse_id(&id)?)).await?;
    let title = (current().receiving.receipt_title)(receipt.id.0);
    let page = ReceiptPage { layout: visitor.layout(&title, "/entrepot"), receipt: ReceiptView::of(receipt) };
    visitor.page(&page)
}
