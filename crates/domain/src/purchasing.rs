//! Purchase orders (commandes fournisseur), kept light: a draft lists what the warehouse asks a
//! supplier for; once sent, receipts are recorded against it (in as many deliveries as the
//! supplier makes), each line counting what it received; what is still due shows beside the
//! warehouse's stock. Receiving more than a line ordered is refused unless the order's tolerance
//! allows it. An order is closed when what is left will not come, cancelled while nothing came.

use crate::accounts::parse_label;
use crate::ids::{ProductId, PurchaseOrderId};
use crate::paging::CursorRequest;
use crate::receiving::MAX_SUPPLIER_CHARS;
use crate::reordering::{WarehouseSuggestion, warehouse_order_key};
use crate::sales::{MAX_LINES, check_line_quantities};
use crate::validation::{ValidationCode, ValidationErrors};
use chrono::{DateTime, NaiveDate, Utc};
use std::collections::BTreeSet;

/// Largest tolerance: a line may receive at most twice what it ordered.
pub const MAX_TOLERANCE_PERCENT: i64 = 100;

/// Where an order stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderStatus {
    /// Being prepared: nothing can be received against it yet.
    Draft,
    /// Sent to the supplier, nothing received yet.
    Sent,
    /// Some lines received, not all in full.
    PartlyReceived,
    /// Every line received in full.
    Received,
    /// Closed with a remainder that will not come.
    Closed,
    /// Cancelled before anything came.
    Cancelled,
}

impl OrderStatus {
    pub const ALL: [OrderStatus; 6] = [
        OrderStatus::Draft,
        OrderStatus::Sent,
        OrderStatus::PartlyReceived,
        OrderStatus::Received,
        OrderStatus::Closed,
        OrderStatus::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::Draft => "brouillon",
            OrderStatus::Sent => "envoyee",
            OrderStatus::PartlyReceived => "partiellement_recue",
            OrderStatus::Received => "recue",
            OrderStatus::Closed => "soldee",
            OrderStatus::Cancelled => "annulee",
        }
    }

    /// `text` as a status, or the choices.
    pub fn parse(text: &str) -> Result<Self, ValidationCode> {
        Self::ALL.into_iter().find(|s| s.as_str() == text).ok_or_else(|| ValidationCode::NotAChoice {
            choices: Self::ALL.iter().map(|s| s.as_str().to_string()).collect(),
        })
    }

    /// Whether goods may be received against the order: sent, and not yet received in full.
    pub fn receives(self) -> bool {
        matches!(self, OrderStatus::Sent | OrderStatus::PartlyReceived)
    }
}

/// What may happen to an order besides a receipt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderChange {
    /// A draft goes to the supplier.
    Send,
    /// What is left will not come: the order stops expecting it.
    Close,
    /// The order is dropped, before anything came.
    Cancel,
}

impl OrderChange {
    /// The status the change leads to from `current`, or why it cannot happen (`received`:
    /// whether anything was received against the order).
    pub fn apply(self, current: OrderStatus, received: bool) -> Result<OrderStatus, String> {
        let refused = |why: &str| Err(format!("The order is {}: {why}.", current.as_str()));
        match (self, current) {
            (OrderChange::Send, OrderStatus::Draft) => Ok(OrderStatus::Sent),
            (OrderChange::Send, _) => refused("only a draft is sent"),
            (OrderChange::Close, OrderStatus::Sent | OrderStatus::PartlyReceived) => Ok(OrderStatus::Closed),
            (OrderChange::Close, _) => refused("only an order waiting for goods is closed"),
            (OrderChange::Cancel, OrderStatus::Draft | OrderStatus::Sent) if !received => Ok(OrderStatus::Cancelled),
            (OrderChange::Cancel, OrderStatus::PartlyReceived) => refused("goods were received, close it instead"),
            (OrderChange::Cancel, _) => refused("only an order nothing was received against is cancelled"),
        }
    }
}

/// The most a line of `ordered` units may receive in all, with `tolerance_pct` percent more.
pub fn receivable_limit(ordered: i64, tolerance_pct: i64) -> i64 {
    ordered.saturating_add(ordered.saturating_mul(tolerance_pct) / 100)
}

/// The status after a receipt: received when every line has what it ordered.
pub fn status_after_receipt(lines: &[OrderLine]) -> OrderStatus {
    if lines.iter().all(|l| l.recue >= l.commandee) { OrderStatus::Received } else { OrderStatus::PartlyReceived }
}

