//! The till (`/caisse`): one input takes a scanned barcode (a scanner types it and Enter), a SKU
//! or part of a name; the sale's lines with the store's stock and the running total; the
//! payment. The key the sale is recorded with is made when the screen opens and travels with
//! every round trip, so a double submit or a retry records the sale once.
//!
//! Every action is a form post the server answers with the whole screen: the page works without
//! script. `static/caisse.js` does the same in the page (suggestions while typing, lines added
//! without a round trip) and posts the same fields.

use super::forms::{FieldErrors, Fields, Form, Query};
use super::layout::{Layout, UiError};
use super::lines::explain_refusal;
use super::session::{Flash, Visitor};
use super::strings::current;
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use magasin_domain::accounts::{Action, Actor};
use magasin_domain::sales::{LineRequest, MAX_LINES, Payment, PaymentMethod, SaleRequest, settle};
use magasin_domain::till::{StockWarning, TillItem};
use magasin_domain::{Money, ProductId, StoreId, ValidationCode};
use std::collections::HashMap;

/// The payment's fields, named as the service names them (its refusals land next to them).
const MODE: &str = "paiement.mode";
const TENDERED: &str = "paiement.montant_remis";

/// One line of the till, as posted.
struct PostedLine {
    index: usize,
    produit: i64,
    quantite: String,
}

/// A line as the screen shows it.
pub struct LineView {
    pub index: usize,
    pub produit: i64,
    pub nom: String,
    pub code: String,
    pub prix: String,
    pub prix_cents: i64,
    pub quantite: String,
    pub montant: String,
    pub disponible: i64,
    /// The stock warning, empty when there is none.
    pub warning: String,
    /// The sale would be refused for this line's stock.
    pub short: bool,
}

/// The screen as the cashier left it.
struct TillForm {
    magasin: i64,
    key: String,
    lines: Vec<PostedLine>,
    code: String,
    mode: String,
    tendered: String,
    errors: FieldErrors,
    message: Option<String>,
    /// Products the input matched when it named none exactly: the cashier picks one.
    choices: Vec<TillItem>,
}

impl TillForm {
    fn opened(magasin: i64) -> Self {
        TillForm {
            magasin,
            key: uuid::Uuid::new_v4().to_string(),
            lines: Vec::new(),
            code: String::new(),
            mode: PaymentMethod::Cash.as_str().to_string(),
            tendered: String::new(),
            errors: FieldErrors::default(),
            message: None,
            choices: Vec::new(),
        }
    }

    /// The posted screen: lines `produit-N`/`quantite-N` for any N up to [`MAX_LINES`] (lines
    /// removed in the page leave gaps), a line naming no product number skipped.
    fn posted(fields: &Fields) -> Self {
        let mut errors = FieldErrors::default();
        let magasin = errors.check(fields.integer("magasin")).unwrap_or(0);
        let lines = (1..=MAX_LINES)
            .filter_map(|index| {
                let produit = fields.text(&format!("produit-{index}"))?.parse().ok().filter(|p| *p > 0)?;
                Some(PostedLine { index, produit, quantite: fields.raw(&format!("quantite-{index}")) })
            })
            .collect();
        let key = fields.text("cle").map_or_else(|| uuid::Uuid::new_v4().to_string(), str::to_string);
        TillForm {
            magasin,
            key,
            lines,
            code: fields.raw("code"),
            mode: fields.text(MODE).unwrap_or(PaymentMethod::Cash.as_str()).to_string(),
            tendered: fields.raw(TENDERED),
            errors,
            message: None,
            choices: Vec::new(),
        }
    }

    /// One more unit of `produit`: a new line, or one more on its line.
    fn add(&mut self, produit: i64) {
        let count = self.lines.len();
        match self.lines.iter_mut().find(|l| l.produit == produit) {
            Some(line) => {
                let quantity = line.quantite.trim().parse::<i64>().map_or(1, |q| q.saturating_add(1).max(1));
                line.quantite = quantity.to_string();
            }
            None if count < MAX_LINES => {
                let index = self.lines.last().map_or(1, |l| l.index + 1);
                self.lines.push(PostedLine { index, produit, quantite: "1".into() });
            }
            None => self.message = Some((current().validation)(&ValidationCode::TooManyLines { max: MAX_LINES })),
        }
        self.code.clear();
    }

    /// Numbers the lines 1, 2, … again (after a removal).
    fn renumber(&mut self) {
        for (i, line) in self.lines.iter_mut().enumerate() {
            line.index = i + 1;
        }
    }

