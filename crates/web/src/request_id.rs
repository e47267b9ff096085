//! The request id (`X-Request-Id`): a client's own is kept when it is a plain, bounded id, since
//! it is echoed, logged on every line of the request and stored in the stock ledger; anything
//! else is dropped before `SetRequestIdLayer` runs, which then makes a new one.

use axum::http::{HeaderName, HeaderValue, Request};

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Longest request id kept from a client (a UUID is 36 characters).
pub const MAX_LEN: usize = 128;

/// 1 to [`MAX_LEN`] characters among `A-Z a-z 0-9 - _ . :`.
pub fn is_plain(value: &HeaderValue) -> bool {
    let bytes = value.as_bytes();
    (1..=MAX_LEN).contains(&bytes.len())
        && bytes.iter().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
}

/// Removes the client's `X-Request-Id` unless it is one plain id (several are removed too).
pub fn drop_unless_plain<B>(mut request: Request<B>) -> Request<B> {
    let mut ids = request.headers().get_all(&REQUEST_ID).iter();
    let keep = match (ids.next(), ids.next()) {
        (None, _) => true,
        (Some(id), None) => is_plain(id),
        (Some(_), Some(_)) => false,
    };
    if !keep {
        request.headers_mut().remove(&REQUEST_ID);
    }
    request
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_ids_are_bounded_and_simple() {
        let plain = |s: &str| is_plain(&HeaderValue::from_str(s).expect("header value"));
        assert!(plain("till-7-req-1"));
        assert!(plain("0f8c2a4e-8b1d-4c3e-9f7a-2b6d5e4c3a21"));
        assert!(plain("trace_01.span:2"));
        assert!(plain(&"a".repeat(MAX_LEN)));
        assert!(!plain(&"a".repeat(MAX_LEN + 1)));
        assert!(!plain(""));
        assert!(!plain("two words"));
        assert!(!plain("a\tb"));
        assert!(!plain("<script>"));
        assert!(!is_plain(&HeaderValue::from_bytes("caf\u{e9}".as_bytes()).expect("obs-text")));
    }
}
