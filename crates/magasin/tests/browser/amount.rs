//! Amounts as the pages display them, back to cents.

/// Reads a displayed amount ("12,50 €", "1 234,56 €" with a normal, non-breaking or narrow
/// space between thousands, "1234.56", "-3,00 €", "12 €") as a number of cents.
pub fn parse_cents(text: &str) -> Result<i64, String> {
    let mut body = String::new();
    let mut negative = false;
    let trimmed = text.trim();
    for c in trimmed.strip_suffix("EUR").unwrap_or(trimmed).chars() {
        match c {
            '0'..='9' | ',' | '.' => body.push(c),
            '-' | '\u{2212}' if body.is_empty() => negative = true,
            '€' | '+' => {}
            c if c.is_whitespace() || c == '\u{202f}' || c == '\u{a0}' || c == '\'' => {}
            _ => return Err(format!("not an amount: {text:?}")),
        }
    }
    if !body.bytes().any(|b| b.is_ascii_digit()) {
        return Err(format!("not an amount: {text:?}"));
    }
    // The decimal separator is the last ',' or '.' when one or two digits follow it; every other
    // ',' or '.' separates thousands.
    let (whole, frac) = match body.rfind([',', '.']) {
        Some(i) if (1..=2).contains(&(body.len() - i - 1)) => (&body[..i], &body[i + 1..]),
        _ => (body.as_str(), ""),
    };
    let whole: String = whole.chars().filter(char::is_ascii_digit).collect();
    let units: i64 = if whole.is_empty() { 0 } else { whole.parse().map_err(|e| format!("{text:?}: {e}"))? };
    let cents: i64 = match frac.len() {
        0 => 0,
        1 => frac.parse::<i64>().map_err(|e| format!("{text:?}: {e}"))? * 10,
        _ => frac.parse().map_err(|e| format!("{text:?}: {e}"))?,
    };
    let total = units.checked_mul(100).and_then(|u| u.checked_add(cents)).ok_or(format!("too large: {text:?}"))?;
    Ok(if negative { -total } else { total })
}

#[cfg(test)]
mod tests {
    use super::parse_cents;

    #[test]
    fn french_amounts() {
        assert_eq!(parse_cents("12,50 €"), Ok(1250));
        assert_eq!(parse_cents("12,50\u{a0}€"), Ok(1250));
        assert_eq!(parse_cents("1\u{202f}234,56\u{a0}€"), Ok(123_456));
        assert_eq!(parse_cents("1\u{a0}234\u{a0}567,08 €"), Ok(123_456_708));
        assert_eq!(parse_cents("1 234,5 €"), Ok(123_450));
        assert_eq!(parse_cents("0,99 €"), Ok(99));
        assert_eq!(parse_cents("12 €"), Ok(1200));
        assert_eq!(parse_cents("-3,00 €"), Ok(-300));
        assert_eq!(parse_cents("\u{2212}3,00 €"), Ok(-300));
    }

    #[test]
    fn other_spellings() {
        assert_eq!(parse_cents("89.99"), Ok(8999));
        assert_eq!(parse_cents("1,234.56"), Ok(123_456));
        assert_eq!(parse_cents("1.234,56 €"), Ok(123_456));
        assert_eq!(parse_cents("1,234 €"), Ok(123_400));
        assert_eq!(parse_cents("  42  "), Ok(4200));
        assert_eq!(parse_cents("42 EUR"), Ok(4200));
    }

    #[test]
    fn not_amounts() {
        assert!(parse_cents("").is_err());
        assert!(parse_cents("€").is_err());
        assert!(parse_cents("abc").is_err());
        assert!(parse_cents("12 pommes").is_err());
        assert!(parse_cents("12 pommes EUR").is_err());
    }
}
