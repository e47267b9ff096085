//! `/entrepot/commandes`: purchase orders — the draft form (supplier, tolerance, lines by product
//! number), the orders newest first by status, and one order with what each line ordered,
//! received and still expects, its actions (send, close, cancel) and the receipt form of its
//! next delivery.

use super::forms::{FieldErrors, Fields, Form, Query};
use super::layout::{Layout, UiError};
use super::lines::{LineInput, explain_refusal, read_lines};
use super::session::{Flash, Visitor};
use super::strings::current;
use super::{link, parse_id};
use crate::AppState;
use crate::api::v1::rules::{as_csv_lines, parse_csv};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use magasin_domain::paging::{CursorRequest, PageRequest};
use magasin_domain::purchasing::{OrderChange, OrderLineRequest, OrderQuery, OrderRequest, OrderStatus, PurchaseOrder};
use magasin_domain::reordering::WarehouseSuggestion;
use magasin_domain::sales::MAX_LINES;
use magasin_domain::{PurchaseOrderId, StorageError, ValidationErrors};
use magasin_service::ServiceError;

/// Lines on the form.
const FORM_LINES: usize = 8;
const ORDERS_PER_PAGE: u32 = 20;

/// An order as the pages show it.
pub struct OrderView {
    pub id: i64,
    pub date: String,
    pub supplier: String,
    pub status: &'static str,
    pub status_code: &'static str,
    pub tolerance: i64,
    pub actor: String,
    pub changed: String,
    /// `(product, name, ordered, received, still due)`.
    pub lines: Vec<(i64, String, i64, i64, i64)>,
    pub can_send: bool,
    pub can_close: bool,
    pub can_cancel: bool,
    pub receives: bool,
}

impl OrderView {
    fn of(o: PurchaseOrder) -> Self {
        let t = current();
        let received = o.lignes.iter().any(|l| l.recue > 0);
        let changed = match (o.modifiee_le, o.modifiee_par) {
            (Some(at), Some(by)) => format!("{} · {by}", at.format(t.datetime_format)),
            _ => String::new(),
        };
        OrderView {
            id: o.id.0,
            date: o.date.format(t.datetime_format).to_string(),
            supplier: o.fournisseur,
            status: (t.ordering.status_label)(o.statut),
            status_code: o.statut.as_str(),
            tolerance: o.tolerance_pct,
            actor: o.acteur,
            changed,
            can_send: OrderChange::Send.apply(o.statut, received).is_ok(),
            can_close: OrderChange::Close.apply(o.statut, received).is_ok(),
            can_cancel: OrderChange::Cancel.apply(o.statut, received).is_ok(),
            receives: o.statut.receives(),
            lines: o
                .lignes
                .into_iter()
                .map(|l| (l.produit.0, l.produit_nom.clone(), l.commandee, l.recue, l.remaining()))
                .collect(),
        }
    }

    pub fn summary(&self) -> String {
        let lines = self.lines.iter().map(|(_, name, ordered, received, _)| format!("{name} {received}/{ordered}"));
        lines.collect::<Vec<_>>().join(", ")
    }
}

/// The draft form as the visitor left it.
struct OrderForm {
    supplier: String,
    tolerance: String,
    lines: Vec<LineInput>,
    errors: FieldErrors,
    message: Option<String>,
}

impl OrderForm {
    fn from_fields(fields: &Fields) -> Self {
        OrderForm {
            supplier: fields.raw("fournisseur"),
            tolerance: fields.raw("tolerance"),
            lines: LineInput::read_all(fields, FORM_LINES),
            errors: FieldErrors::default(),
            message: None,
        }
    }

    /// The order to create and the form index of each line; `None` when the form has errors.
    fn checked_request(&mut self) -> Option<(OrderRequest, Vec<usize>)> {
        let (read, indexes) = read_lines(&self.lines, &mut self.errors);
        let lignes: Vec<OrderLineRequest> =
            read.into_iter().map(|(produit, quantite)| OrderLineRequest { produit, quantite }).collect();
        if lignes.is_empty() && self.errors.is_empty() {
            self.message = Some(current().receiving.needs_a_line.to_string());
        }
        let tolerance = self.tolerance.trim();
        let tolerance_pct = if tolerance.is_empty() {
            0
        } else {
            tolerance.parse().unwrap_or_else(|_| {
                self.errors.add_code("tolerance", &magasin_domain::ValidationCode::NotAWholeNumber);
                0
            })
        };
        let request = OrderRequest { fournisseur: self.supplier.clone(), lignes, tolerance_pct };
        (self.errors.is_empty() && self.message.is_none()).then_some((request, indexes))
    }
}

#[derive(Template)]
#[template(path = "orders.html")]
struct OrdersPage {
    layout: Layout,
    form: OrderForm,
    products: Vec<String>,
    statuses: Vec<(&'static str, &'static str)>,
    statut: String,
    orders: Vec<OrderView>,
    next: Option<String>,
    first: Option<String>,
    suggestions: Vec<WarehouseSuggestion>,
    csv: String,
}

