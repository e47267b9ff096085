//! Stock adjustments (ajustements): a signed correction of one product's quantity at a store or
//! the warehouse, with a reason code and a note. Goods broken, stolen, expired or given away are
//! shrinkage (démarque); an entry error corrects a mistake. A quantity never goes below zero.

use crate::ids::{AdjustmentId, ProductId};
use crate::money::Money;
use crate::paging::CursorRequest;
use crate::sales::{IdempotencyKey, MAX_LINE_QUANTITY, check_idempotency_key};
use crate::stock::Location;
use crate::validation::{ValidationCode, ValidationErrors};
use chrono::{DateTime, NaiveDate, Utc};
use std::fmt;
use std::str::FromStr;

/// Longest note of an adjustment.
pub const MAX_NOTE_CHARS: usize = 500;

/// Why a quantity was corrected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AdjustmentReason {
    Broken,
    Theft,
    Expired,
    EntryError,
    Sample,
    Other,
    /// A variance found by a physical count (set by counts only).
    CountVariance,
}

impl AdjustmentReason {
    pub const ALL: [AdjustmentReason; 7] = [
        AdjustmentReason::Broken,
        AdjustmentReason::Theft,
        AdjustmentReason::Expired,
        AdjustmentReason::EntryError,
        AdjustmentReason::Sample,
        AdjustmentReason::Other,
        AdjustmentReason::CountVariance,
    ];

    /// The reasons a person may give: all but the last (a count's variances are posted by the count).
    pub const MANUAL: &'static [AdjustmentReason] = Self::ALL.split_at(Self::ALL.len() - 1).0;

    /// The code the API and the database use.
    pub fn as_str(self) -> &'static str {
        match self {
            AdjustmentReason::Broken => "casse",
            AdjustmentReason::Theft => "vol",
            AdjustmentReason::Expired => "peremption",
            AdjustmentReason::EntryError => "erreur_saisie",
            AdjustmentReason::Sample => "echantillon",
            AdjustmentReason::Other => "autre",
            AdjustmentReason::CountVariance => "inventaire",
        }
    }

    /// The reasons a person may give, as a validation code's choices.
    pub fn choices() -> ValidationCode {
        ValidationCode::NotAChoice { choices: Self::MANUAL.iter().map(|r| r.as_str().to_string()).collect() }
    }

    /// A reason a person gives: one of [`Self::MANUAL`].
    pub fn parse_manual(s: &str) -> Result<Self, ValidationCode> {
        Self::MANUAL.iter().copied().find(|r| r.as_str() == s).ok_or_else(Self::choices)
    }
}

impl fmt::Display for AdjustmentReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for AdjustmentReason {
    type Err = ValidationCode;

    fn from_str(s: &str) -> Result<Self, ValidationCode> {
        Self::ALL.into_iter().find(|r| r.as_str() == s).ok_or_else(Self::choices)
    }
}

/// An adjustment as a client asks for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdjustmentRequest {
    pub location: Location,
    pub produit: ProductId,
    /// Signed: negative when units leave the stock.
    pub quantite: i64,
    pub motif: String,
    pub note: String,
}

