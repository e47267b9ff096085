//! Returns at the till: `/ventes/{id}/retour`, what each line of the sale may still give back,
//! the units brought back and their state (a key made when the form opened, so a double submit
//! records one return), and `/retours/{id}`, the credit note (avoir), printable.

use super::forms::{FieldErrors, Fields, Form};
use super::layout::{Layout, UiError};
use super::lines::explain_refusal;
use super::parse_id;
use super::session::{Flash, Visitor};
use super::strings::{Strings, current};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use magasin_domain::returns::{ItemCondition, ReturnLineRequest, ReturnRequest, SaleReturn, returned_per_line};
use magasin_domain::sales::{Sale, SaleStatus};
use magasin_domain::{ReturnId, SaleId, ValidationCode};

/// A credit note as the pages show it.
pub struct CreditNoteView {
    pub id: i64,
    /// `Avoir n° 12`.
    pub title: String,
    pub sale: i64,
    pub store: String,
    pub date: String,
    pub refund: String,
    pub note: String,
    pub actor: String,
    /// `(product, state, units, unit price, amount)`.
    pub lines: Vec<(String, &'static str, i64, String, String)>,
}

impl CreditNoteView {
    pub fn of(r: SaleReturn, t: &Strings) -> Self {
        CreditNoteView {
            id: r.id.0,
            title: (t.returning.credit_note)(r.id.0),
            sale: r.vente.0,
            store: r.magasin_nom,
            date: r.date.format(t.datetime_format).to_string(),
            refund: (t.money)(r.montant),
            note: r.note,
            actor: r.acteur,
            lines: r
                .lignes
                .into_iter()
                .map(|l| {
                    let state = match l.etat {
                        ItemCondition::Resellable => t.returning.resellable,
                        ItemCondition::Damaged => t.returning.damaged,
                    };
                    let amount = (t.money)(l.amount());
                    (l.produit_nom, state, l.quantite, (t.money)(l.prix_unitaire), amount)
                })
                .collect(),
        }
    }
}

/// One line of the sale on the form.
pub struct ReturnLineView {
    pub index: usize,
    pub product: String,
    pub sold: i64,
    pub returned: i64,
    pub left: i64,
    pub unit_price: String,
    pub quantity: String,
    pub damaged: bool,
}

#[derive(Template)]
#[template(path = "return_form.html")]
struct ReturnPage {
    layout: Layout,
    sale: i64,
    store: String,
    date: String,
    lines: Vec<ReturnLineView>,
    note: String,
    key: String,
    errors: FieldErrors,
    message: Option<String>,
}

impl ReturnPage {
    fn nothing_left(&self) -> bool {
        self.lines.iter().all(|l| l.left == 0)
    }
}

async fn return_page(
    state: &AppState,
    visitor: Visitor,
    sale: Sale,
    fields: &Fields,
    errors: FieldErrors,
    message: Option<String>,
    status: StatusCode,
) -> Result<Response, UiError> {
    let t = current();
    let returned = returned_per_line(&state.services.sale_returns(sale.id).await?);
    let lines = sale
        .lignes
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let index = i + 1;
            let already = returned.get(&i64::try_from(index).unwrap_or(i64::MAX)).copied().unwrap_or(0);
            ReturnLineView {
                index,
                product: l.produit_nom.clone(),
                sold: l.quantite,
                returned: already,
                left: (l.quantite - already).max(0),
                unit_price: (t.money)(l.prix_unitaire),
                quantity: fields.raw(&format!("quantite-{index}")),
                damaged: fields.raw(&format!("etat-{index}")) == ItemCondition::Damaged.as_str(),
            }
        })
        .collect();
    let page = ReturnPage {
        layout: visitor.layout(&(t.returning.form_title)(sale.id.0), "/ventes"),
        sale: sale.id.0,
        store: sale.magasin_nom,
        date: sale.date_vente.format(t.datetime_format).to_string(),
        lines,
        note: fields.raw("note"),
        key: fields.text("cle").map_or_else(|| uuid::Uuid::new_v4().to_string(), str::to_string),
        errors,
        message,
    };
    let mut response = visitor.page(&page)?;
    *response.status_mut() = status;
    Ok(response)
}

/// Back to a cancelled sale, told why nothing of it can be returned.
fn back_to_cancelled(visitor: Visitor, sale: &Sale) -> Response {
    visitor.redirect(&format!("/ventes/{}", sale.id), Flash::error(current().status_cancelled))
}

