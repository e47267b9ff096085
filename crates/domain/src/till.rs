//! The till: what a cashier types or scans into its one input, what it finds, and when a line's
//! stock deserves a warning.

use crate::catalogue::{CodeLookup, has_control_character, parse_barcode, parse_sku, search_key};
use crate::{Money, ProductId, ValidationCode};

/// Fewest characters of a name search (a code of one character is still looked up).
pub const MIN_SEARCH_CHARS: usize = 2;
/// Most characters the input takes.
pub const MAX_SEARCH_CHARS: usize = 64;
/// Most suggestions one search answers.
pub const MAX_SUGGESTIONS: u32 = 8;
/// Units left after a line below which the till warns that the stock runs short.
pub const LOW_STOCK_AFTER_SALE: i64 = 3;

/// What the till's input asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TillSearch {
    /// A scanned barcode (12 or 13 digits, its check digit right): one product or none.
    Barcode(String),
    /// Anything else: the product whose SKU it is, then those whose name contains it.
    Text {
        /// The text as a SKU, when it can be one.
        sku: Option<String>,
        /// The text as names are searched (none when it is shorter than [`MIN_SEARCH_CHARS`]).
        name: Option<String>,
    },
    /// The products already on the till's lines, to show them again with their stock (at most
    /// [`crate::sales::MAX_LINES`]).
    Lines(Vec<ProductId>),
}

impl TillSearch {
    /// Reads the input: 12 or 13 digits are a barcode (a wrong check digit is refused, since a
    /// misread scan must not sell something else); anything else is a SKU or part of a name.
    pub fn parse(text: &str) -> Result<Self, ValidationCode> {
        let text = text.trim();
        let chars = text.chars().count();
        if chars == 0 || chars > MAX_SEARCH_CHARS || has_control_character(text) {
            return Err(ValidationCode::BadTillSearch { min: 1, max: MAX_SEARCH_CHARS });
        }
        if matches!(text.len(), 12 | 13) && text.bytes().all(|b| b.is_ascii_digit()) {
            return parse_barcode(text).map(TillSearch::Barcode);
        }
        let sku = parse_sku(text).ok();
        let name = (chars >= MIN_SEARCH_CHARS).then(|| search_key(text));
        Ok(TillSearch::Text { sku, name })
    }

    /// The exact lookup of a code, when the input can only be one.
    pub fn as_code(&self) -> Option<CodeLookup> {
        match self {
            TillSearch::Barcode(code) => Some(CodeLookup::Barcode(code.clone())),
            TillSearch::Text { sku: Some(sku), .. } => Some(CodeLookup::Sku(sku.clone())),
            TillSearch::Text { sku: None, .. } | TillSearch::Lines(_) => None,
        }
    }
}

/// A product as the till offers it, with what the store can sell of it now.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TillItem {
    pub id: ProductId,
    pub nom: String,
    pub prix: Money,
    pub sku: Option<String>,
    pub code_barres: Option<String>,
    /// The store's stock less what is reserved (0 when the store holds none).
    pub disponible: i64,
    /// The input named this product by its code (barcode or SKU), not by its name.
    pub code_exact: bool,
}

/// What a line's quantity leaves of the store's stock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StockWarning {
    /// More than the store can sell: the sale would be refused.
    Short { available: i64 },
    /// It leaves fewer than [`LOW_STOCK_AFTER_SALE`] units.
    Low { left: i64 },
}

impl StockWarning {
    /// The warning for `quantity` units of a product of which `available` can be sold.
    pub fn of(available: i64, quantity: i64) -> Option<Self> {
        let left = available - quantity;
        if left < 0 {
            Some(StockWarning::Short { available })
        } else if left < LOW_STOCK_AFTER_SALE {
            Some(StockWarning::Low { left })
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twelve_or_thirteen_digits_are_a_barcode_and_a_bad_check_digit_is_refused() {
        assert_eq!(TillSearch::parse(" 2000000000039 "), Ok(TillSearch::Barcode("2000000000039".into())));
        assert_eq!(TillSearch::parse("036000291452"), Ok(TillSearch::Barcode("0036000291452".into())));
        assert_eq!(TillSearch::parse("2000000000038"), Err(ValidationCode::BadCheckDigit { expected: 9 }));
    }

    #[test]
    fn other_text_is_a_sku_and_a_name() {
        assert_eq!(
            TillSearch::parse("mag-00003"),
            Ok(TillSearch::Text { sku: Some("MAG-00003".into()), name: Some("mag-00003".into()) })
        );
        assert_eq!(
            TillSearch::parse("Café moulu"),
            Ok(TillSearch::Text { sku: None, name: Some("café moulu".into()) })
        );
        // One character: a SKU perhaps, too short to search names.
        assert_eq!(TillSearch::parse("x"), Ok(TillSearch::Text { sku: Some("X".into()), name: None }));
        assert_eq!(TillSearch::parse("é"), Ok(TillSearch::Text { sku: None, name: None }));
    }

    #[test]
    fn empty_long_or_control_text_is_refused() {
        for text in ["", "   ", "a\u{0}b", &"a".repeat(MAX_SEARCH_CHARS + 1)] {
            assert_eq!(
                TillSearch::parse(text),
                Err(ValidationCode::BadTillSearch { min: 1, max: MAX_SEARCH_CHARS }),
                "{text:?}"
            );
        }
        assert!(TillSearch::parse(&"é".repeat(MAX_SEARCH_CHARS)).is_ok());
    }

    #[test]
    fn a_line_warns_when_it_leaves_little_and_when_it_takes_too_much() {
        assert_eq!(StockWarning::of(10, 2), None);
        assert_eq!(StockWarning::of(10, 8), Some(StockWarning::Low { left: 2 }));
        assert_eq!(StockWarning::of(10, 10), Some(StockWarning::Low { left: 0 }));
        assert_eq!(StockWarning::of(10, 11), Some(StockWarning::Short { available: 10 }));
        assert_eq!(StockWarning::of(0, 1), Some(StockWarning::Short { available: 0 }));
    }
}