async fn orders_page(
    state: &AppState,
    visitor: Visitor,
    form: OrderForm,
    query: &Fields,
    status: StatusCode,
) -> Result<Response, UiError> {
    let t = current();
    let before = query.integer("avant").ok().flatten();
    let statut = query.text("statut").and_then(|s| OrderStatus::parse(s).ok());
    let products = state.services.list_products(None, PageRequest::new(1, 100)).await?;
    let orders = state
        .services
        .list_purchase_orders(&OrderQuery { statut, cursor: CursorRequest::new(before, ORDERS_PER_PAGE) })
        .await?;
    let suggestions = state.services.warehouse_suggestions().await?;
    let statut = statut.map(|s| s.as_str().to_string()).unwrap_or_default();
    let filter = if statut.is_empty() { Vec::new() } else { vec![("statut", statut.clone())] };
    let page = OrdersPage {
        suggestions,
        csv: query.raw("csv"),
        layout: visitor.layout(t.ordering.title, "/entrepot"),
        form,
        products: products.items.into_iter().map(|p| format!("{} · {}", p.id, p.nom)).collect(),
        statuses: OrderStatus::ALL.iter().map(|s| (s.as_str(), (t.ordering.status_label)(*s))).collect(),
        next: orders.next.map(|n| link("/entrepot/commandes", &filter, Some(("avant", n.to_string())))),
        first: before.map(|_| link("/entrepot/commandes", &filter, None)),
        statut,
        orders: orders.items.into_iter().map(OrderView::of).collect(),
    };
    let mut response = visitor.page(&page)?;
    *response.status_mut() = status;
    Ok(response)
}

pub async fn list(State(state): State<AppState>, visitor: Visitor, Query(query): Query) -> Result<Response, UiError> {
    orders_page(&state, visitor, OrderForm::from_fields(&Fields::default()), &query, StatusCode::OK).await
}

pub async fn create(State(state): State<AppState>, visitor: Visitor, Form(fields): Form) -> Result<Response, UiError> {
    let mut form = OrderForm::from_fields(&fields);
    let Some((request, indexes)) = form.checked_request() else {
        return orders_page(&state, visitor, form, &Fields::default(), StatusCode::BAD_REQUEST).await;
    };
    match state.services.create_purchase_order(&visitor.actor()?, request, None).await {
        Ok(order) => {
            let id = order.id.0;
            Ok(visitor.redirect(&format!("/entrepot/commandes/{id}"), Flash::success((current().ordering.created)(id))))
        }
        Err(error) => {
            let fields = ["fournisseur", "tolerance", "lignes"];
            let status = explain_refusal(error, &indexes, &fields, &mut form.errors, &mut form.message)?;
            orders_page(&state, visitor, form, &Fields::default(), status).await
        }
    }
}

/// Turns the warehouse's suggestions into draft orders to the supplier typed, and comes back
/// saying what it did.
pub async fn order_suggestions(
    State(state): State<AppState>,
    visitor: Visitor,
    Form(fields): Form,
) -> Result<Response, UiError> {
    let t = current();
    let flash = match state.services.order_from_suggestions(&visitor.actor()?, &fields.raw("fournisseur"), None).await {
        Ok(raised) => {
            let created = raised.iter().filter(|r| r.created).count();
            Flash::success((t.ordering.prepared)(created, raised.len() - created))
        }
        Err(ServiceError::Invalid(errors)) => Flash::error(FieldErrors::from_service(&errors).all().join(" ")),
        Err(other) => return Err(other.into()),
    };
    Ok(visitor.redirect("/entrepot/commandes", flash))
}

/// Loads the warehouse's rules from the CSV pasted; a refusal names the CSV line.
pub async fn import_rules(
    State(state): State<AppState>,
    visitor: Visitor,
    Form(fields): Form,
) -> Result<Response, UiError> {
    let t = current();
    let refusal = |invalid: ValidationErrors| {
        let lines: Vec<String> =
            invalid.0.iter().take(10).map(|e| format!("{} : {}", e.field, (t.validation)(&e.code))).collect();
        Flash::error(lines.join(" · "))
    };
    let flash = match parse_csv(&fields.raw("csv")) {
        Err(invalid) => refusal(invalid),
        Ok(inputs) => match state.services.set_warehouse_rules(&visitor.actor()?, inputs, None).await {
            Ok(count) => Flash::success((t.ordering.rules_saved)(count)),
            Err(ServiceError::Invalid(invalid)) => refusal(as_csv_lines(invalid)),
            Err(ServiceError::Storage(StorageError::NotFound { entity, id })) => Flash::error((t.no_such)(entity, id)),
            Err(other) => return Err(other.into()),
        },
    };
    Ok(visitor.redirect("/entrepot/commandes", flash))
}

#[derive(Template)]
#[template(path = "order_detail.html")]
struct OrderPage {
    layout: Layout,
    order: OrderView,
}

pub async fn detail(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Result<Response, UiError> {
    let order = state.services.get_purchase_order(PurchaseOrderId(parse_id(&id)?)).await?;
    let title = (current().ordering.order_title)(order.id.0);
    let page = OrderPage { layout: visitor.layout(&title, "/entrepot"), order: OrderView::of(order) };
    visitor.page(&page)
}

async fn change(state: &AppState, visitor: Visitor, id: &str, change: OrderChange) -> Result<Response, UiError> {
    let t = current();
    let id = parse_id(id)?;
    let to = format!("/entrepot/commandes/{id}");
    match state.services.change_purchase_order(&visitor.actor()?, PurchaseOrderId(id), change, None).await {
        Ok(order) => {
            Ok(visitor.redirect(&to, Flash::success((t.ordering.changed)(id, (t.ordering.status_label)(order.statut)))))
        }
        Err(magasin_service::ServiceError::Storage(magasin_domain::StorageError::Conflict(message))) => {
            Ok(visitor.redirect(&to, Flash::error(message)))
        }
        Err(other) => Err(other.into()),
    }
}

pub async fn send(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Result<Response, UiError> {
    change(&state, visitor, &id, OrderChange::Send).await
}

pub async fn close(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Result<Response, UiError> {
    change(&state, visitor, &id, OrderChange::Close).await
}

pub async fn cancel(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Result<Response, UiError> {
    change(&state, visitor, &id, OrderChange::Cancel).await
}

const _: () = assert!(FORM_LINES <= MAX_LINES);
