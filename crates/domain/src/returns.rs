//! Returns (retours): a customer brings back units of a sale's lines. Resellable units go back
//! to the store's stock (ledger `retour`); damaged ones are recorded without stock. The refund is
//! the unit price actually paid on the line. What a line takes back, over all its returns, never
//! exceeds what it sold; a sale is returned within the return window, never once cancelled, and
//! a sale with a return can no longer be cancelled.

use crate::adjustments::parse_note;
use crate::ids::{ProductId, ReturnId, SaleId, StoreId};
use crate::money::Money;
use crate::sales::{IdempotencyKey, MAX_LINES, check_idempotency_key, check_line_quantities};
use crate::validation::{ValidationCode, ValidationErrors};
use chrono::{DateTime, Duration, Utc};
use std::collections::BTreeMap;

/// Most returns one sale may take (each is a document of its own; this bounds a sale's list).
pub const MAX_RETURNS_PER_SALE: i64 = 100;

/// How long after a sale its goods may be returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReturnWindow {
    pub days: u32,
}

impl ReturnWindow {
    /// Longest window that can be configured: ten years.
    pub const MAX_DAYS: u32 = 3650;

    /// Whether goods sold at `sold_at` may still be returned at `at`.
    pub fn allows(self, sold_at: DateTime<Utc>, at: DateTime<Utc>) -> bool {
        at <= sold_at + Duration::days(i64::from(self.days))
    }
}

impl Default for ReturnWindow {
    /// 30 days.
    fn default() -> Self {
        ReturnWindow { days: 30 }
    }
}

/// The state a returned unit comes back in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ItemCondition {
    /// Sellable again: back into the store's stock.
    Resellable,
    /// Damaged: refunded and recorded, not put back into stock.
    Damaged,
}

impl ItemCondition {
    pub const ALL: [ItemCondition; 2] = [ItemCondition::Resellable, ItemCondition::Damaged];

    pub fn as_str(self) -> &'static str {
        match self {
            ItemCondition::Resellable => "revendable",
            ItemCondition::Damaged => "abime",
        }
    }

    /// `text` as a condition, or the choices.
    pub fn parse(text: &str) -> Result<Self, ValidationCode> {
        Self::ALL.into_iter().find(|c| c.as_str() == text).ok_or_else(|| ValidationCode::NotAChoice {
            choices: Self::ALL.iter().map(|c| c.as_str().to_string()).collect(),
        })
    }
}

/// Units of one line of the sale (numbered from 1, as the sale lists them) brought back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReturnLineRequest {
    pub ligne: i64,
    pub quantite: i64,
    pub etat: String,
}

/// A return as the till submits it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReturnRequest {
    pub vente: SaleId,
    pub lignes: Vec<ReturnLineRequest>,
    pub note: String,
}

impl ReturnRequest {
    /// What makes two submissions "the same return" for an idempotency key: the SHA-256 (hex)
    /// of its sale, its note (quoted and escaped) and its lines, in order.
    pub fn fingerprint(&self) -> String {
        use sha2::{Digest, Sha256};
        let lines: Vec<String> =
            self.lignes.iter().map(|l| format!("[{},{},{:?}]", l.ligne, l.quantite, l.etat)).collect();
        let canonical = format!("{}|{:?}|[{}]", self.vente, self.note, lines.join(","));
        Sha256::digest(canonical.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// One checked line of a return.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ValidReturnLine {
    /// The sale's line, from 1.
    pub ligne: i64,
    pub quantite: i64,
    pub etat: ItemCondition,
}

/// A checked return, ready to be recorded at `at`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidReturn {
    pub vente: SaleId,
    pub lignes: Vec<ValidReturnLine>,
    pub note: String,
    pub at: DateTime<Utc>,
    pub window: ReturnWindow,
    pub idempotency: Option<IdempotencyKey>,
}

impl ValidReturn {
    /// Units taken back per line of the sale (a line may come twice: some resellable, some not).
    pub fn units_per_line(&self) -> BTreeMap<i64, i64> {
        let mut units = BTreeMap::new();
        for line in &self.lignes {
            *units.entry(line.ligne).or_insert(0) += line.quantite;
        }
        units
    }
}

/// Checks a return's shape: 1 to [`MAX_LINES`] lines, each naming a line of the sale (from 1),
/// 1 to [`crate::sales::MAX_LINE_QUANTITY`] units and a condition; an optional note. What the
/// sale sold, its status and its date are checked by the storage, in the return's transaction.
pub fn validate_return(
    request: ReturnRequest,
    at: DateTime<Utc>,
    window: ReturnWindow,
    idempotency: Option<IdempotencyKey>,
) -> Result<ValidReturn, ValidationErrors> {
    let mut errors = ValidationErrors::new();
    if request.lignes.is_empty() {
        errors.add("lignes", ValidationCode::NoLines);
    }
    if request.lignes.len() > MAX_LINES {
        errors.add("lignes", ValidationCode::TooManyLines { max: MAX_LINES });
    }
    let max_line = i64::try_from(MAX_LINES).unwrap_or(i64::MAX);
    let mut lignes = Vec::with_capacity(request.lignes.len());
    for (i, line) in request.lignes.iter().enumerate() {
        if !(1..=max_line).contains(&line.ligne) {
            errors.add(format!("lignes[{i}].ligne"), ValidationCode::OutOfRange { min: 1, max: max_line });
        }
        match ItemCondition::parse(&line.etat) {
            Ok(etat) => lignes.push(ValidReturnLine { ligne: line.ligne, quantite: line.quantite, etat }),
            Err(code) => errors.add(format!("lignes[{i}].etat"), code),
        }
    }
    check_line_quantities(request.lignes.iter().map(|l| l.quantite), &mut errors);
    let note = parse_note(&request.note, false).unwrap_or_else(|code| {
        errors.add("note", code);
        String::new()
    });
    check_idempotency_key(idempotency.as_ref(), &mut errors);
    errors.into_result(ValidReturn { vente: request.vente, lignes, note, at, window, idempotency })
}

/// A returned line: the sale's line, its product and the price paid for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReturnLine {
    pub ligne: i64,
    pub produit: ProductId,
    pub produit_nom: String,
    pub quantite: i64,
    pub etat: ItemCondition,
    /// The unit price paid on the sale.
    pub prix_unitaire: Money,
}

