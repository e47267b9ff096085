//! End-of-day close (clôture de caisse): once a store's day is over, someone of the store (or
//! head office) counts the cash in the till and closes the day. The close keeps the day's figures
//! as they stood — sales by payment method, cancellations, returns — the cash expected, the cash
//! counted and the difference. A closed day is read-only: no sale, cancellation or return of
//! that store may change it afterwards (the storage refuses them with
//! [`crate::StorageError::DayClosed`]).
//!
//! The expected cash is the day's standing cash sales less the day's returns, every refund being
//! paid in cash from the till: `especes_attendues = ventes en espèces − retours du jour`.

use crate::adjustments::parse_note;
use crate::ids::StoreId;
use crate::money::Money;
use crate::paging::CursorRequest;
use crate::sales::{PaymentMethod, PaymentTotal};
use crate::validation::{ValidationCode, ValidationErrors};
use chrono::{DateTime, NaiveDate, Utc};

/// The most cash one close may count: 10,000,000.00.
pub const MAX_COUNTED: Money = Money(1_000_000_000);

/// The methods a close adds up, in the order it shows them; `None` is a sale recorded without a
/// payment (`non_precise`).
pub const METHODS: [Option<PaymentMethod>; 4] =
    [Some(PaymentMethod::Cash), Some(PaymentMethod::Card), Some(PaymentMethod::Other), None];

/// A payment method as the API and the CSV name it (`non_precise` for none).
pub fn method_name(mode: Option<PaymentMethod>) -> &'static str {
    mode.map_or("non_precise", PaymentMethod::as_str)
}

/// What one store's day came to: the figures a close keeps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayFigures {
    pub magasin: StoreId,
    pub magasin_nom: String,
    pub jour: NaiveDate,
    /// One total per method of [`METHODS`], in that order (zero when none was sold that way).
    pub paiements: Vec<PaymentTotal>,
    /// Sales of the day still standing (not cancelled).
    pub ventes: i64,
    /// Sales of the store cancelled during the day (whatever day they were made).
    pub annulations: i64,
    /// Returns the store took back during the day, and what they refunded.
    pub retours: i64,
    pub retours_montant: Money,
}

impl DayFigures {
    /// The figures of a day from its totals by method (any order, methods absent or repeated).
    pub fn new(
        magasin: StoreId,
        magasin_nom: String,
        jour: NaiveDate,
        totals: &[PaymentTotal],
        annulations: i64,
        (retours, retours_montant): (i64, Money),
    ) -> Self {
        let paiements: Vec<PaymentTotal> = METHODS
            .into_iter()
            .map(|mode| {
                let of_mode = totals.iter().filter(|t| t.mode == mode);
                PaymentTotal {
                    mode,
                    ventes: of_mode.clone().map(|t| t.ventes).sum(),
                    montant: of_mode.map(|t| t.montant).sum(),
                }
            })
            .collect();
        let ventes = paiements.iter().map(|t| t.ventes).sum();
        DayFigures { magasin, magasin_nom, jour, paiements, ventes, annulations, retours, retours_montant }
    }

    /// The day's total for one method.
    pub fn total(&self, mode: Option<PaymentMethod>) -> Money {
        self.paiements.iter().filter(|t| t.mode == mode).map(|t| t.montant).sum()
    }

    /// The cash the till should hold: cash sales less the returns refunded (in cash).
    pub fn expected_cash(&self) -> Money {
        Money(self.total(Some(PaymentMethod::Cash)).0.saturating_sub(self.retours_montant.0))
    }
}

/// A recorded close: the day's figures as they stood, and what was counted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayClosing {
    pub id: i64,
    pub figures: DayFigures,
    pub especes_attendues: Money,
    pub especes_comptees: Money,
    /// Counted less expected: negative when cash is missing.
    pub ecart: Money,
    pub note: String,
    /// Who closed the day, and when.
    pub acteur: String,
    pub date: DateTime<Utc>,
}

impl DayClosing {
    /// The close of `figures` with `counted` cash.
    pub fn of(figures: DayFigures, counted: Money, note: String, acteur: String, date: DateTime<Utc>) -> Self {
        let expected = figures.expected_cash();
        DayClosing {
            id: 0,
            especes_attendues: expected,
            especes_comptees: counted,
            ecart: difference(counted, expected),
            figures,
            note,
            acteur,
            date,
        }
    }
}

/// Counted less expected.
pub fn difference(counted: Money, expected: Money) -> Money {
    Money(counted.0.saturating_sub(expected.0))
}

/// A close as someone asks for it: the counted cash as typed (a decimal string).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClosingRequest {
    pub magasin: StoreId,
    pub jour: NaiveDate,
    pub especes_comptees: String,
    pub note: String,
}

/// A close checked: a day not to come, a counted amount from 0 to [`MAX_COUNTED`], a note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidClosing {
    pub magasin: StoreId,
    pub jour: NaiveDate,
    pub especes_comptees: Money,
    pub note: String,
}

