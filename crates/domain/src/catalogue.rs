//! The product catalogue: what a product is and what a valid product looks like.

use crate::ids::ProductId;
use crate::money::Money;
use crate::validation::{ValidationCode, ValidationErrors};

/// Longest product name and category, as the lab's `CharField(max_length=100)`.
pub const MAX_NAME_CHARS: usize = 100;
/// Longest description.
pub const MAX_DESCRIPTION_CHARS: usize = 2_000;
/// Largest initial warehouse stock given at product creation.
pub const MAX_INITIAL_STOCK: i64 = 1_000_000_000;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Product {
    pub id: ProductId,
    pub nom: String,
    pub categorie: String,
    pub prix: Money,
    pub description: Option<String>,
}

/// Input of a product creation or update, as received (price still text).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProductInput {
    pub nom: Option<String>,
    pub categorie: Option<String>,
    pub prix: Option<String>,
    /// `Some(None)` clears the description.
    pub description: Option<Option<String>>,
    /// Opening warehouse quantity, creation only.
    pub stock_initial: Option<i64>,
}

/// A product ready to be created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewProduct {
    pub nom: String,
    pub categorie: String,
    pub prix: Money,
    pub description: Option<String>,
    pub stock_initial: i64,
}

/// The fields an update changes; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProductPatch {
    pub nom: Option<String>,
    pub categorie: Option<String>,
    pub prix: Option<Money>,
    pub description: Option<Option<String>>,
}

impl ProductPatch {
    pub fn is_empty(&self) -> bool {
        self.nom.is_none() && self.categorie.is_none() && self.prix.is_none() && self.description.is_none()
    }
}

/// Whether `text` holds a control character (`char::is_control`: U+0000–U+001F, U+007F–U+009F).
/// No stored name or category holds one, so a search for one matches nothing.
pub fn has_control_character(text: &str) -> bool {
    text.chars().any(char::is_control)
}

fn check_text(errors: &mut ValidationErrors, field: &str, value: &str, max: usize) -> String {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        errors.add(field, ValidationCode::Blank);
    } else if has_control_character(trimmed) {
        errors.add(field, ValidationCode::ControlCharacter);
    } else if trimmed.chars().count() > max {
        errors.add(field, ValidationCode::TooLong { max });
    }
    trimmed.to_string()
}

fn check_description(errors: &mut ValidationErrors, value: &Option<String>) -> Option<String> {
    let text = value.as_ref().map(|d| d.trim().to_string()).filter(|d| !d.is_empty());
    // A description may run over several lines (and keep tabs); no other control character.
    let line_breaks = |c: char| matches!(c, '\n' | '\r' | '\t');
    if text.as_ref().is_some_and(|d| d.chars().any(|c| c.is_control() && !line_breaks(c))) {
        errors.add("description", ValidationCode::ControlCharacter);
    } else if text.as_ref().is_some_and(|d| d.chars().count() > MAX_DESCRIPTION_CHARS) {
        errors.add("description", ValidationCode::TooLong { max: MAX_DESCRIPTION_CHARS });
    }
    text
}

fn check_price(errors: &mut ValidationErrors, value: &str) -> Money {
    Money::parse_price(value).unwrap_or_else(|e| {
        errors.add("prix", e.into());
        Money::ZERO
    })
}

/// Checks a creation: name, category and price are required.
pub fn validate_new_product(input: ProductInput) -> Result<NewProduct, ValidationErrors> {
    let mut errors = ValidationErrors::new();
    let nom = match &input.nom {
        Some(n) => check_text(&mut errors, "nom", n, MAX_NAME_CHARS),
        None => {
            errors.add("nom", ValidationCode::Required);
            String::new()
        }
    };
    let categorie = match &input.categorie {
        Some(c) => check_text(&mut errors, "categorie", c, MAX_NAME_CHARS),
        None => {
            errors.add("categorie", ValidationCode::Required);
            String::new()
        }
    };
    let prix = match &input.prix {
        Some(p) => check_price(&mut errors, p),
        None => {
            errors.add("prix", ValidationCode::Required);
            Money::ZERO
        }
    };
    let description = check_description(&mut errors, &input.description.clone().flatten());
    let stock_initial = input.stock_initial.unwrap_or(0);
    if !(0..=MAX_INITIAL_STOCK).contains(&stock_initial) {
        errors.add("stock_initial", ValidationCode::OutOfRange { min: 0, max: MAX_INITIAL_STOCK });
    }
    errors.into_result(NewProduct { nom, categorie, prix, description, stock_initial })
}

