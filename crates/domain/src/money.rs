//! Money as an integer number of cents: no floating point ever touches an amount.

use crate::validation::ValidationCode;
use serde::{Deserialize, Serialize};
use std::fmt;

/// An amount in cents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Money(pub i64);

/// Highest accepted price: 99,999,999.99 (ten digits, as a DECIMAL(10, 2) column).
pub const MAX_PRICE: Money = Money(9_999_999_999);

/// Why a decimal string is not an amount (its text is the [`ValidationCode`]'s).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MoneyParseError {
    NotANumber,
    TooManyDecimals,
    Negative,
    TooLarge,
}

impl From<MoneyParseError> for ValidationCode {
    fn from(error: MoneyParseError) -> Self {
        match error {
            MoneyParseError::NotANumber => ValidationCode::NotANumber,
            MoneyParseError::TooManyDecimals => ValidationCode::TooManyDecimals,
            MoneyParseError::Negative => ValidationCode::Negative,
            MoneyParseError::TooLarge => ValidationCode::TooHigh { max: MAX_PRICE },
        }
    }
}

impl fmt::Display for MoneyParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        ValidationCode::from(*self).fmt(f)
    }
}

impl std::error::Error for MoneyParseError {}

impl Money {
    pub const ZERO: Money = Money(0);
    /// The largest amount an `i64` of cents holds: 92,233,720,368,547,758.07. A sum that would
    /// exceed it shows it instead (see [`Money::saturating_add`]).
    pub const MAX: Money = Money(i64::MAX);

    /// `self + other`, `None` on overflow.
    pub fn checked_add(self, other: Money) -> Option<Money> {
        self.0.checked_add(other.0).map(Money)
    }

    /// `self + other`, [`Money::MAX`] (or `i64::MIN` cents) when the sum cannot be represented:
    /// a figure read back from accepted data is shown capped, never refused.
    pub fn saturating_add(self, other: Money) -> Money {
        Money(self.0.saturating_add(other.0))
    }

    pub fn cents(self) -> i64 {
        self.0
    }

    /// Parses a non-negative decimal with at most two decimal places ("89.99", "5", "0.5").
    pub fn parse_price(text: &str) -> Result<Money, MoneyParseError> {
        let text = text.trim();
        if let Some(magnitude) = text.strip_prefix('-') {
            return match Money::parse_price(magnitude) {
                Ok(Money::ZERO) => Ok(Money::ZERO),
                Ok(_) | Err(MoneyParseError::TooLarge | MoneyParseError::TooManyDecimals) => {
                    Err(MoneyParseError::Negative)
                }
                Err(e) => Err(e),
            };
        }
        let (whole, frac) = match text.split_once('.') {
            Some((w, f)) => (w, f),
            None => (text, ""),
        };
        let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if (whole.is_empty() && frac.is_empty()) || !digits(whole) || !digits(frac) {
            return Err(MoneyParseError::NotANumber);
        }
        let frac = frac.trim_end_matches('0');
        if frac.len() > 2 {
            return Err(MoneyParseError::TooManyDecimals);
        }
        let whole = whole.trim_start_matches('0');
        if whole.len() > 8 {
            return Err(MoneyParseError::TooLarge);
        }
        let units: i64 = if whole.is_empty() { 0 } else { whole.parse().map_err(|_| MoneyParseError::NotANumber)? };
        let mut cents_text = frac.to_string();
        while cents_text.len() < 2 {
            cents_text.push('0');
        }
        let cents: i64 = cents_text.parse().map_err(|_| MoneyParseError::NotANumber)?;
        let amount = Money(units * 100 + cents);
        if amount > MAX_PRICE {
            return Err(MoneyParseError::TooLarge);
        }
        Ok(amount)
    }

    /// `quantity` times this unit price, `None` on overflow.
    pub fn times(self, quantity: i64) -> Option<Money> {
        self.0.checked_mul(quantity).map(Money)
    }

    /// The amount as a number of currency units (for JSON numbers; exact below 2^53 cents).
    pub fn as_units_f64(self) -> f64 {
        self.0 as f64 / 100.0
    }
}

impl fmt::Display for Money {
    /// Two decimal places, as the lab's `DecimalField`: `89.99`, `0.00`, `-3.50`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        write!(f, "{sign}{}.{:02}", abs / 100, abs % 100)
    }
}

impl std::iter::Sum for Money {
    /// Saturating (see [`Money::saturating_add`]): summing amounts never panics nor wraps.
    fn sum<I: Iterator<Item = Money>>(iter: I) -> Money {
        iter.fold(Money::ZERO, Money::saturating_add)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_prices_exactly() {
        assert_eq!(Money::parse_price("89.99"), Ok(Money(8999)));
        assert_eq!(Money::parse_price("5"), Ok(Money(500)));
        assert_eq!(Money::parse_price("0.5"), Ok(Money(50)));
        assert_eq!(Money::parse_price(".5"), Ok(Money(50)));
        assert_eq!(Money::parse_price("12.50"), Ok(Money(1250)));
        assert_eq!(Money::parse_price("12.500"), Ok(Money(1250)));
        assert_eq!(Money::parse_price("99999999.99"), Ok(MAX_PRICE));
        assert_eq!(Money::parse_price("-0"), Ok(Money::ZERO));
    }

    #[test]
    fn refuses_what_is_not_a_price() {
        assert_eq!(Money::parse_price("1.234"), Err(MoneyParseError::TooManyDecimals));
        assert_eq!(Money::parse_price("-1"), Err(MoneyParseError::Negative));
        assert_eq!(Money::parse_price("abc"), Err(MoneyParseError::NotANumber));
        assert_eq!(Money::parse_price(""), Err(MoneyParseError::NotANumber));
        assert_eq!(Money::parse_price("."), Err(MoneyParseError::NotANumber));
        assert_eq!(Money::parse_price("1e5"), Err(MoneyParseError::NotANumber));
        assert_eq!(Money::parse_price("100000000"), Err(MoneyParseError::TooLarge));
    }

    #[test]
    fn displays_two_decimals() {
        assert_eq!(Money(8999).to_string(), "89.99");
        assert_eq!(Money(0).to_string(), "0.00");
        assert_eq!(Money(5).to_string(), "0.05");
        assert_eq!(Money(-350).to_string(), "-3.50");
    }

    #[test]
    fn multiplies_without_overflow() {
        assert_eq!(Money(8999).times(3), Some(Money(26997)));
        assert_eq!(Money(i64::MAX).times(2), None);
    }

    #[test]
    fn sums_saturate_instead_of_overflowing() {
        assert_eq!(Money(i64::MAX - 1).checked_add(Money(2)), None);
        assert_eq!(Money(i64::MAX - 1).saturating_add(Money(2)), Money::MAX);
        let total: Money = [Money(i64::MAX / 2 + 1), Money(i64::MAX / 2 + 1), Money(5)].into_iter().sum();
        assert_eq!(total, Money::MAX);
        assert_eq!([Money(250), Money(150)].into_iter().sum::<Money>(), Money(400));
        assert_eq!(Money::MAX.to_string(), "92233720368547758.07");
    }
}
