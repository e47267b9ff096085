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
/// Most rows one catalogue import may carry.
pub const MAX_IMPORT_ROWS: usize = 5_000;
/// The columns of the catalogue's CSV, in the order the export writes them.
pub const CSV_COLUMNS: [&str; 7] = ["id", "nom", "categorie", "prix", "description", "sku", "code_barres"];
/// Longest SKU (référence interne).
pub const MAX_SKU_CHARS: usize = 32;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Product {
    pub id: ProductId,
    pub nom: String,
    pub categorie: String,
    pub prix: Money,
    pub description: Option<String>,
    /// The chain's own reference, uppercase, unique.
    #[serde(default)]
    pub sku: Option<String>,
    /// The EAN-13 barcode (a UPC-A as its 13-digit form), unique.
    #[serde(default)]
    pub code_barres: Option<String>,
}

/// The check digit of an EAN-13 whose first 12 digits are `first12` (ASCII digits).
pub fn ean13_check_digit(first12: &[u8]) -> u8 {
    let sum: u32 = first12.iter().enumerate().map(|(i, d)| u32::from(d - b'0') * if i % 2 == 0 { 1 } else { 3 }).sum();
    u8::try_from((10 - sum % 10) % 10).unwrap_or(0)
}

/// A barcode as stored: an EAN-13, or a UPC-A (12 digits) as its EAN-13 form (a leading 0),
/// its check digit verified.
pub fn parse_barcode(text: &str) -> Result<String, ValidationCode> {
    let digits = text.trim();
    if !(digits.len() == 12 || digits.len() == 13) || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ValidationCode::BadBarcode);
    }
    let ean = if digits.len() == 12 { format!("0{digits}") } else { digits.to_string() };
    let bytes = ean.as_bytes();
    let expected = ean13_check_digit(&bytes[..12]);
    if bytes[12] - b'0' != expected {
        return Err(ValidationCode::BadCheckDigit { expected: expected.into() });
    }
    Ok(ean)
}

/// Whether `text` reads as a barcode: 12 or 13 ASCII digits and nothing else.
fn reads_as_barcode(text: &str) -> bool {
    matches!(text.len(), 12 | 13) && text.bytes().all(|b| b.is_ascii_digit())
}

/// A SKU as stored: 1 to [`MAX_SKU_CHARS`] letters, digits, `.`, `-` or `_`, uppercase, and
/// not 12 or 13 digits alone (that reads as a barcode).
pub fn parse_sku(text: &str) -> Result<String, ValidationCode> {
    let sku = text.trim();
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_');
    if sku.is_empty() || sku.chars().count() > MAX_SKU_CHARS || !sku.chars().all(allowed) || reads_as_barcode(sku) {
        return Err(ValidationCode::BadSku { max: MAX_SKU_CHARS });
    }
    Ok(sku.to_ascii_uppercase())
}

/// What a code typed or scanned names: a barcode (12 or 13 digits: its check digit must be
/// right) or else a SKU, each as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodeLookup {
    Barcode(String),
    Sku(String),
}

/// The SKU magasin gives the products it makes (demo and synthetic data): `MAG-00042`.
pub fn house_sku(id: ProductId) -> String {
    format!("MAG-{:05}", id.0)
}

/// The barcode magasin gives the products it makes: an EAN-13 of the in-store range (prefix
/// 200, for the chain's own use), the product's id, and its check digit.
pub fn house_barcode(id: ProductId) -> String {
    let first12 = format!("200{:09}", id.0.rem_euclid(1_000_000_000));
    let check = ean13_check_digit(first12.as_bytes());
    format!("{first12}{check}")
}

/// The lookup a code asks for (field `code`).
pub fn code_lookup(text: &str) -> Result<CodeLookup, ValidationCode> {
    if reads_as_barcode(text.trim()) {
        parse_barcode(text).map(CodeLookup::Barcode)
    } else {
        parse_sku(text).map(CodeLookup::Sku)
    }
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
    /// `Some(None)` (or a blank text) clears the SKU.
    pub sku: Option<Option<String>>,
    /// `Some(None)` (or a blank text) clears the barcode.
    pub code_barres: Option<Option<String>>,
}