/// Checks an update: every field is optional, those present must be valid.
pub fn validate_product_patch(input: ProductInput) -> Result<ProductPatch, ValidationErrors> {
    let mut errors = ValidationErrors::new();
    let nom = input.nom.as_ref().map(|n| check_text(&mut errors, "nom", n, MAX_NAME_CHARS));
    let categorie = input.categorie.as_ref().map(|c| check_text(&mut errors, "categorie", c, MAX_NAME_CHARS));
    let prix = input.prix.as_ref().map(|p| check_price(&mut errors, p));
    let description = input.description.as_ref().map(|d| check_description(&mut errors, d));
    if input.stock_initial.is_some() {
        errors.add("stock_initial", ValidationCode::CreationOnly);
    }
    errors.into_result(ProductPatch { nom, categorie, prix, description })
}

/// The lowercase form used for case-insensitive search (accents kept: `Café` ≠ `Cafe`).
pub fn search_key(text: &str) -> String {
    text.to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(nom: &str, prix: &str) -> ProductInput {
        ProductInput {
            nom: Some(nom.into()),
            categorie: Some("Épicerie".into()),
            prix: Some(prix.into()),
            ..Default::default()
        }
    }

    #[test]
    fn a_complete_product_is_valid() {
        let p = validate_new_product(input("Café moulu", "7.49")).unwrap();
        assert_eq!(p.nom, "Café moulu");
        assert_eq!(p.prix, Money(749));
        assert_eq!(p.stock_initial, 0);
    }

    #[test]
    fn creation_reports_every_bad_field() {
        let errors =
            validate_new_product(ProductInput { prix: Some("1.234".into()), ..Default::default() }).unwrap_err();
        let fields: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["nom", "categorie", "prix"]);
    }

    #[test]
    fn names_are_bounded_and_not_blank() {
        let long = "x".repeat(101);
        let errors = validate_new_product(input(&long, "1")).unwrap_err();
        assert_eq!(errors.0[0].code.to_string(), "Ensure this field has no more than 100 characters.");
        let errors = validate_product_patch(ProductInput { nom: Some("  ".into()), ..Default::default() }).unwrap_err();
        assert_eq!(errors.0[0].code.to_string(), "This field may not be blank.");
    }

    #[test]
    fn a_patch_changes_only_what_it_names() {
        let patch = validate_product_patch(ProductInput { prix: Some("10".into()), ..Default::default() }).unwrap();
        assert_eq!(patch, ProductPatch { prix: Some(Money(1000)), ..Default::default() });
    }

    #[test]
    fn initial_stock_is_for_creation_only() {
        assert!(validate_product_patch(ProductInput { stock_initial: Some(5), ..Default::default() }).is_err());
        let mut negative = input("A", "1");
        negative.stock_initial = Some(-1);
        assert!(validate_new_product(negative).is_err());
    }

    #[test]
    fn stored_text_holds_no_control_character() {
        let errors = validate_new_product(ProductInput {
            nom: Some("Caf\u{0}é".into()),
            categorie: Some("É\u{7f}picerie".into()),
            prix: Some("1".into()),
            description: Some(Some("a\u{1b}[31m".into())),
            stock_initial: None,
        })
        .unwrap_err();
        let fields: Vec<(&str, &ValidationCode)> = errors.0.iter().map(|e| (e.field.as_str(), &e.code)).collect();
        let control = &ValidationCode::ControlCharacter;
        assert_eq!(fields, [("nom", control), ("categorie", control), ("description", control)]);
        let patch = validate_product_patch(ProductInput { nom: Some("A\tB".into()), ..Default::default() });
        assert_eq!(patch.unwrap_err().0[0].code, ValidationCode::ControlCharacter);
        let lines = Some(Some("Ligne 1\r\nLigne 2\tfin".into()));
        let patch = validate_product_patch(ProductInput { description: lines, ..Default::default() }).unwrap();
        assert_eq!(patch.description, Some(Some("Ligne 1\r\nLigne 2\tfin".into())));
    }

    #[test]
    fn search_key_keeps_accents() {
        assert_eq!(search_key("CAFÉ"), "café");
    }
}