impl AdjustmentRequest {
    /// What makes two submissions "the same adjustment" for an idempotency key (SHA-256, hex).
    pub fn fingerprint(&self) -> String {
        use sha2::{Digest, Sha256};
        let place = match self.location {
            Location::Warehouse => "entrepot".to_string(),
            Location::Store(s) => format!("magasin:{s}"),
        };
        let canonical = format!("{place}|{}|{}|{:?}|{:?}", self.produit, self.quantite, self.motif, self.note);
        Sha256::digest(canonical.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// A checked adjustment, ready to be recorded at `at`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidAdjustment {
    pub location: Location,
    pub produit: ProductId,
    pub quantite: i64,
    pub motif: AdjustmentReason,
    pub note: String,
    pub at: DateTime<Utc>,
    pub idempotency: Option<IdempotencyKey>,
}

/// Checks an adjustment's shape: a quantity of 1 to [`MAX_LINE_QUANTITY`] units either way (not
/// zero), a known reason, a note of at most [`MAX_NOTE_CHARS`] characters without control
/// characters (required for the reason `autre`). The product and the store are checked by the
/// storage, and so is the balance, which never goes below zero.
pub fn validate_adjustment(
    request: AdjustmentRequest,
    at: DateTime<Utc>,
    idempotency: Option<IdempotencyKey>,
) -> Result<ValidAdjustment, ValidationErrors> {
    let mut errors = ValidationErrors::new();
    if request.quantite == 0 {
        errors.add("quantite", ValidationCode::NotZero);
    } else if !(-MAX_LINE_QUANTITY..=MAX_LINE_QUANTITY).contains(&request.quantite) {
        errors.add("quantite", ValidationCode::OutOfRange { min: -MAX_LINE_QUANTITY, max: MAX_LINE_QUANTITY });
    }
    let motif = AdjustmentReason::parse_manual(&request.motif).map_err(|c| errors.add("motif", c));
    let note = parse_note(&request.note, motif == Ok(AdjustmentReason::Other)).unwrap_or_else(|code| {
        errors.add("note", code);
        String::new()
    });
    check_idempotency_key(idempotency.as_ref(), &mut errors);
    match motif {
        Ok(motif) => errors.into_result(ValidAdjustment {
            location: request.location,
            produit: request.produit,
            quantite: request.quantite,
            motif,
            note,
            at,
            idempotency,
        }),
        Err(()) => Err(errors),
    }
}

/// A free note, trimmed: at most [`MAX_NOTE_CHARS`] characters, no control character, not empty
/// when `required`.
pub fn parse_note(note: &str, required: bool) -> Result<String, ValidationCode> {
    let note = note.trim();
    if note.chars().count() > MAX_NOTE_CHARS {
        Err(ValidationCode::TooLong { max: MAX_NOTE_CHARS })
    } else if note.chars().any(char::is_control) {
        Err(ValidationCode::ControlCharacter)
    } else if note.is_empty() && required {
        Err(ValidationCode::Required)
    } else {
        Ok(note.to_string())
    }
}

/// A recorded adjustment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Adjustment {
    pub id: AdjustmentId,
    pub location: Location,
    pub produit: ProductId,
    pub produit_nom: String,
    pub quantite: i64,
    /// The quantity after the adjustment.
    pub solde: i64,
    pub motif: AdjustmentReason,
    pub note: String,
    /// The product's price when the adjustment was made: the value of each unit.
    pub prix_unitaire: Money,
    pub date: DateTime<Utc>,
    pub acteur: String,
}

/// An adjustment, and whether it was recorded by an earlier request with the same key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedAdjustment {
    pub adjustment: Adjustment,
    pub replayed: bool,
}

/// Filters of one location's adjustments, newest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdjustmentQuery {
    pub location: Location,
    pub produit: Option<ProductId>,
    pub motif: Option<AdjustmentReason>,
    /// First day included (UTC).
    pub from: Option<NaiveDate>,
    /// Last day included (UTC).
    pub to: Option<NaiveDate>,
    pub cursor: CursorRequest,
}

/// Which adjustments the shrinkage report adds up: every location or one, over a range of days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShrinkageQuery {
    /// `None`: the warehouse and every store.
    pub location: Option<Location>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

/// The adjustments of one reason, added up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShrinkageLine {
    pub motif: AdjustmentReason,
    pub adjustments: i64,
    /// Units taken out of stock (a positive number).
    pub units_out: i64,
    /// Units put back into stock.
    pub units_in: i64,
    /// The value of the units taken out, at the price of the moment.
    pub value_out: Money,
    /// The value of the units put back.
    pub value_in: Money,
}

impl ShrinkageLine {
    /// Units lost, net: out minus in (negative when more was found than lost).
    pub fn net_units(&self) -> i64 {
        self.units_out - self.units_in
    }

    pub fn net_value(&self) -> Money {
        Money(self.value_out.0 - self.value_in.0)
    }
}

/// The shrinkage report: one line per reason, every reason listed (zero when none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shrinkage {
    pub lines: Vec<ShrinkageLine>,
}

impl Shrinkage {
    /// Lines in [`AdjustmentReason::ALL`] order, reasons without adjustments as zeros.
    pub fn from_lines(found: Vec<ShrinkageLine>) -> Self {
        let lines = AdjustmentReason::ALL
            .into_iter()
            .map(|motif| {
                found.iter().find(|l| l.motif == motif).copied().unwrap_or(ShrinkageLine {
                    motif,
                    adjustments: 0,
                    units_out: 0,
                    units_in: 0,
                    value_out: Money(0),
                    value_in: Money(0),
                })
            })
            .collect();
        Shrinkage { lines }
    }