pub async fn form(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Result<Response, UiError> {
    let sale = state.services.get_sale(SaleId(parse_id(&id)?)).await?;
    if sale.statut == SaleStatus::Cancelled {
        return Ok(back_to_cancelled(visitor, &sale));
    }
    return_page(&state, visitor, sale, &Fields::default(), FieldErrors::default(), None, StatusCode::OK).await
}

/// The return the form asks for, and the form line of each of its lines; bad fields in `errors`.
fn read_return(sale: &Sale, fields: &Fields, errors: &mut FieldErrors) -> (ReturnRequest, Vec<usize>) {
    let (mut lignes, mut indexes) = (Vec::new(), Vec::new());
    for index in 1..=sale.lignes.len() {
        let typed = fields.raw(&format!("quantite-{index}"));
        let typed = typed.trim();
        if typed.is_empty() || typed == "0" {
            continue;
        }
        let Ok(quantite) = typed.parse::<i64>() else {
            errors.add_code(&format!("quantite-{index}"), &ValidationCode::NotAWholeNumber);
            continue;
        };
        let etat = fields.text(&format!("etat-{index}")).unwrap_or(ItemCondition::Resellable.as_str()).to_string();
        lignes.push(ReturnLineRequest { ligne: i64::try_from(index).unwrap_or(i64::MAX), quantite, etat });
        indexes.push(index);
    }
    (ReturnRequest { vente: sale.id, lignes, note: fields.raw("note") }, indexes)
}

pub async fn record(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
    Form(fields): Form,
) -> Result<Response, UiError> {
    let t = current();
    let sale = state.services.get_sale(SaleId(parse_id(&id)?)).await?;
    if sale.statut == SaleStatus::Cancelled {
        return Ok(back_to_cancelled(visitor, &sale));
    }
    let mut errors = FieldErrors::default();
    let (request, indexes) = read_return(&sale, &fields, &mut errors);
    if !errors.is_empty() || request.lignes.is_empty() {
        let message = errors.is_empty().then(|| t.returning.needs_a_line.to_string());
        return return_page(&state, visitor, sale, &fields, errors, message, StatusCode::BAD_REQUEST).await;
    }
    // The form's keys live apart from the API's: `ui:` and the key the page was rendered with.
    let key = fields.text("cle").map(|key| format!("ui:{key}"));
    match state.services.record_return(&visitor.actor()?, request, key, None).await {
        Ok(recorded) => {
            let id = recorded.retour.id.0;
            Ok(visitor.redirect(&format!("/retours/{id}"), Flash::success((t.returning.recorded)(id))))
        }
        Err(error) => {
            let mut message = None;
            let status = explain_refusal(error, &indexes, &["note"], &mut errors, &mut message)?;
            return_page(&state, visitor, sale, &fields, errors, message, status).await
        }
    }
}

#[derive(Template)]
#[template(path = "credit_note.html")]
struct CreditNotePage {
    layout: Layout,
    note: CreditNoteView,
}

pub async fn credit_note(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Result<Response, UiError> {
    let t = current();
    let retour = state.services.get_return(ReturnId(parse_id(&id)?)).await?;
    let note = CreditNoteView::of(retour, t);
    let page = CreditNotePage { layout: visitor.layout(&note.title, "/ventes"), note };
    visitor.page(&page)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;
    use magasin_domain::sales::SaleLine;
    use magasin_domain::{Money, ProductId, StoreId};

    fn sale(lines: usize) -> Sale {
        let line = |i: i64| SaleLine {
            produit: ProductId(i),
            produit_nom: format!("P{i}"),
            quantite: 3,
            prix_unitaire: Money(100),
        };
        Sale {
            id: SaleId(7),
            magasin: StoreId(1),
            magasin_nom: "Centre".into(),
            date_vente: Utc::now(),
            total: Money(300),
            statut: SaleStatus::Recorded,
            date_annulation: None,
            lignes: (1..=i64::try_from(lines).unwrap_or(0)).map(line).collect(),
            acteur: "ana".into(),
            annulee_par: None,
            paiement: None,
        }
    }

    #[test]
    fn the_form_returns_the_lines_given_a_quantity_with_their_state() {
        let fields = Fields::parse(b"quantite-1=2&etat-1=abime&quantite-2=&quantite-3=0&quantite-4=x&note=+taille+");
        let mut errors = FieldErrors::default();
        let (request, indexes) = read_return(&sale(4), &fields, &mut errors);
        assert_eq!(request.lignes, [ReturnLineRequest { ligne: 1, quantite: 2, etat: "abime".into() }]);
        assert_eq!(indexes, [1]);
        assert!(!errors.of("quantite-4").is_empty());
        let fields = Fields::parse(b"quantite-2=1&quantite-9=1");
        let (request, _) = read_return(&sale(2), &fields, &mut FieldErrors::default());
        assert_eq!(
            request.lignes,
            [ReturnLineRequest { ligne: 2, quantite: 1, etat: "revendable".into() }],
            "lines the sale lacks are ignored"
        );
    }
}
