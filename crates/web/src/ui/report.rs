//! `/rapport`: the consolidated sales report per store over a range of days, and its CSV export.

use super::forms::{FieldErrors, Fields, Query};
use super::layout::{Layout, UiError};
use super::link;
use super::session::Visitor;
use super::strings::current;
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use magasin_domain::reporting::{ReportFilter, StoreReport, format_trend};
use magasin_service::ServiceError;

pub struct ReportRow {
    pub id: i64,
    pub name: String,
    /// Net of returns.
    pub total: String,
    /// What returns refunded.
    pub returns: String,
    pub products: String,
}

#[derive(Template)]
#[template(path = "report.html")]
struct ReportPage {
    layout: Layout,
    du: String,
    au: String,
    errors: FieldErrors,
    rows: Vec<ReportRow>,
    csv_link: String,
}

/// The date range typed in `du` and `au`, or the messages that explain why it is not one.
fn filter_of(query: &Fields) -> Result<ReportFilter, FieldErrors> {
    let mut errors = FieldErrors::default();
    let from = errors.check(query.date("du"));
    let to = errors.check(query.date("au"));
    if errors.is_empty() { Ok(ReportFilter { magasin: None, from, to }) } else { Err(errors) }
}

/// The report, or the range's errors (the service checks that the range is in order).
async fn report(state: &AppState, query: &Fields) -> Result<Result<Vec<StoreReport>, FieldErrors>, UiError> {
    let filter = match filter_of(query) {
        Ok(filter) => filter,
        Err(errors) => return Ok(Err(errors)),
    };
    match state.services.sales_report(&filter).await {
        Ok(rows) => Ok(Ok(rows)),
        Err(ServiceError::Invalid(errors)) => {
            let mut out = FieldErrors::default();
            for e in &errors.0 {
                out.add_code("du", &e.code);
            }
            Ok(Err(out))
        }
        Err(other) => Err(other.into()),
    }
}

pub async fn page(State(state): State<AppState>, visitor: Visitor, Query(query): Query) -> Result<Response, UiError> {
    let t = current();
    let (rows, errors) = match report(&state, &query).await? {
        Ok(rows) => (rows, FieldErrors::default()),
        Err(errors) => (Vec::new(), errors),
    };
    let rows = rows
        .into_iter()
        .map(|r| ReportRow {
            id: r.magasin.0,
            name: r.magasin_nom,
            total: (t.money)(r.total),
            returns: (t.money)(r.retours),
            products: format_trend(&r.produits_vendus),
        })
        .collect();
    let range = [("du", query.raw("du")), ("au", query.raw("au"))];
    let page = ReportPage {
        layout: visitor.layout(t.report_title, "/rapport"),
        du: query.raw("du"),
        au: query.raw("au"),
        errors,
        rows,
        csv_link: link("/rapport.csv", &range, None),
    };
    visitor.page(&page)
}

/// One line per store and product sold (a store without sales has one line without product).
/// Every cell goes through [`spreadsheet_safe`].
pub fn to_csv(reports: &[StoreReport]) -> Result<Vec<u8>, csv::Error> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let mut write = |cells: [&str; 6]| writer.write_record(cells.map(|c| spreadsheet_safe(c).into_owned()));
    write(["magasin_id", "magasin", "total_magasin", "produit_id", "produit", "quantite_vendue"])?;
    for r in reports {
        let (id, total) = (r.magasin.to_string(), r.total.to_string());
        if r.produits_vendus.is_empty() {
            write([id.as_str(), &r.magasin_nom, &total, "", "", "0"])?;
        }
        for p in &r.produits_vendus {
            write([id.as_str(), &r.magasin_nom, &total, &p.produit.to_string(), &p.nom, &p.quantite.to_string()])?;
        }
    }
    writer.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}

/// A cell a spreadsheet shows as text, never runs as a formula (OWASP's "CSV injection"): text
/// starting with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading `'`. A number
/// (`-12.50`, `3`) stays a number.
pub fn spreadsheet_safe(cell: &str) -> std::borrow::Cow<'_, str> {
    let starts_a_formula = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if starts_a_formula && !is_plain_number(cell) { format!("'{cell}").into() } else { cell.into() }
}

/// An optional `-`, digits, and optionally `.` and digits: how the report writes ids, amounts and
/// quantities.
fn is_plain_number(cell: &str) -> bool {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let unsigned = cell.strip_prefix('-').unwrap_or(cell);
    match unsigned.split_once('.') {
        Some((whole, fraction)) => digits(whole) && digits(fraction),
        None => digits(unsigned),
    }
}

pub async fn csv(State(state): State<AppState>, Query(query): Query) -> Result<Response, UiError> {
    let rows = match report(&state, &query).await? {
        Ok(rows) => rows,
        Err(errors) => return Err(UiError::BadRequest(errors.of("du") + " " + &errors.of("au"))),
    };
    let body = to_csv(&rows).map_err(|e| UiError::Internal(e.to_string()))?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"rapport.csv\""),
        ],
        body,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;
    use magasin_domain::reporting::NamedQuantity;
    use magasin_domain::{Money, ProductId, StoreId};

    #[test]
    fn csv_has_one_line_per_store_and_product_sold() {
        let store = |id, nom: &str, total, sold: Vec<NamedQuantity>| StoreReport {
            magasin: StoreId(id),
            magasin_nom: nom.into(),
            total: Money(total),
            produits_vendus: sold,
            stock_local: vec![],
            retours: Money::ZERO,
            articles_retournes: 0,
        };
        let sold = vec![NamedQuantity { produit: ProductId(4), nom: "Café, moulu".into(), quantite: 3 }];
        let csv = to_csv(&[store(1, "Centre", 4797, sold), store(2, "Nord", 0, vec![])]).unwrap();
        assert_eq!(
            String::from_utf8(csv).unwrap(),
            "magasin_id,magasin,total_magasin,produit_id,produit,quantite_vendue\n1,Centre,47.97,4,\"Café, moulu\",3\n2,Nord,0.00,,,0\n"
        );
    }

    #[test]
    fn cells_that_would_be_formulas_are_text_and_numbers_stay_numbers() {
        for formula in
            ["=HYPERLINK(\"http://evil.example\")", "+1+1", "-1+1", "@SUM(A1)", "\tx", "\rx", "-", "-1.", "-.5"]
        {
            assert_eq!(spreadsheet_safe(formula), format!("'{formula}"), "{formula:?}");
        }
        for kept in ["Café", "12", "-12", "-12.50", "0.00", "", "a=b", "1+1"] {
            assert_eq!(spreadsheet_safe(kept), kept, "{kept:?}");
        }
    }
}
