//! The head office's figures: the consolidated sales report and the per-store dashboard,
//! with the lab's definitions.

use crate::ids::{ProductId, StoreId};
use crate::money::Money;
use chrono::{Days, NaiveDate};

/// Earliest and latest days a filter can name (PostgreSQL's `date` cannot hold chrono's extremes).
pub const EARLIEST_DAY: NaiveDate = match NaiveDate::from_ymd_opt(1, 1, 1) {
    Some(d) => d,
    None => NaiveDate::MIN,
};
pub const LATEST_DAY: NaiveDate = match NaiveDate::from_ymd_opt(9999, 12, 31) {
    Some(d) => d,
    None => NaiveDate::MAX,
};

/// First day a client may name in a date filter. Years 1900–9999 are every day a retail
/// record can be about, written with four digits (what `YYYY-MM-DD` can say): a filter
/// before 1900 is a typo (`0202`, `1024`), not a question, and the range sits far inside
/// what both engines hold (PostgreSQL's `date` from 4713 BC, SQLite's text days, which compare
/// as text only while years have four digits and no sign).
pub const FIRST_FILTER_DAY: NaiveDate = match NaiveDate::from_ymd_opt(1900, 1, 1) {
    Some(d) => d,
    None => NaiveDate::MIN,
};
/// Last day a client may name in a date filter (the last four-digit year).
pub const LAST_FILTER_DAY: NaiveDate = LATEST_DAY;

/// Restricts a report or dashboard to one store and/or a range of days (inclusive, UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReportFilter {
    pub magasin: Option<StoreId>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

impl ReportFilter {
    pub fn has_date_range(&self) -> bool {
        self.from.is_some() || self.to.is_some()
    }

    /// The first day, or year 1 (a date every engine can store).
    pub fn from_or_min(&self) -> NaiveDate {
        self.from.unwrap_or(EARLIEST_DAY)
    }

    /// The last day, or 9999-12-31.
    pub fn to_or_max(&self) -> NaiveDate {
        self.to.unwrap_or(LATEST_DAY)
    }
}

/// Quantity of one product, named.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct NamedQuantity {
    pub produit: ProductId,
    pub nom: String,
    pub quantite: i64,
}

/// One store's line of the consolidated report.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StoreReport {
    pub magasin: StoreId,
    pub magasin_nom: String,
    /// Sum of quantity × unit price over the store's (not cancelled) sale lines, less what
    /// returns refunded (a return counts on the day it is made).
    pub total: Money,
    /// Quantity sold per product less the units returned, products with a positive net only, in
    /// product order.
    pub produits_vendus: Vec<NamedQuantity>,
    /// What returns refunded.
    pub retours: Money,
    /// Units returned (resellable or damaged).
    pub articles_retournes: i64,
    /// Current local stock per product, in product order.
    pub stock_local: Vec<NamedQuantity>,
}

/// One store's line of the dashboard.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DashboardRow {
    pub magasin: StoreId,
    pub magasin_nom: String,
    /// Revenue less what returns refunded.
    pub chiffre_affaires: Money,
    /// What returns refunded.
    pub retours: Money,
    pub ruptures: i64,
    pub surstock: i64,
    /// Top products by quantity sold less returned over the trend window, best first.
    pub tendances: Vec<NamedQuantity>,
}

/// How many products the dashboard's trend lists.
pub const TREND_SIZE: usize = 3;
/// The trend window, in days, today included.
pub const TREND_DAYS: u64 = 7;

/// First day of the trend window ending `today`.
pub fn trend_window_start(today: NaiveDate) -> NaiveDate {
    today.checked_sub_days(Days::new(TREND_DAYS - 1)).unwrap_or(NaiveDate::MIN)
}

/// The lab's trend text: `"Name (qty), Name (qty)"`, empty when nothing sold.
pub fn format_trend(top: &[NamedQuantity]) -> String {
    top.iter().map(|t| format!("{} ({})", t.nom, t.quantite)).collect::<Vec<_>>().join(", ")
}

/// Orders candidates best first (quantity, then name, then id for ties) and keeps the top ones.
pub fn top_products(mut candidates: Vec<NamedQuantity>) -> Vec<NamedQuantity> {
    candidates.retain(|c| c.quantite > 0);
    candidates
        .sort_by(|a, b| b.quantite.cmp(&a.quantite).then_with(|| a.nom.cmp(&b.nom)).then(a.produit.cmp(&b.produit)));
    candidates.truncate(TREND_SIZE);
    candidates
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(id: i64, nom: &str, quantite: i64) -> NamedQuantity {
        NamedQuantity { produit: ProductId(id), nom: nom.into(), quantite }
    }

    #[test]
    fn trend_keeps_the_three_best_sellers() {
        let top = top_products(vec![q(1, "A", 2), q(2, "B", 9), q(3, "C", 5), q(4, "D", 5), q(5, "E", 0)]);
        assert_eq!(format_trend(&top), "B (9), C (5), D (5)");
        assert_eq!(format_trend(&[]), "");
    }

    #[test]
    fn trend_window_is_seven_days_including_today() {
        let today = NaiveDate::from_ymd_opt(2026, 3, 10).unwrap();
        assert_eq!(trend_window_start(today), NaiveDate::from_ymd_opt(2026, 3, 4).unwrap());
    }
}