/// A draft order written from the warehouse's suggestions; `created` is false when the day's
/// order under its key was there already (and is what is returned).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RaisedOrder {
    pub order: PurchaseOrder,
    pub created: bool,
}

/// One line as the warehouse asks for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderLineRequest {
    pub produit: ProductId,
    pub quantite: i64,
}

/// An order as submitted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderRequest {
    pub fournisseur: String,
    pub lignes: Vec<OrderLineRequest>,
    /// Percent more than ordered a line may receive (0 by default).
    pub tolerance_pct: i64,
}

/// A checked order, ready to be created (as a draft) at `at`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidOrder {
    pub fournisseur: String,
    pub lignes: Vec<OrderLineRequest>,
    pub tolerance_pct: i64,
    pub at: DateTime<Utc>,
}

/// Checks an order's shape: a supplier, 1 to [`MAX_LINES`] lines of 1 to
/// [`crate::sales::MAX_LINE_QUANTITY`] units, each product once, a tolerance of 0 to
/// [`MAX_TOLERANCE_PERCENT`] percent. Products are checked by the storage.
pub fn validate_order(request: OrderRequest, at: DateTime<Utc>) -> Result<ValidOrder, ValidationErrors> {
    let mut errors = ValidationErrors::new();
    let fournisseur = parse_label(&request.fournisseur, MAX_SUPPLIER_CHARS).map_err(|c| errors.add("fournisseur", c));
    if request.lignes.is_empty() || request.lignes.len() > MAX_LINES {
        errors.add("lignes", ValidationCode::OrderLineCount { max: MAX_LINES });
    }
    let mut seen = BTreeSet::new();
    for (i, line) in request.lignes.iter().enumerate() {
        if !seen.insert(line.produit) {
            errors.add(format!("lignes[{i}].produit"), ValidationCode::Duplicate);
        }
    }
    check_line_quantities(request.lignes.iter().map(|l| l.quantite), &mut errors);
    if !(0..=MAX_TOLERANCE_PERCENT).contains(&request.tolerance_pct) {
        errors.add("tolerance", ValidationCode::OutOfRange { min: 0, max: MAX_TOLERANCE_PERCENT });
    }
    match fournisseur {
        Ok(fournisseur) => errors.into_result(ValidOrder {
            fournisseur,
            lignes: request.lignes,
            tolerance_pct: request.tolerance_pct,
            at,
        }),
        Err(()) => Err(errors),
    }
}

/// The warehouse's suggestions as draft orders to `fournisseur`: the products worth ordering, in
/// orders of at most [`MAX_LINES`] lines, each under its key of `day` (see
/// [`crate::reordering::warehouse_order_key`]). The supplier is checked as an order's is.
pub fn orders_from_suggestions(
    fournisseur: &str,
    suggestions: &[WarehouseSuggestion],
    day: NaiveDate,
    at: DateTime<Utc>,
) -> Result<Vec<(String, ValidOrder)>, ValidationErrors> {
    let fournisseur =
        parse_label(fournisseur, MAX_SUPPLIER_CHARS).map_err(|code| ValidationErrors::single("fournisseur", code))?;
    let lines: Vec<OrderLineRequest> = suggestions
        .iter()
        .filter(|s| s.a_commander > 0)
        .map(|s| OrderLineRequest { produit: s.produit, quantite: s.a_commander })
        .collect();
    Ok(lines
        .chunks(MAX_LINES)
        .enumerate()
        .map(|(i, chunk)| {
            let order = ValidOrder { fournisseur: fournisseur.clone(), lignes: chunk.to_vec(), tolerance_pct: 0, at };
            (warehouse_order_key(day, i + 1), order)
        })
        .collect())
}

/// A line of an order: what it ordered and what it received so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderLine {
    pub produit: ProductId,
    pub produit_nom: String,
    pub commandee: i64,
    pub recue: i64,
}

impl OrderLine {
    /// What is still due (none once received in full, or more).
    pub fn remaining(&self) -> i64 {
        (self.commandee - self.recue).max(0)
    }
}

