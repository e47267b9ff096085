//! Extractors shared by the API: JSON bodies with our error shape, query parameters (raw UTF-8
//! included), the request id, and absolute links for paginated answers.

use crate::error::ApiError;
use crate::fields::Fields;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Uri, header};
use chrono::NaiveDate;
use magasin_domain::ValidationCode;
use serde::de::DeserializeOwned;
use tower_http::request_id::RequestId;

/// `axum::Json` whose rejections answer with the contract's error body (400, 413).
pub struct AppJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for AppJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        let axum::Json(value) = axum::Json::<T>::from_request(request, state).await?;
        Ok(AppJson(value))
    }
}

/// A JSON body that may be absent: an empty body (or only spaces), or JSON `null`, is `None`,
/// whatever its content type, so that clients posting nothing keep working; anything else must be the JSON
/// of `T` (400 otherwise, 413 above the body limit).
pub struct OptionalJson<T>(pub Option<T>);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for OptionalJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        let body = Bytes::from_request(request, state).await?;
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(OptionalJson(None));
        }
        let value =
            serde_json::from_slice(&body).map_err(|e| ApiError::BadRequest(format!("Invalid JSON body: {e}")))?;
        Ok(OptionalJson(value))
    }
}

/// The id of the current request (from `X-Request-Id`, or generated).
pub struct ReqId(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for ReqId {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let id = parts.extensions.get::<RequestId>().and_then(|id| id.header_value().to_str().ok()).map(str::to_string);
        Ok(ReqId(id))
    }
}

/// Query parameters ([`Fields`]), read the API's way: a value that does not parse is a 400
/// naming the field.
pub struct Params {
    fields: Fields,
    path: String,
    origin: String,
}

impl<S: Send + Sync> FromRequestParts<S> for Params {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Params::new(&parts.uri, &parts.headers))
    }
}

impl Params {
    pub fn new(uri: &Uri, headers: &HeaderMap) -> Self {
        let fields = Fields::parse(uri.query().unwrap_or_default().as_bytes());
        let header_text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
        let host = header_text("x-forwarded-host")
            .or_else(|| header_text(header::HOST.as_str()))
            .or_else(|| uri.authority().map(|a| a.to_string()))
            .unwrap_or_else(|| "localhost".into());
        // Forwarded headers reach here only from a trusted proxy, and only plain (`forwarded.rs`).
        let scheme = header_text("x-forwarded-proto").unwrap_or_else(|| "http".into());
        Params { fields, path: uri.path().to_string(), origin: format!("{scheme}://{host}") }
    }

    /// The last value of `name`, trimmed; empty counts as absent (as DRF's filters do).
    pub fn text(&self, name: &str) -> Option<&str> {
        self.fields.text(name)
    }

    pub fn integer(&self, name: &str) -> Result<Option<i64>, ApiError> {
        Ok(self.fields.integer(name)?)
    }

    pub fn date(&self, name: &str) -> Result<Option<NaiveDate>, ApiError> {
        Ok(self.fields.date(name)?)
    }

    /// The 1-based `page` parameter; anything that is not a positive number is DRF's invalid page.
    pub fn page(&self) -> Result<u32, ApiError> {
        match self.text("page") {
            None => Ok(1),
            Some(v) => v.parse::<u32>().ok().filter(|p| *p >= 1).ok_or(ApiError::InvalidPage),
        }
    }

    /// A page size between 1 and the maximum, `default` when absent.
    pub fn page_size(&self, default: u32) -> Result<u32, ApiError> {
        match self.integer("page_size")? {
            None => Ok(default),
            Some(n) if (1..=i64::from(magasin_domain::paging::MAX_PAGE_SIZE)).contains(&n) => Ok(n as u32),
            Some(_) => Err(ApiError::field(
                "page_size",
                ValidationCode::OutOfRange { min: 1, max: i64::from(magasin_domain::paging::MAX_PAGE_SIZE) },
            )),
        }
    }

    /// This request's absolute URL with `name` set to `value` (or removed when `None`).
    pub fn link_with(&self, name: &str, value: Option<String>) -> String {
        let mut out = form_urlencoded::Serializer::new(String::new());
        for (k, v) in self.fields.pairs() {
            if k != name {
                out.append_pair(k, v);
            }
        }
        if let Some(v) = value {
            out.append_pair(name, &v);
        }
        let query = out.finish();
        if query.is_empty() {
            format!("{}{}", self.origin, self.path)
        } else {
            format!("{}{}?{}", self.origin, self.path, query)
        }
    }
}
