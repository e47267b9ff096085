//! Physical counts (inventaires) of a store or the warehouse, every product or one category.
//! Opening a count snapshots what each product should hold; people enter what they counted,
//! line by line; validating posts each variance as an adjustment (reason `inventaire`), the
//! variance taken against the snapshot *plus the movements since*, so that the sales made
//! during the count are not mistaken for missing goods.

use crate::ids::{CountId, ProductId};
use crate::money::Money;
use crate::paging::CursorRequest;
use crate::sales::MAX_LINE_QUANTITY;
use crate::stock::Location;
use crate::validation::{ValidationCode, ValidationErrors};
use chrono::{DateTime, Utc};

/// Longest category name a count is restricted to.
pub const MAX_CATEGORY_CHARS: usize = 100;
/// Most lines one request may enter.
pub const MAX_ENTRIES: usize = 500;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CountStatus {
    Open,
    Validated,
    Cancelled,
}

impl CountStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CountStatus::Open => "ouvert",
            CountStatus::Validated => "valide",
            CountStatus::Cancelled => "annule",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [CountStatus::Open, CountStatus::Validated, CountStatus::Cancelled].into_iter().find(|s| s.as_str() == text)
    }
}

/// A count to open at `at`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCount {
    pub location: Location,
    /// Only the products of this category (as the catalogue writes it); every product when `None`.
    pub categorie: Option<String>,
    pub at: DateTime<Utc>,
}

/// A category, when one is given: trimmed, at most [`MAX_CATEGORY_CHARS`], no control character.
pub fn validate_new_count(
    location: Location,
    categorie: Option<String>,
    at: DateTime<Utc>,
) -> Result<NewCount, ValidationErrors> {
    let categorie = match categorie.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(c) => Some(
            crate::accounts::parse_label(c, MAX_CATEGORY_CHARS)
                .map_err(|code| ValidationErrors::single("categorie", code))?,
        ),
    };
    Ok(NewCount { location, categorie, at })
}

/// What was counted of one product.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CountEntry {
    pub produit: ProductId,
    pub compte: i64,
}

/// 1 to [`MAX_ENTRIES`] entries of 0 to [`MAX_LINE_QUANTITY`] units (field `lignes[i].compte`).
pub fn validate_entries(entries: &[CountEntry]) -> Result<(), ValidationErrors> {
    let mut errors = ValidationErrors::new();
    if entries.is_empty() || entries.len() > MAX_ENTRIES {
        errors.add("lignes", ValidationCode::OutOfRange { min: 1, max: MAX_ENTRIES as i64 });
    }
    for (i, e) in entries.iter().enumerate() {
        if !(0..=MAX_LINE_QUANTITY).contains(&e.compte) {
            errors.add(format!("lignes[{i}].compte"), ValidationCode::OutOfRange { min: 0, max: MAX_LINE_QUANTITY });
        }
    }
    errors.into_result(())
}

/// One product of a count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountLine {
    pub produit: ProductId,
    pub produit_nom: String,
    /// What the product held when the count opened.
    pub snapshot: i64,
    /// What it should hold now: the snapshot plus the movements since (when validated: at the
    /// validation).
    pub expected: i64,
    /// What was counted, once entered.
    pub counted: Option<i64>,
    /// Counted minus expected, for a counted line.
    pub variance: Option<i64>,
    /// The product's price (at validation once validated): the value of a unit of variance.
    pub prix_unitaire: Money,
}

impl CountLine {
    /// The variance's value at the product's price.
    pub fn variance_value(&self) -> Option<Money> {
        self.variance.map(|v| Money(v.saturating_mul(self.prix_unitaire.0)))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Count {
    pub id: CountId,
    pub location: Location,
    pub categorie: Option<String>,
    pub statut: CountStatus,
    pub opened_at: DateTime<Utc>,
    pub opened_by: String,
    pub closed_at: Option<DateTime<Utc>>,
    pub closed_by: Option<String>,
    /// Every line, in product order (empty in lists).
    pub lignes: Vec<CountLine>,
}

impl Count {
    /// Lines counted so far.
    pub fn counted(&self) -> usize {
        self.lignes.iter().filter(|l| l.counted.is_some()).count()
    }

    /// The variances' total value.
    pub fn variance_value(&self) -> Money {
        Money(self.lignes.iter().filter_map(CountLine::variance_value).map(|m| m.0).sum())
    }
}

/// Counts of one location, newest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountQuery {
    pub location: Location,
    pub cursor: CursorRequest,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::StoreId;

    #[test]
    fn a_count_takes_an_optional_category_and_entries_within_bounds() {
        let at = Utc::now();
        let store = Location::Store(StoreId(1));
        assert_eq!(validate_new_count(store, Some("  ".into()), at).expect("no category").categorie, None);
        assert_eq!(
            validate_new_count(store, Some(" Épicerie ".into()), at).expect("ok").categorie.as_deref(),
            Some("Épicerie")
        );
        assert!(validate_new_count(store, Some("a\u{0}".into()), at).is_err());
        let e = |compte| CountEntry { produit: ProductId(1), compte };
        assert!(validate_entries(&[e(0), e(MAX_LINE_QUANTITY)]).is_ok());
        let fields: Vec<String> =
            validate_entries(&[e(-1), e(1)]).unwrap_err().0.into_iter().map(|f| f.field).collect();
        assert_eq!(fields, ["lignes[0].compte"]);
        assert!(validate_entries(&[]).is_err());
        for s in [CountStatus::Open, CountStatus::Validated, CountStatus::Cancelled] {
            assert_eq!(CountStatus::parse(s.as_str()), Some(s));
        }
    }
}