    /// The payment as typed, its messages kept (what is not a method or an amount; the rules of
    /// a payment are the domain's, said back by the service next to the same fields).
    fn payment(&mut self) -> Option<Payment> {
        let mode = PaymentMethod::parse(&self.mode);
        if mode.is_none() {
            self.errors.add_code(MODE, &PaymentMethod::choices());
        }
        let tendered = match self.tendered.trim() {
            "" => None,
            text => Money::parse_price(text).map_err(|e| self.errors.add_code(TENDERED, &e.into())).ok(),
        };
        Some(Payment { mode: mode?, montant_remis: tendered })
    }

    /// The sale to record, with the index of each of its lines; `None` with the messages said.
    fn checked_request(&mut self) -> Option<(SaleRequest, Vec<usize>)> {
        let t = current();
        let mut lignes = Vec::new();
        let mut indexes = Vec::new();
        for line in &self.lines {
            match line.quantite.trim().parse::<i64>() {
                Ok(quantite) => {
                    lignes.push(LineRequest { produit: ProductId(line.produit), quantite });
                    indexes.push(line.index);
                }
                Err(_) => self.errors.add_code(&format!("quantite-{}", line.index), &ValidationCode::NotAWholeNumber),
            }
        }
        let paiement = self.payment();
        if self.lines.is_empty() {
            self.message = Some(t.sale_needs_a_line.to_string());
        }
        let ready = self.errors.is_empty() && self.message.is_none();
        ready.then_some((SaleRequest { magasin: StoreId(self.magasin), lignes, paiement }, indexes))
    }
}

#[derive(Template)]
#[template(path = "till.html")]
struct TillPage {
    layout: Layout,
    stores: Vec<(i64, String)>,
    form: TillForm,
    lines: Vec<LineView>,
    total: String,
    total_cents: i64,
    /// The change due, when cash tendered covers the total.
    change: String,
    /// The next line's number (the page's script numbers the lines it adds from it).
    next_index: usize,
    methods: Vec<(&'static str, &'static str)>,
    /// The stock warnings and the "nothing found" message with `{n}` and `{q}` where the
    /// numbers and the text go, for the page's script.
    short_text: String,
    low_text: String,
    last_text: String,
    nothing_text: String,
}

/// A message of the strings with `{n}` in place of its number (the script fills it in).
fn with_number(text: impl Fn(i64) -> String) -> String {
    const MARK: i64 = 987_654_321;
    text(MARK).replace(&MARK.to_string(), "{n}")
}

/// The stores the visitor may sell in (every store before they sign in: the post asks them to).
async fn selling_stores(state: &AppState, actor: Option<&Actor>) -> Result<Vec<(i64, String)>, UiError> {
    let stores = super::store_choices(state).await?;
    Ok(match actor {
        Some(actor) => stores.into_iter().filter(|(id, _)| actor.may(&Action::RecordSale(StoreId(*id)))).collect(),
        None => stores,
    })
}