/// Checks a close asked at `now` (fields `jour`, `especes_comptees`, `note`).
pub fn validate_closing(request: ClosingRequest, now: DateTime<Utc>) -> Result<ValidClosing, ValidationErrors> {
    let mut errors = ValidationErrors::new();
    let today = now.date_naive();
    if request.jour > today {
        errors.add("jour", ValidationCode::DayToCome { today });
    }
    let counted = match Money::parse_price(&request.especes_comptees) {
        Ok(amount) if amount > MAX_COUNTED => {
            errors.add("especes_comptees", ValidationCode::TooHigh { max: MAX_COUNTED });
            Money::ZERO
        }
        Ok(amount) => amount,
        Err(_) if request.especes_comptees.trim().is_empty() => {
            errors.add("especes_comptees", ValidationCode::Required);
            Money::ZERO
        }
        Err(e) => {
            let code = match ValidationCode::from(e) {
                ValidationCode::TooHigh { .. } => ValidationCode::TooHigh { max: MAX_COUNTED },
                code => code,
            };
            errors.add("especes_comptees", code);
            Money::ZERO
        }
    };
    let note = parse_note(&request.note, false).unwrap_or_else(|code| {
        errors.add("note", code);
        String::new()
    });
    errors.into_result(ValidClosing { magasin: request.magasin, jour: request.jour, especes_comptees: counted, note })
}

/// Closes of a store, newest day first, within a range of days (inclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClosingQuery {
    pub magasin: StoreId,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub cursor: CursorRequest,
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, d).expect("a day")
    }

    fn total(mode: Option<PaymentMethod>, ventes: i64, cents: i64) -> PaymentTotal {
        PaymentTotal { mode, ventes, montant: Money(cents) }
    }

    #[test]
    fn a_day_adds_up_every_method_and_expects_cash_less_returns() {
        let totals = [total(Some(PaymentMethod::Card), 2, 35_996), total(Some(PaymentMethod::Cash), 1, 17_998)];
        let figures = DayFigures::new(StoreId(1), "Lyon".into(), day(6), &totals, 1, (1, Money(8_999)));
        let modes: Vec<&str> = figures.paiements.iter().map(|t| method_name(t.mode)).collect();
        assert_eq!(modes, ["especes", "carte", "autre", "non_precise"]);
        assert_eq!(figures.ventes, 3);
        assert_eq!(figures.total(None), Money::ZERO);
        assert_eq!(figures.expected_cash(), Money(8_999), "cash sales less the refund");
        let close = DayClosing::of(figures, Money(9_000), String::new(), "anne".into(), Utc::now());
        assert_eq!((close.especes_attendues, close.ecart), (Money(8_999), Money(1)));
        let short = difference(Money(0), Money(500));
        assert_eq!(short.to_string(), "-5.00", "missing cash is a negative difference");
    }

    #[test]
    fn returns_beyond_the_cash_sold_expect_less_than_nothing() {
        let figures = DayFigures::new(StoreId(1), "Lyon".into(), day(6), &[], 0, (2, Money(1_000)));
        assert_eq!(figures.expected_cash(), Money(-1_000));
    }

    #[test]
    fn a_close_needs_a_past_day_a_bounded_amount_and_a_short_note() {
        let now = Utc.with_ymd_and_hms(2026, 12, 6, 18, 0, 0).single().expect("a time");
        let request = |jour, counted: &str, note: &str| ClosingRequest {
            magasin: StoreId(1),
            jour,
            especes_comptees: counted.into(),
            note: note.into(),
        };
        let valid = validate_closing(request(day(6), " 123.45 ", " fin "), now).expect("valid");
        assert_eq!((valid.especes_comptees, valid.note.as_str()), (Money(12_345), "fin"));
        let codes = |r| validate_closing(r, now).expect_err("invalid").0;
        let errors = codes(request(day(7), "-1", &"x".repeat(501)));
        let fields: Vec<(&str, &ValidationCode)> = errors.iter().map(|e| (e.field.as_str(), &e.code)).collect();
        assert_eq!(
            fields,
            [
                ("jour", &ValidationCode::DayToCome { today: day(6) }),
                ("especes_comptees", &ValidationCode::Negative),
                ("note", &ValidationCode::TooLong { max: crate::adjustments::MAX_NOTE_CHARS }),
            ]
        );
        for (counted, code) in [
            ("", ValidationCode::Required),
            ("abc", ValidationCode::NotANumber),
            ("1.234", ValidationCode::TooManyDecimals),
            ("10000000.01", ValidationCode::TooHigh { max: MAX_COUNTED }),
            ("99999999999", ValidationCode::TooHigh { max: MAX_COUNTED }),
        ] {
            assert_eq!(codes(request(day(5), counted, "")).first().map(|e| &e.code), Some(&code), "{counted}");
        }
        assert!(validate_closing(request(day(6), "10000000", ""), now).is_ok(), "the bound itself");
    }
}