impl ReturnLine {
    /// What the line refunds (bounded by the sale's own total, so it cannot overflow).
    pub fn amount(&self) -> Money {
        self.prix_unitaire.times(self.quantite).unwrap_or(Money(i64::MAX))
    }
}

/// A recorded return: its credit note (avoir).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaleReturn {
    pub id: ReturnId,
    pub vente: SaleId,
    pub magasin: StoreId,
    pub magasin_nom: String,
    pub date: DateTime<Utc>,
    /// What is refunded: the lines' amounts.
    pub montant: Money,
    pub note: String,
    pub acteur: String,
    pub lignes: Vec<ReturnLine>,
}

/// A return, and whether it was recorded by an earlier request with the same key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedReturn {
    pub retour: SaleReturn,
    pub replayed: bool,
}

/// Units of each line of a sale already taken back by `returns`.
pub fn returned_per_line(returns: &[SaleReturn]) -> BTreeMap<i64, i64> {
    let mut units = BTreeMap::new();
    for line in returns.iter().flat_map(|r| &r.lignes) {
        *units.entry(line.ligne).or_insert(0) += line.quantite;
    }
    units
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(lignes: &[(i64, i64, &str)], note: &str) -> ReturnRequest {
        ReturnRequest {
            vente: SaleId(1),
            lignes: lignes
                .iter()
                .map(|&(ligne, quantite, etat)| ReturnLineRequest { ligne, quantite, etat: etat.into() })
                .collect(),
            note: note.into(),
        }
    }

    fn fields(r: ReturnRequest) -> Vec<String> {
        let errors = validate_return(r, Utc::now(), ReturnWindow::default(), None).unwrap_err();
        errors.0.into_iter().map(|e| e.field).collect()
    }

    #[test]
    fn a_return_names_lines_of_the_sale_with_units_and_a_condition() {
        assert_eq!(fields(request(&[], "")), ["lignes"]);
        assert_eq!(
            fields(request(&[(0, 1, "revendable"), (1, 0, "abime"), (2, 1, "neuf")], "")),
            ["lignes[0].ligne", "lignes[2].etat", "lignes[1].quantite"]
        );
        assert_eq!(fields(request(&[(1, 1, "abime")], "x\u{7}")), ["note"]);
        let ok = validate_return(
            request(&[(1, 2, "revendable"), (1, 1, "abime")], " cassé "),
            Utc::now(),
            ReturnWindow::default(),
            None,
        )
        .expect("valid");
        assert_eq!(ok.note, "cassé");
        assert_eq!(ok.units_per_line(), BTreeMap::from([(1, 3)]));
    }

    #[test]
    fn the_window_counts_from_the_moment_of_sale() {
        let sold = Utc::now();
        let window = ReturnWindow { days: 30 };
        assert!(window.allows(sold, sold + Duration::days(30)));
        assert!(!window.allows(sold, sold + Duration::days(30) + Duration::seconds(1)));
        assert!(ReturnWindow { days: 0 }.allows(sold, sold));
    }

    #[test]
    fn the_fingerprint_changes_with_any_field() {
        let base = request(&[(1, 2, "abime")], "");
        assert_eq!(base.fingerprint(), request(&[(1, 2, "abime")], "").fingerprint());
        assert_ne!(base.fingerprint(), request(&[(1, 2, "revendable")], "").fingerprint());
        assert_ne!(base.fingerprint(), request(&[(2, 2, "abime")], "").fingerprint());
        assert_ne!(base.fingerprint(), request(&[(1, 2, "abime")], "x").fingerprint());
    }
}