async fn till_page(
    state: &AppState,
    visitor: Visitor,
    mut form: TillForm,
    status: StatusCode,
) -> Result<Response, UiError> {
    let t = current();
    let stores = selling_stores(state, visitor.acting.as_ref()).await?;
    if !stores.iter().any(|(id, _)| *id == form.magasin) {
        form.magasin = stores.first().map_or(0, |(id, _)| *id);
    }
    let products: Vec<ProductId> = form.lines.iter().map(|l| ProductId(l.produit)).collect();
    let known: HashMap<i64, TillItem> = if form.magasin > 0 {
        let items = state.services.till_lines(StoreId(form.magasin), products).await?;
        items.into_iter().map(|i| (i.id.0, i)).collect()
    } else {
        HashMap::new()
    };
    // A product the catalogue no longer holds leaves the screen, said above it.
    if let Some(gone) = form.lines.iter().find(|l| !known.contains_key(&l.produit)) {
        form.message.get_or_insert_with(|| (t.no_such)("product", gone.produit));
    }
    form.lines.retain(|l| known.contains_key(&l.produit));
    let mut total = 0i64;
    let lines: Vec<LineView> = form
        .lines
        .iter()
        .filter_map(|line| {
            let item = known.get(&line.produit)?;
            let quantity = line.quantite.trim().parse::<i64>().ok().filter(|q| *q > 0);
            let amount = quantity.map(|q| item.prix.0.saturating_mul(q));
            total = total.saturating_add(amount.unwrap_or(0));
            let warning = quantity.and_then(|q| StockWarning::of(item.disponible, q));
            Some(LineView {
                index: line.index,
                produit: line.produit,
                nom: item.nom.clone(),
                code: item.code_barres.clone().or_else(|| item.sku.clone()).unwrap_or_default(),
                prix: (t.money)(item.prix),
                prix_cents: item.prix.0,
                quantite: line.quantite.clone(),
                montant: amount.map(|a| (t.money)(Money(a))).unwrap_or_default(),
                disponible: item.disponible,
                short: matches!(warning, Some(StockWarning::Short { .. })),
                warning: warning.map(|w| (t.till.warning)(w)).unwrap_or_default(),
            })
        })
        .collect();
    let change = match (PaymentMethod::parse(&form.mode), Money::parse_price(form.tendered.trim())) {
        (Some(mode), Ok(given)) => settle(&Payment { mode, montant_remis: Some(given) }, Money(total))
            .ok()
            .and_then(|p| p.rendu)
            .map(|r| (t.money)(r))
            .unwrap_or_default(),
        _ => String::new(),
    };
    let page = TillPage {
        layout: visitor.layout(t.till.title, "/caisse"),
        stores,
        next_index: lines.last().map_or(1, |l| l.index + 1),
        lines,
        total: (t.money)(Money(total)),
        total_cents: total,
        change,
        methods: PaymentMethod::ALL.iter().map(|m| (m.as_str(), (t.payment.name)(*m))).collect(),
        short_text: with_number(|n| (t.till.warning)(StockWarning::Short { available: n })),
        low_text: with_number(|n| (t.till.warning)(StockWarning::Low { left: n })),
        last_text: (t.till.warning)(StockWarning::Low { left: 0 }),
        nothing_text: (t.till.nothing_found)("{q}"),
        form,
    };
    let mut response = visitor.page(&page)?;
    *response.status_mut() = status;
    // Never kept for the Back button: a screen shown again would carry the key of a sale already
    // recorded, and other lines would be refused as another sale under the same key.
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// A new screen: a new sale, with its key; the visitor's first store unless `magasin` says.
pub async fn open(State(state): State<AppState>, visitor: Visitor, Query(query): Query) -> Result<Response, UiError> {
    let magasin = query.integer("magasin").ok().flatten().unwrap_or(0);
    till_page(&state, visitor, TillForm::opened(magasin), StatusCode::OK).await
}

/// Every action of the screen: add what the input names (`action=ajouter`, the default of
/// Enter), add a product the cashier picked (`ajouter_produit`), remove a line (`retirer`),
/// recount (`action=actualiser`), or record the sale and go to its receipt (`action=encaisser`).
pub async fn act(State(state): State<AppState>, visitor: Visitor, Form(fields): Form) -> Result<Response, UiError> {
    let mut form = TillForm::posted(&fields);
    if let Some(index) = fields.text("retirer").and_then(|i| i.parse::<usize>().ok()) {
        form.lines.retain(|l| l.index != index);
    }
    if let Some(produit) = fields.text("ajouter_produit").and_then(|p| p.parse::<i64>().ok()).filter(|p| *p > 0) {
        form.add(produit);
    }
    form.renumber();
    match fields.text("action") {
        Some("encaisser") => return record(&state, visitor, form).await,
        Some("actualiser") | None => {}
        Some(_) => look_up(&state, &mut form).await?,
    }
    till_page(&state, visitor, form, StatusCode::OK).await
}

/// Adds the product the input names: the one its barcode or SKU is, or the only one whose name
/// holds it; several are offered to pick from; none is said next to the input.
async fn look_up(state: &AppState, form: &mut TillForm) -> Result<(), UiError> {
    let t = current();
    let typed = form.code.trim().to_string();
    if typed.is_empty() || form.magasin <= 0 {
        return Ok(());
    }
    match state.services.till_search(StoreId(form.magasin), &typed).await {
        Ok(found) => match found.as_slice() {
            [] => form.errors.add("code", &(t.till.nothing_found)(&typed)),
            [only] => form.add(only.id.0),
            [first, ..] if first.code_exact => form.add(first.id.0),
            _ => form.choices = found,
        },
        Err(magasin_service::ServiceError::Invalid(errors)) => {
            for e in &errors.0 {
                form.errors.add_code("code", &e.code);
            }
        }
        Err(other) => return Err(other.into()),
    }
    Ok(())
}

/// Records the sale with the screen's key, then shows its receipt; a refusal is said next to
/// its line or field, the screen kept as it was.
async fn record(state: &AppState, visitor: Visitor, mut form: TillForm) -> Result<Response, UiError> {
    let t = current();
    let Some((request, indexes)) = form.checked_request() else {
        return till_page(state, visitor, form, StatusCode::BAD_REQUEST).await;
    };
    // The screen's keys live apart from the API's: `ui:` and the key made when it opened.
    let key = Some(format!("ui:{}", form.key));
    match state.services.record_sale(&visitor.actor()?, request, key, None).await {
        Ok(recorded) => {
            let id = recorded.sale.id.0;
            Ok(visitor.redirect(&format!("/ventes/{id}"), Flash::success((t.sale_recorded)(id))))
        }
        Err(error) => {
            let status = explain_refusal(error, &indexes, &[MODE, TENDERED], &mut form.errors, &mut form.message)?;
            till_page(state, visitor, form, status).await
        }
    }
}
