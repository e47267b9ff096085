//! Invalid input as data: which field, and a typed [`ValidationCode`] with its parameters.
//!
//! The code's `Display` is its English text, the lab's DRF wording that the API answers (and
//! the logs show); the web interface renders the same codes in French in its own strings.

use crate::money::Money;
use chrono::NaiveDate;
use std::fmt;

/// Why one field is invalid. Every variant has an English text ([`fmt::Display`] below) and a
/// French one (the web interface's strings), both written as a `match` without wildcard, so a
/// new code does not compile until both languages say it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValidationCode {
    /// A required field is absent.
    Required,
    /// A text field is empty or only spaces.
    Blank,
    /// A text has more than `max` characters.
    TooLong { max: usize },
    /// An integer outside `min..=max`.
    OutOfRange { min: i64, max: i64 },
    /// A JSON value that should be a string.
    NotAString,
    /// A JSON value that should be an integer.
    NotAnInteger,
    /// A typed value (query string, form) that is not a whole number.
    NotAWholeNumber,
    /// A typed value that is not a `YYYY-MM-DD` date.
    NotADate,
    /// A `YYYY-MM-DD` date outside `min..=max`.
    DayOutOfRange { min: NaiveDate, max: NaiveDate },
    /// A value that is not one of `choices` (empty when the choices are not worth listing).
    NotAChoice { choices: Vec<String> },
    /// A price that is not a decimal number.
    NotANumber,
    /// A price with more decimal places than cents.
    TooManyDecimals,
    /// A negative price.
    Negative,
    /// A price above `max`.
    TooHigh { max: Money },
    /// A sale whose total, at the current prices, is above `max`.
    SaleTotalTooHigh { max: Money },
    /// A sale without lines.
    NoLines,
    /// A sale with more than `max` lines.
    TooManyLines { max: usize },
    /// A start date after the end date named `end`.
    AfterEnd { end: String },
    /// An idempotency key that is empty, longer than `max` characters or not printable.
    BadKey { max: usize },
    /// A header value with bytes outside printable ASCII.
    NotPrintableAscii,
    /// A field only accepted when the entity is created.
    CreationOnly,
    /// A text with a control character (NUL, escape…).
    ControlCharacter,
    /// A login that is not 3 to 64 lowercase letters, digits, `.`, `_` or `-`.
    BadLogin,
    /// A password shorter than `min` characters.
    PasswordTooShort { min: usize },
    /// A cashier or a store manager without a store.
    StoresRequired,
    /// No account has this login.
    UnknownLogin,
    /// Not the account's current password.
    WrongPassword,
    /// A new password and its confirmation differ.
    PasswordsDiffer,
    /// A goods receipt without lines or with more than `max`.
    ReceiptLineCount { max: usize },
    /// A quantity of zero where a change is expected.
    NotZero,
    /// A purchase order without lines or with more than `max`.
    OrderLineCount { max: usize },
    /// A value given twice where each must be once (a product on an order).
    Duplicate,
    /// A maximum below its minimum `min`.
    BelowMin { min: i64 },
    /// A replenishment request without lines or with more than `max`.
    RequestLineCount { max: usize },
    /// A field given together with `other`, where the body takes one or the other.
    EitherOr { other: String },
    /// A destination that is the origin itself.
    SameAsOrigin,
    /// A barcode that is not 12 (UPC-A) or 13 (EAN-13) digits.
    BadBarcode,
    /// A barcode whose last digit is not its check digit, `expected`.
    BadCheckDigit { expected: u32 },
    /// An amount tendered with a payment that is not cash.
    CashOnly,
    /// Cash tendered below the sale's `total`.
    TenderedBelowTotal { total: Money },
    /// A SKU that is not 1 to `max` letters, digits, `.`, `-` or `_`, or reads as a barcode.
    BadSku { max: usize },
    /// A till search that is not `min` to `max` characters (control characters refused).
    BadTillSearch { min: usize, max: usize },
    /// A day that has not come yet (a till is closed once its day is over or under way).
    DayToCome { today: NaiveDate },
}

