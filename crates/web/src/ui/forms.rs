//! Reading what a visitor typed (query strings and posted forms, parsed by [`Fields`]) without
//! ever refusing it: bad input becomes a message next to the field, never a 500 or a bare 400.

use super::layout::UiError;
use super::post_guard::MAX_FORM_BYTES;
use super::strings::current;
pub use crate::fields::Fields;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use magasin_domain::{FieldError, ValidationCode, ValidationErrors};
use std::collections::BTreeMap;
use std::convert::Infallible;

/// The query string of a page.
pub struct Query(pub Fields);

impl<S: Send + Sync> FromRequestParts<S> for Query {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Infallible> {
        Ok(Query(Fields::parse(parts.uri.query().unwrap_or("").as_bytes())))
    }
}

/// A posted form (`application/x-www-form-urlencoded`).
pub struct Form(pub Fields);

impl<S: Send + Sync> FromRequest<S> for Form {
    type Rejection = UiError;

    async fn from_request(request: Request, _: &S) -> Result<Self, UiError> {
        let bytes = axum::body::to_bytes(request.into_body(), MAX_FORM_BYTES).await.map_err(|_| UiError::TooLarge)?;
        Ok(Form(Fields::parse(&bytes)))
    }
}

/// Messages to show next to fields, by field name.
#[derive(Debug, Default, Clone)]
pub struct FieldErrors(BTreeMap<String, Vec<String>>);

impl FieldErrors {
    pub fn add(&mut self, field: &str, message: &str) {
        self.0.entry(field.to_string()).or_default().push(message.to_string());
    }

    /// `code` as the message of `field`, in the interface's language.
    pub fn add_code(&mut self, field: &str, code: &ValidationCode) {
        self.add(field, &(current().validation)(code));
    }

    /// The value read, or `None` with its message kept (absent is `None` without a message).
    pub fn check<T>(&mut self, read: Result<Option<T>, FieldError>) -> Option<T> {
        read.unwrap_or_else(|e| {
            self.add_code(&e.field, &e.code);
            None
        })
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The messages of `field`, joined (empty when it is valid).
    pub fn of(&self, field: &str) -> String {
        self.0.get(field).map(|m| m.join(" ")).unwrap_or_default()
    }

    /// Every message, field by field.
    pub fn all(&self) -> Vec<String> {
        self.0.values().flatten().cloned().collect()
    }

    /// The service's validation errors, in the interface's language.
    pub fn from_service(errors: &ValidationErrors) -> Self {
        let mut out = FieldErrors::default();
        for e in &errors.0 {
            out.add_code(&e.field, &e.code);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_numbers_and_dates_become_field_messages() {
        let fields = Fields::parse("a=+12&b=douze&d=2024-13-01&e=&n=%20Caf%C3%A9%20".as_bytes());
        let mut errors = FieldErrors::default();
        assert_eq!(errors.check(fields.integer("a")), Some(12));
        assert_eq!(errors.check(fields.integer("b")), None);
        assert_eq!(errors.check(fields.date("d")), None);
        assert_eq!(errors.check(fields.date("e")), None);
        assert_eq!(fields.text("n"), Some("Café"));
        assert_eq!(fields.raw("n"), " Café ");
        assert_eq!(errors.of("b"), "Saisissez un nombre entier.");
        assert_eq!(errors.of("d"), "Saisissez une date valide (AAAA-MM-JJ).");
        assert_eq!(errors.of("e"), "");
    }
}