/// A product ready to be created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewProduct {
    pub nom: String,
    pub categorie: String,
    pub prix: Money,
    pub description: Option<String>,
    pub stock_initial: i64,
    pub sku: Option<String>,
    pub code_barres: Option<String>,
}

/// The fields an update changes; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProductPatch {
    pub nom: Option<String>,
    pub categorie: Option<String>,
    pub prix: Option<Money>,
    pub description: Option<Option<String>>,
    pub sku: Option<Option<String>>,
    pub code_barres: Option<Option<String>>,
}

impl ProductPatch {
    pub fn is_empty(&self) -> bool {
        self.nom.is_none()
            && self.categorie.is_none()
            && self.prix.is_none()
            && self.description.is_none()
            && self.sku.is_none()
            && self.code_barres.is_none()
    }
}

/// A code field as given: absent, cleared (null or blank), or a value checked by `parse`.
fn check_code(
    errors: &mut ValidationErrors,
    field: &str,
    value: &Option<Option<String>>,
    parse: fn(&str) -> Result<String, ValidationCode>,
) -> Option<Option<String>> {
    let value = value.as_ref()?;
    let Some(text) = value.as_deref().filter(|t| !t.trim().is_empty()) else {
        return Some(None);
    };
    match parse(text) {
        Ok(code) => Some(Some(code)),
        Err(code) => {
            errors.add(field, code);
            Some(None)
        }
    }
}

/// One row of a catalogue import: a new product, or the fields of an existing one to change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CatalogueRow {
    Create(NewProduct),
    Update(ProductId, ProductPatch),
}