impl fmt::Display for ValidationCode {
    /// The English text, byte for byte what the API has always answered.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use ValidationCode::*;
        match self {
            Required => f.write_str("This field is required."),
            Blank => f.write_str("This field may not be blank."),
            TooLong { max } => write!(f, "Ensure this field has no more than {max} characters."),
            OutOfRange { min, max } => write!(f, "Ensure this value is between {min} and {max}."),
            NotAString => f.write_str("Not a valid string."),
            NotAnInteger => f.write_str("A valid integer is required."),
            NotAWholeNumber => f.write_str("Enter a whole number."),
            NotADate => f.write_str("Enter a valid date (YYYY-MM-DD)."),
            DayOutOfRange { min, max } => write!(f, "Enter a date between {min} and {max}."),
            NotAChoice { choices } if choices.is_empty() => f.write_str("Select a valid choice."),
            NotAChoice { choices } => write!(f, "Select one of {}.", choices.join(", ")),
            NotANumber => f.write_str("A valid number is required."),
            TooManyDecimals => f.write_str("Ensure that there are no more than 2 decimal places."),
            Negative => f.write_str("Ensure this value is greater than or equal to 0."),
            TooHigh { max } => write!(f, "Ensure this value is less than or equal to {max}."),
            SaleTotalTooHigh { max } => write!(f, "A sale may total at most {max}."),
            NoLines => f.write_str("A sale needs at least one line."),
            TooManyLines { max } => write!(f, "A sale has at most {max} lines."),
            AfterEnd { end } => write!(f, "Must not be after {end}."),
            BadKey { max } => write!(f, "Must be 1 to {max} printable characters."),
            NotPrintableAscii => f.write_str("Must be printable ASCII."),
            CreationOnly => {
                f.write_str("Only accepted when the product is created; stock moves through sales and replenishment.")
            }
            ControlCharacter => f.write_str("Control characters are not allowed."),
            BadLogin => f.write_str("Use 3 to 64 lowercase letters, digits, '.', '_' or '-'."),
            PasswordTooShort { min } => write!(f, "Use at least {min} characters."),
            StoresRequired => f.write_str("A cashier or a store manager acts for at least one store."),
            UnknownLogin => f.write_str("No user has this login."),
            WrongPassword => f.write_str("This is not the current password."),
            PasswordsDiffer => f.write_str("The two passwords differ."),
            ReceiptLineCount { max } => write!(f, "A receipt has 1 to {max} lines."),
            NotZero => f.write_str("Must not be zero."),
            OrderLineCount { max } => write!(f, "An order has 1 to {max} lines."),
            Duplicate => f.write_str("Already given: each product once."),
            BelowMin { min } => write!(f, "Must not be below min ({min})."),
            RequestLineCount { max } => write!(f, "A replenishment request has 1 to {max} lines."),
            EitherOr { other } => write!(f, "Give this field or {other}, not both."),
            SameAsOrigin => f.write_str("Must be another store than the origin."),
            CashOnly => f.write_str("Only a cash payment has an amount tendered."),
            TenderedBelowTotal { total } => {
                write!(f, "Less than the total ({total}): the customer still owes the rest.")
            }
            BadBarcode => f.write_str("Enter an EAN-13 (13 digits) or UPC-A (12 digits) barcode."),
            BadCheckDigit { expected } => write!(f, "Wrong check digit: it should be {expected}."),
            BadSku { max } => {
                write!(f, "Use 1 to {max} letters, digits, '.', '-' or '_' (12 or 13 digits alone are a barcode).")
            }
            BadTillSearch { min, max } => {
                write!(f, "Type or scan {min} to {max} characters: a code or part of a name.")
            }
            DayToCome { today } => write!(f, "This day has not come yet (today is {today})."),
        }
    }
}

/// One invalid field and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub code: ValidationCode,
}

