//! `/verification`: what the ledger's last verification pass found (whichever instance ran it):
//! when, how far into the ledger, and every balance, sales aggregate or store's number of stock
//! rows that does not add up.

use super::layout::{Layout, UiError};
use super::session::Visitor;
use super::strings::current;
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use magasin_domain::stock::Location;
use magasin_domain::verification::AggregateKind;

pub struct LastPass {
    pub at: String,
    pub through: i64,
    pub duration_ms: i64,
    pub sound: bool,
    pub stock_count: i64,
    pub aggregate_count: i64,
    pub stock_rows_count: i64,
    /// `(location, product, quantity, ledger sum)`.
    pub stock: Vec<(String, i64, i64, i64)>,
    pub aggregates: Vec<AggregateRow>,
    /// `(store, kept number of stock rows, rows counted)`.
    pub stock_rows: Vec<(i64, i64, i64)>,
}

/// `(what it sums, store, day or "total", product, kept units, summed units, kept cents, summed
/// cents)`.
pub type AggregateRow = (&'static str, i64, String, i64, i64, i64, i64, i64);

impl LastPass {
    pub fn verdict(&self) -> String {
        let t = current();
        if self.sound {
            t.verification.sound.to_string()
        } else {
            (t.verification.violations)(self.stock_count, self.aggregate_count, self.stock_rows_count)
        }
    }
}

#[derive(Template)]
#[template(path = "verification.html")]
struct VerificationPage {
    layout: Layout,
    last: Option<LastPass>,
}

pub async fn page(State(state): State<AppState>, visitor: Visitor) -> Result<Response, UiError> {
    let t = current();
    let last = state.services.last_verification().await?.map(|r| LastPass {
        at: r.at.format(t.datetime_format).to_string(),
        through: r.ledger_through,
        duration_ms: r.duration_ms,
        sound: r.is_sound(),
        stock_count: r.stock_count,
        aggregate_count: r.aggregate_count,
        stock_rows_count: r.stock_rows_count,
        stock_rows: r.stock_rows.iter().map(|d| (d.magasin.0, d.kept, d.counted)).collect(),
        stock: r
            .stock
            .iter()
            .map(|d| {
                let place = match d.location {
                    Location::Warehouse => t.nav_warehouse.to_string(),
                    Location::Store(id) if d.en_transit => format!("{} {id} ({})", t.store, t.shipping.in_transit),
                    Location::Store(id) => format!("{} {id}", t.store),
                };
                (place, d.produit.0, d.quantite, d.ledger_sum)
            })
            .collect(),
        aggregates: r
            .aggregates
            .iter()
            .map(|a| {
                let day = a.jour.map_or_else(|| t.verification.all_time.to_string(), |d| d.to_string());
                let kind = match a.kind {
                    AggregateKind::Sales => t.verification.of_sales,
                    AggregateKind::Returns => t.verification.of_returns,
                };
                (
                    kind,
                    a.magasin.0,
                    day,
                    a.produit.0,
                    a.kept_quantite,
                    a.summed_quantite,
                    a.kept_montant,
                    a.summed_montant,
                )
            })
            .collect(),
    });
    let page = VerificationPage { layout: visitor.layout(t.verification.title, "/observabilite"), last };
    visitor.page(&page)
}