/// Checks an import: each row a creation (no id) or an update (an id), 1 to
/// [`MAX_IMPORT_ROWS`] rows; a field's error is named by its line as the file counts them
/// (`ligne 3.prix`: the header is line 1).
pub fn validate_import(rows: Vec<(Option<ProductId>, ProductInput)>) -> Result<Vec<CatalogueRow>, ValidationErrors> {
    let mut errors = ValidationErrors::new();
    if rows.is_empty() {
        errors.add("csv", ValidationCode::NoLines);
    } else if rows.len() > MAX_IMPORT_ROWS {
        errors.add("csv", ValidationCode::TooManyLines { max: MAX_IMPORT_ROWS });
        return Err(errors);
    }
    let mut valid = Vec::with_capacity(rows.len());
    for (i, (id, input)) in rows.into_iter().enumerate() {
        let checked = match id {
            None => validate_new_product(input).map(CatalogueRow::Create),
            Some(id) => validate_product_patch(input).map(|patch| CatalogueRow::Update(id, patch)),
        };
        match checked {
            Ok(row) => valid.push(row),
            Err(row_errors) => {
                for e in row_errors.0 {
                    errors.add(format!("ligne {}.{}", i + 2, e.field), e.code);
                }
            }
        }
    }
    errors.into_result(valid)
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
    let sku = check_code(&mut errors, "sku", &input.sku, parse_sku).flatten();
    let code_barres = check_code(&mut errors, "code_barres", &input.code_barres, parse_barcode).flatten();
    errors.into_result(NewProduct { nom, categorie, prix, description, stock_initial, sku, code_barres })
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
    let sku = check_code(&mut errors, "sku", &input.sku, parse_sku);
    let code_barres = check_code(&mut errors, "code_barres", &input.code_barres, parse_barcode);
    errors.into_result(ProductPatch { nom, categorie, prix, description, sku, code_barres })
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
            ..Default::default()
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
    fn barcodes_are_ean13_or_upca_with_their_check_digit() {
        assert_eq!(parse_barcode("4006381333931"), Ok("4006381333931".into()));
        assert_eq!(parse_barcode(" 036000291452 "), Ok("0036000291452".into()), "a UPC-A, as its EAN-13");
        assert_eq!(parse_barcode("4006381333932"), Err(ValidationCode::BadCheckDigit { expected: 1 }));
        for bad in ["", "400638133393", "40063813339311", "4006381A33931", "٤٠٠٦٣٨١٣٣٣٩٣١"] {
            assert!(parse_barcode(bad).is_err(), "{bad:?}");
        }
        assert_eq!(ean13_check_digit(b"400638133393"), 1);
    }

    #[test]
    fn house_codes_are_valid_and_distinct() {
        let (one, two) = (house_barcode(ProductId(1)), house_barcode(ProductId(2)));
        assert_eq!(parse_barcode(&one), Ok(one.clone()));
        assert_ne!(one, two);
        assert_eq!(one.len(), 13);
        assert_eq!(parse_sku(&house_sku(ProductId(42))), Ok("MAG-00042".into()));
    }

    #[test]
    fn skus_are_plain_and_uppercase() {
        assert_eq!(parse_sku(" caf-001.b_2 "), Ok("CAF-001.B_2".into()));
        for bad in ["", "a b", "é", &"A".repeat(33), "a\0", "400638133393", "4006381333931"] {
            assert_eq!(parse_sku(bad), Err(ValidationCode::BadSku { max: MAX_SKU_CHARS }), "{bad:?}");
        }
    }

    #[test]
    fn a_code_looks_up_a_barcode_or_a_sku() {
        let barcode = code_lookup("4006381333931").unwrap();
        assert_eq!(barcode, CodeLookup::Barcode("4006381333931".into()));
        assert_eq!(code_lookup("caf-1").unwrap(), CodeLookup::Sku("CAF-1".into()));
        assert_eq!(code_lookup("4006381333932"), Err(ValidationCode::BadCheckDigit { expected: 1 }));
        assert!(code_lookup("a b").is_err());
        assert_eq!(code_lookup("12345").unwrap(), CodeLookup::Sku("12345".into()), "short digits are a SKU");
    }

    #[test]
    fn codes_are_checked_and_cleared() {
        let mut with_codes = input("A", "1");
        with_codes.sku = Some(Some("ab-1".into()));
        with_codes.code_barres = Some(Some("036000291452".into()));
        let p = validate_new_product(with_codes).unwrap();
        assert_eq!((p.sku.as_deref(), p.code_barres.as_deref()), (Some("AB-1"), Some("0036000291452")));
        let bad = ProductInput { code_barres: Some(Some("4006381333932".into())), ..Default::default() };
        let errors = validate_product_patch(bad).unwrap_err();
        assert_eq!(errors.0[0].field, "code_barres");
        let clear = ProductInput { sku: Some(Some(" ".into())), code_barres: Some(None), ..Default::default() };
        let patch = validate_product_patch(clear).unwrap();
        assert_eq!((patch.sku, patch.code_barres), (Some(None), Some(None)));
    }

    #[test]
    fn an_import_names_each_bad_field_by_its_line() {
        let good = input("A", "1");
        let bad = ProductInput { prix: Some("x".into()), ..input("B", "1") };
        let update = ProductInput { sku: Some(Some("a b".into())), ..Default::default() };
        let errors =
            validate_import(vec![(None, good.clone()), (None, bad), (Some(ProductId(3)), update)]).unwrap_err();
        let fields: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["ligne 3.prix", "ligne 4.sku"]);
        let rows = validate_import(vec![(None, good), (Some(ProductId(3)), ProductInput::default())]).unwrap();
        assert!(matches!(&rows[..], [CatalogueRow::Create(_), CatalogueRow::Update(ProductId(3), _)]));
        assert_eq!(validate_import(vec![]).unwrap_err().0[0].code, ValidationCode::NoLines);
    }

    #[test]
    fn search_key_keeps_accents() {
        assert_eq!(search_key("CAFÉ"), "café");
    }
}
