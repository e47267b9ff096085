//! The ledger checking itself while the chain runs: a pass compares every balance with the sum
//! of its ledger (adding only the ledger rows since the last pass to the sums it keeps), and the
//! kept sales and returns aggregates of the days and products touched since with the lines they
//! sum, and each store's kept number of stock rows with the rows it holds.

use crate::ids::{ProductId, StoreId};
use crate::ledger::LedgerDiscrepancy;
use chrono::{DateTime, NaiveDate, Utc};

/// The most discrepancies of each kind a pass keeps (it counts them all).
pub const MAX_KEPT_DISCREPANCIES: usize = 100;

/// What a kept aggregate sums.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AggregateKind {
    /// Sale lines (`sales_daily`, `sales_totals`).
    Sales,
    /// Return lines (`returns_daily`, `returns_totals`).
    Returns,
}

impl AggregateKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AggregateKind::Sales => "ventes",
            AggregateKind::Returns => "retours",
        }
    }

    /// `text` as a kind; what passes kept before returns existed were about sales.
    pub fn parse(text: Option<&str>) -> Self {
        if text == Some("retours") { AggregateKind::Returns } else { AggregateKind::Sales }
    }
}

/// A kept aggregate that differs from the lines it sums: a day's (`jour`) or the all-time
/// total's (`jour` = `None`, compared with the days').
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AggregateDiscrepancy {
    pub kind: AggregateKind,
    pub magasin: StoreId,
    pub jour: Option<NaiveDate>,
    pub produit: ProductId,
    pub kept_quantite: i64,
    pub kept_montant: i64,
    pub summed_quantite: i64,
    pub summed_montant: i64,
}

/// A store whose kept number of stock rows (`stores.stock_rows`, the count its unfiltered stock
/// list answers) differs from the stock rows it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StockRowsDiscrepancy {
    pub magasin: StoreId,
    pub kept: i64,
    pub counted: i64,
}

/// One pass of the verifier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerificationReport {
    pub at: DateTime<Utc>,
    /// Ledger rows summed so far: ids up to this one.
    pub ledger_through: i64,
    /// Balances that differ from their ledger (at most [`MAX_KEPT_DISCREPANCIES`]).
    pub stock: Vec<LedgerDiscrepancy>,
    pub stock_count: i64,
    /// Aggregates that differ from their sale or return lines (at most [`MAX_KEPT_DISCREPANCIES`]).
    pub aggregates: Vec<AggregateDiscrepancy>,
    pub aggregate_count: i64,
    /// Stores whose kept number of stock rows differs from their rows (at most
    /// [`MAX_KEPT_DISCREPANCIES`]).
    pub stock_rows: Vec<StockRowsDiscrepancy>,
    pub stock_rows_count: i64,
    pub duration_ms: i64,
}

impl VerificationReport {
    /// Every invariant holds.
    pub fn is_sound(&self) -> bool {
        self.stock_count == 0 && self.aggregate_count == 0 && self.stock_rows_count == 0
    }
}