/// Every invalid field of one input, in the order they were checked.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ValidationErrors(pub Vec<FieldError>);

impl ValidationErrors {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn single(field: impl Into<String>, code: ValidationCode) -> Self {
        let mut errors = Self::new();
        errors.add(field, code);
        errors
    }

    pub fn add(&mut self, field: impl Into<String>, code: ValidationCode) {
        self.0.push(FieldError { field: field.into(), code });
    }

    /// Adds `other`'s errors after these.
    pub fn extend(&mut self, other: ValidationErrors) {
        self.0.extend(other.0);
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok(value)` when nothing was added, the errors otherwise.
    pub fn into_result<T>(self, value: T) -> Result<T, ValidationErrors> {
        if self.is_empty() { Ok(value) } else { Err(self) }
    }
}

impl fmt::Display for ValidationErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self.0.iter().map(|e| format!("{}: {}", e.field, e.code)).collect();
        f.write_str(&parts.join("; "))
    }
}

impl std::error::Error for ValidationErrors {}

/// Every code once, with example parameters, for tests that walk them all (each language
/// renders every code). The `match` has no wildcard: a new code does not compile until it has
/// its place in this chain.
pub fn every_code() -> Vec<ValidationCode> {
    use ValidationCode::*;
    let mut all = Vec::new();
    let mut next = Some(Required);
    while let Some(code) = next {
        next = match &code {
            Required => Some(Blank),
            Blank => Some(TooLong { max: 100 }),
            TooLong { .. } => Some(OutOfRange { min: 1, max: 1_000_000 }),
            OutOfRange { .. } => Some(NotAString),
            NotAString => Some(NotAnInteger),
            NotAnInteger => Some(NotAWholeNumber),
            NotAWholeNumber => Some(NotADate),
            NotADate => {
                Some(DayOutOfRange { min: crate::reporting::FIRST_FILTER_DAY, max: crate::reporting::LAST_FILTER_DAY })
            }
            DayOutOfRange { .. } => Some(NotAChoice { choices: vec!["en_attente".into(), "approuvée".into()] }),
            NotAChoice { .. } => Some(NotANumber),
            NotANumber => Some(TooManyDecimals),
            TooManyDecimals => Some(Negative),
            Negative => Some(TooHigh { max: crate::money::MAX_PRICE }),
            TooHigh { .. } => Some(SaleTotalTooHigh { max: crate::sales::MAX_SALE_TOTAL }),
            SaleTotalTooHigh { .. } => Some(NoLines),
            NoLines => Some(TooManyLines { max: 100 }),
            TooManyLines { .. } => Some(AfterEnd { end: "date_fin".into() }),
            AfterEnd { .. } => Some(BadKey { max: 200 }),
            BadKey { .. } => Some(NotPrintableAscii),
            NotPrintableAscii => Some(CreationOnly),
            CreationOnly => Some(ControlCharacter),
            ControlCharacter => Some(BadLogin),
            BadLogin => Some(PasswordTooShort { min: crate::accounts::MIN_PASSWORD }),
            PasswordTooShort { .. } => Some(StoresRequired),
            StoresRequired => Some(UnknownLogin),
            UnknownLogin => Some(WrongPassword),
            WrongPassword => Some(PasswordsDiffer),
            PasswordsDiffer => Some(ReceiptLineCount { max: crate::sales::MAX_LINES }),
            ReceiptLineCount { .. } => Some(NotZero),
            NotZero => Some(OrderLineCount { max: crate::sales::MAX_LINES }),
            OrderLineCount { .. } => Some(Duplicate),
            Duplicate => Some(BelowMin { min: 5 }),
            BelowMin { .. } => Some(RequestLineCount { max: 100 }),
            RequestLineCount { .. } => Some(EitherOr { other: "produit".into() }),
            EitherOr { .. } => Some(SameAsOrigin),
            SameAsOrigin => Some(BadBarcode),
            BadBarcode => Some(BadCheckDigit { expected: 7 }),
            BadCheckDigit { .. } => Some(BadSku { max: 32 }),
            BadSku { .. } => Some(CashOnly),
            CashOnly => Some(TenderedBelowTotal { total: Money(1250) }),
            TenderedBelowTotal { .. } => Some(BadTillSearch { min: 1, max: 64 }),
            BadTillSearch { .. } => Some(DayToCome { today: crate::reporting::FIRST_FILTER_DAY }),
            DayToCome { .. } => None,
        };
        all.push(code);
    }
    all
}

#[cfg(test)]
mod tests {
    use super::*;
    use ValidationCode::*;

    #[test]
    fn english_is_the_labs_wording() {
        let cases = [
            (Required, "This field is required."),
            (Blank, "This field may not be blank."),
            (TooLong { max: 100 }, "Ensure this field has no more than 100 characters."),
            (OutOfRange { min: 1, max: 1_000_000 }, "Ensure this value is between 1 and 1000000."),
            (NotAString, "Not a valid string."),
            (NotAnInteger, "A valid integer is required."),
            (NotAWholeNumber, "Enter a whole number."),
            (NotADate, "Enter a valid date (YYYY-MM-DD)."),
            (
                DayOutOfRange { min: crate::reporting::FIRST_FILTER_DAY, max: crate::reporting::LAST_FILTER_DAY },
                "Enter a date between 1900-01-01 and 9999-12-31.",
            ),
            (
                NotAChoice { choices: vec!["en_attente".into(), "approuvée".into(), "refusée".into()] },
                "Select one of en_attente, approuvée, refusée.",
            ),
            (NotAChoice { choices: vec![] }, "Select a valid choice."),
            (NotANumber, "A valid number is required."),
            (TooManyDecimals, "Ensure that there are no more than 2 decimal places."),
            (Negative, "Ensure this value is greater than or equal to 0."),
            (TooHigh { max: crate::money::MAX_PRICE }, "Ensure this value is less than or equal to 99999999.99."),
            (SaleTotalTooHigh { max: crate::sales::MAX_SALE_TOTAL }, "A sale may total at most 99999999.99."),
            (NoLines, "A sale needs at least one line."),
            (TooManyLines { max: 100 }, "A sale has at most 100 lines."),
            (AfterEnd { end: "date_fin".into() }, "Must not be after date_fin."),
            (BadKey { max: 200 }, "Must be 1 to 200 printable characters."),
            (NotPrintableAscii, "Must be printable ASCII."),
            (CreationOnly, "Only accepted when the product is created; stock moves through sales and replenishment."),
            (ControlCharacter, "Control characters are not allowed."),
            (BadLogin, "Use 3 to 64 lowercase letters, digits, '.', '_' or '-'."),
            (PasswordTooShort { min: 12 }, "Use at least 12 characters."),
            (StoresRequired, "A cashier or a store manager acts for at least one store."),
            (UnknownLogin, "No user has this login."),
            (WrongPassword, "This is not the current password."),
            (PasswordsDiffer, "The two passwords differ."),
            (ReceiptLineCount { max: 100 }, "A receipt has 1 to 100 lines."),
            (NotZero, "Must not be zero."),
            (OrderLineCount { max: 100 }, "An order has 1 to 100 lines."),
            (Duplicate, "Already given: each product once."),
            (BelowMin { min: 5 }, "Must not be below min (5)."),
            (RequestLineCount { max: 100 }, "A replenishment request has 1 to 100 lines."),
            (EitherOr { other: "produit".into() }, "Give this field or produit, not both."),
        ];
        for (code, english) in cases {
            assert_eq!(code.to_string(), english);
        }
    }

    #[test]
    fn the_walk_meets_every_code_once() {
        let all = every_code();
        let kinds: std::collections::HashSet<_> = all.iter().map(std::mem::discriminant).collect();
        assert_eq!(kinds.len(), all.len());
    }
}
