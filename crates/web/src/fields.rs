//! Name/value pairs of a query string or a posted form, and the numbers and dates read from
//! them: the one parser under the API ([`crate::api::extract::Params`]) and the pages
//! ([`crate::ui::forms`]). A value that does not parse is a [`FieldError`]; each side renders
//! it in its own language.

use chrono::NaiveDate;
use magasin_domain::reporting::{FIRST_FILTER_DAY, LAST_FILTER_DAY};
use magasin_domain::{FieldError, ValidationCode};

/// Name/value pairs, percent-decoded, in order; bytes that are not UTF-8 are replaced, never refused.
#[derive(Debug, Default, Clone)]
pub struct Fields {
    pairs: Vec<(String, String)>,
}

impl Fields {
    /// `a=1&b=x` (a query string without its `?`, or a form body).
    pub fn parse(bytes: &[u8]) -> Self {
        Fields { pairs: form_urlencoded::parse(bytes).map(|(k, v)| (k.into_owned(), v.into_owned())).collect() }
    }

    /// Every pair, in order.
    pub fn pairs(&self) -> &[(String, String)] {
        &self.pairs
    }

    /// What was typed in `name` (its last value), untouched; empty when absent: to show it again.
    pub fn raw(&self, name: &str) -> String {
        self.last(name).unwrap_or_default().to_string()
    }

    /// The last value of `name`, trimmed; empty counts as absent (as DRF's filters do).
    pub fn text(&self, name: &str) -> Option<&str> {
        self.last(name).map(str::trim).filter(|v| !v.is_empty())
    }

    /// `name` as a whole number; absent is `Ok(None)`.
    pub fn integer(&self, name: &str) -> Result<Option<i64>, FieldError> {
        self.text(name)
            .map(|v| v.parse::<i64>().map_err(|_| invalid(name, ValidationCode::NotAWholeNumber)))
            .transpose()
    }

    /// `name` as a plain `YYYY-MM-DD` day from [`FIRST_FILTER_DAY`] to [`LAST_FILTER_DAY`];
    /// absent is `Ok(None)`.
    pub fn date(&self, name: &str) -> Result<Option<NaiveDate>, FieldError> {
        self.text(name).map(|v| day(v).map_err(|code| invalid(name, code))).transpose()
    }

    fn last(&self, name: &str) -> Option<&str> {
        self.pairs.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

/// Exactly four digits, a dash, two digits, a dash, two digits: no sign, no wider year, no
/// one-digit month (chrono's `%Y` alone reads `+200000` and `-5000`), then a real day in range.
pub fn day(text: &str) -> Result<NaiveDate, ValidationCode> {
    let bytes = text.as_bytes();
    let plain = bytes.len() == 10
        && bytes.iter().enumerate().all(|(i, b)| if i == 4 || i == 7 { *b == b'-' } else { b.is_ascii_digit() });
    let day =
        plain.then(|| NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()).flatten().ok_or(ValidationCode::NotADate)?;
    if (FIRST_FILTER_DAY..=LAST_FILTER_DAY).contains(&day) {
        Ok(day)
    } else {
        Err(ValidationCode::DayOutOfRange { min: FIRST_FILTER_DAY, max: LAST_FILTER_DAY })
    }
}

fn invalid(field: &str, code: ValidationCode) -> FieldError {
    FieldError { field: field.to_string(), code }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_trimmed_and_the_last_one_wins() {
        let fields = Fields::parse("a=+12&a=%2013%20&b=douze&d=2024-02-29&e=&n=%20Caf%C3%A9%20&x=%FF".as_bytes());
        assert_eq!(fields.integer("a"), Ok(Some(13)));
        assert_eq!(fields.integer("b"), Err(invalid("b", ValidationCode::NotAWholeNumber)));
        assert_eq!(fields.integer("missing"), Ok(None));
        assert_eq!(fields.date("d"), Ok(NaiveDate::from_ymd_opt(2024, 2, 29)));
        assert_eq!(fields.date("e"), Ok(None));
        assert_eq!(fields.date("n"), Err(invalid("n", ValidationCode::NotADate)));
        assert_eq!(fields.text("n"), Some("Café"));
        assert_eq!(fields.raw("n"), " Café ");
        assert_eq!(fields.raw("x"), "\u{fffd}");
    }

    #[test]
    fn dates_are_plain_days_in_range() {
        let out_of_range = ValidationCode::DayOutOfRange { min: FIRST_FILTER_DAY, max: LAST_FILTER_DAY };
        for (text, expected) in [
            ("1900-01-01", Ok(FIRST_FILTER_DAY)),
            ("9999-12-31", Ok(LAST_FILTER_DAY)),
            ("1899-12-31", Err(out_of_range.clone())),
            ("0000-01-01", Err(out_of_range)),
            ("+200000-01-01", Err(ValidationCode::NotADate)),
            ("-200000-01-01", Err(ValidationCode::NotADate)),
            ("-5000-01-01", Err(ValidationCode::NotADate)),
            ("+2024-01-01", Err(ValidationCode::NotADate)),
            ("10000-01-01", Err(ValidationCode::NotADate)),
            ("2024-1-5", Err(ValidationCode::NotADate)),
            ("2024-02-30", Err(ValidationCode::NotADate)),
            ("2024/01/01", Err(ValidationCode::NotADate)),
            ("２０２４-01-01", Err(ValidationCode::NotADate)),
        ] {
            assert_eq!(day(text), expected, "{text}");
        }
    }
}