/// A purchase order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PurchaseOrder {
    pub id: PurchaseOrderId,
    pub fournisseur: String,
    pub statut: OrderStatus,
    pub tolerance_pct: i64,
    pub date: DateTime<Utc>,
    pub acteur: String,
    /// When it was sent, closed or cancelled, and by whom: its last change.
    pub modifiee_le: Option<DateTime<Utc>>,
    pub modifiee_par: Option<String>,
    pub lignes: Vec<OrderLine>,
}

/// Orders, newest first, by status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderQuery {
    pub statut: Option<OrderStatus>,
    pub cursor: CursorRequest,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions_become_drafts_of_at_most_a_hundred_lines_each_under_its_key() {
        let suggestion = |p: i64, a_commander: i64| WarehouseSuggestion {
            produit: ProductId(p),
            produit_nom: String::new(),
            disponible: 0,
            attendu: 0,
            min: 1,
            max: 10,
            multiple: 1,
            a_commander,
        };
        let mut all: Vec<WarehouseSuggestion> = (1..=150).map(|p| suggestion(p, 5)).collect();
        all.push(suggestion(151, 0));
        let day = NaiveDate::from_ymd_opt(2026, 12, 6).expect("a day");
        let orders = orders_from_suggestions(" Grossiste ", &all, day, Utc::now()).expect("valid");
        let sizes: Vec<usize> = orders.iter().map(|(_, o)| o.lignes.len()).collect();
        assert_eq!(sizes, [MAX_LINES, 50], "the product with nothing to order is left out");
        assert_eq!(orders[1].0, "suggestions/entrepot/2026-12-06/2");
        assert_eq!(orders[0].1.fournisseur, "Grossiste");
        let blank = orders_from_suggestions("  ", &all, day, Utc::now()).unwrap_err();
        assert_eq!(blank.0[0].field, "fournisseur");
    }

    fn line(commandee: i64, recue: i64) -> OrderLine {
        OrderLine { produit: ProductId(1), produit_nom: "P".into(), commandee, recue }
    }

    #[test]
    fn an_order_goes_from_draft_to_sent_to_closed_or_cancelled_while_empty() {
        use OrderChange::*;
        use OrderStatus::*;
        assert_eq!(Send.apply(Draft, false), Ok(Sent));
        assert!(Send.apply(Sent, false).is_err());
        assert_eq!(Close.apply(PartlyReceived, true), Ok(Closed));
        assert_eq!(Close.apply(Sent, false), Ok(Closed));
        assert!(Close.apply(Draft, false).is_err() && Close.apply(Received, true).is_err());
        assert_eq!(Cancel.apply(Draft, false), Ok(Cancelled));
        assert_eq!(Cancel.apply(Sent, false), Ok(Cancelled));
        assert!(Cancel.apply(PartlyReceived, true).unwrap_err().contains("close it instead"));
        assert!(Cancel.apply(Cancelled, false).is_err());
        assert!(Sent.receives() && PartlyReceived.receives() && !Draft.receives() && !Received.receives());
    }

    #[test]
    fn a_line_receives_what_it_ordered_and_its_tolerance() {
        assert_eq!(receivable_limit(10, 0), 10);
        assert_eq!(receivable_limit(10, 10), 11);
        assert_eq!(receivable_limit(9, 10), 9, "rounded down");
        assert_eq!(status_after_receipt(&[line(10, 10), line(5, 6)]), OrderStatus::Received);
        assert_eq!(status_after_receipt(&[line(10, 10), line(5, 4)]), OrderStatus::PartlyReceived);
        assert_eq!(line(5, 7).remaining(), 0);
    }

    #[test]
    fn an_order_names_a_supplier_and_each_product_once() {
        let request = |lignes: &[(i64, i64)], tolerance_pct| OrderRequest {
            fournisseur: "Acme".into(),
            lignes: lignes.iter().map(|&(p, q)| OrderLineRequest { produit: ProductId(p), quantite: q }).collect(),
            tolerance_pct,
        };
        let fields = |r| validate_order(r, Utc::now()).unwrap_err().0.into_iter().map(|e| e.field).collect::<Vec<_>>();
        assert_eq!(fields(request(&[], 0)), ["lignes"]);
        assert_eq!(fields(request(&[(1, 2), (1, 3)], 0)), ["lignes[1].produit"]);
        assert_eq!(fields(request(&[(1, 0)], 101)), ["lignes[0].quantite", "tolerance"]);
        assert!(validate_order(request(&[(1, 2), (2, 3)], 5), Utc::now()).is_ok());
    }
}