    /// Every reason but entry errors: goods actually lost (an entry error only corrects a count).
    pub fn total(&self) -> ShrinkageLine {
        self.lines.iter().filter(|l| l.motif != AdjustmentReason::EntryError).fold(
            ShrinkageLine {
                motif: AdjustmentReason::Other,
                adjustments: 0,
                units_out: 0,
                units_in: 0,
                value_out: Money(0),
                value_in: Money(0),
            },
            |acc, l| ShrinkageLine {
                motif: acc.motif,
                adjustments: acc.adjustments + l.adjustments,
                units_out: acc.units_out + l.units_out,
                units_in: acc.units_in + l.units_in,
                value_out: Money(acc.value_out.0 + l.value_out.0),
                value_in: Money(acc.value_in.0 + l.value_in.0),
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::StoreId;

    fn request(quantite: i64, motif: &str, note: &str) -> AdjustmentRequest {
        AdjustmentRequest {
            location: Location::Store(StoreId(1)),
            produit: ProductId(1),
            quantite,
            motif: motif.into(),
            note: note.into(),
        }
    }

    fn fields(r: AdjustmentRequest) -> Vec<String> {
        validate_adjustment(r, Utc::now(), None).unwrap_err().0.into_iter().map(|e| e.field).collect()
    }

    #[test]
    fn an_adjustment_needs_a_signed_quantity_a_reason_and_a_note_for_other() {
        assert_eq!(fields(request(0, "casse", "")), ["quantite"]);
        assert_eq!(fields(request(-MAX_LINE_QUANTITY - 1, "casse", "")), ["quantite"]);
        assert_eq!(fields(request(-1, "perdu", "")), ["motif"]);
        assert_eq!(fields(request(-1, "inventaire", "")), ["motif"], "a count's reason is the count's");
        assert_eq!(fields(request(-1, "autre", "  ")), ["note"]);
        assert_eq!(fields(request(-1, "vol", &"x".repeat(MAX_NOTE_CHARS + 1))), ["note"]);
        assert_eq!(fields(request(-1, "vol", "a\u{7}b")), ["note"]);
        let ok = validate_adjustment(request(-3, "autre", "  tombé du camion "), Utc::now(), None).expect("valid");
        assert_eq!((ok.quantite, ok.motif, ok.note.as_str()), (-3, AdjustmentReason::Other, "tombé du camion"));
        let ok = validate_adjustment(request(2, "erreur_saisie", ""), Utc::now(), None).expect("valid");
        assert_eq!(ok.note, "");
    }

    #[test]
    fn reasons_round_trip_and_the_fingerprint_sees_every_field() {
        for r in AdjustmentReason::ALL {
            assert_eq!(r.as_str().parse::<AdjustmentReason>(), Ok(r));
        }
        let base = request(-1, "casse", "x");
        assert_eq!(base.fingerprint(), request(-1, "casse", "x").fingerprint());
        for other in [request(-2, "casse", "x"), request(-1, "vol", "x"), request(-1, "casse", "y")] {
            assert_ne!(base.fingerprint(), other.fingerprint());
        }
        let warehouse = AdjustmentRequest { location: Location::Warehouse, ..base.clone() };
        assert_ne!(base.fingerprint(), warehouse.fingerprint());
    }

    #[test]
    fn the_report_lists_every_reason_and_its_total_leaves_entry_errors_out() {
        let line = |motif, out: i64, inn: i64| ShrinkageLine {
            motif,
            adjustments: 1,
            units_out: out,
            units_in: inn,
            value_out: Money(out * 100),
            value_in: Money(inn * 100),
        };
        let report = Shrinkage::from_lines(vec![
            line(AdjustmentReason::Theft, 3, 0),
            line(AdjustmentReason::EntryError, 5, 0),
            line(AdjustmentReason::Broken, 2, 1),
        ]);
        assert_eq!(report.lines.len(), AdjustmentReason::ALL.len());
        assert_eq!(report.lines[0].motif, AdjustmentReason::Broken);
        assert_eq!(report.lines[2].adjustments, 0);
        let total = report.total();
        assert_eq!((total.adjustments, total.net_units(), total.net_value()), (2, 4, Money(400)));
    }
}
