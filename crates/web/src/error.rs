//! One error type for the API, mapped once to the lab's bodies:
//! `{timestamp, status, error, message, path}`, field errors `{"<field>": ["<message>"]}`,
//! and DRF's `{"detail": "Invalid page."}`.

use axum::Json;
use axum::extract::Request;
use axum::extract::rejection::{BytesRejection, JsonRejection, QueryRejection};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use magasin_domain::{FieldError, StorageError, ValidationCode, ValidationErrors};
use magasin_service::ServiceError;
use serde::Serialize;
use serde_json::{Map, Value, json};

/// Largest accepted request body.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// Seconds a client is asked to wait before retrying a `503` (`Retry-After`): about what a
/// database restart takes, and well past what an overloaded instance needs to drain.
pub const RETRY_AFTER_SECONDS: u32 = 3;

/// What a client reads when the database cannot serve its request.
const DATABASE_UNAVAILABLE: &str = "The database cannot be reached right now; nothing of this request was written. \
     Retry in a few seconds (a sale with the same Idempotency-Key is recorded once).";

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400 with the contract's error body.
    #[error("{0}")]
    BadRequest(String),
    /// 400 with one list of messages per field.
    #[error("invalid fields: {0}")]
    Fields(ValidationErrors),
    #[error("{0}")]
    Unauthorized(String),
    /// 403: the actor's role or stores do not allow the write; nothing was written.
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    /// DRF's answer to a page number past the end.
    #[error("Invalid page.")]
    InvalidPage,
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    /// 429: too many failed attempts from this client; retry after the duration.
    #[error("Too many failed attempts; retry in {} s.", .0.as_secs())]
    TooManyAttempts(std::time::Duration),
    #[error("{0}")]
    Unavailable(String),
    /// 503: the database cannot serve. The reason (the driver's words) is logged, never sent.
    #[error("{DATABASE_UNAVAILABLE}")]
    DatabaseUnavailable(String),
    /// 500; the cause is logged, never sent.
    #[error("internal error: {0}")]
    Internal(String),
}

/// Carried by an error response until [`error_body`] writes the body with the request's path.
#[derive(Clone, Debug)]
pub struct PendingError {
    pub message: String,
    /// The cause of a 500 or a 503, for the logs only.
    pub cause: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// When the error happened (RFC 3339).
    pub timestamp: String,
    pub status: u16,
    /// The HTTP reason phrase.
    pub error: String,
    /// What is wrong, for a human.
    pub message: String,
    /// The request path.
    pub path: String,
}

impl ApiError {
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) | ApiError::Fields(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) | ApiError::InvalidPage => StatusCode::NOT_FOUND,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::TooManyAttempts(_) => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable(_) | ApiError::DatabaseUnavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn field(field: &str, code: ValidationCode) -> Self {
        ApiError::Fields(ValidationErrors::single(field, code))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        match self {
            ApiError::Fields(errors) => {
                let mut body = Map::new();
                for e in errors.0 {
                    let entry = body.entry(e.field).or_insert_with(|| Value::Array(Vec::new()));
                    if let Value::Array(list) = entry {
                        list.push(Value::String(e.code.to_string()));
                    }
                }
                (status, Json(Value::Object(body))).into_response()
            }
            ApiError::InvalidPage => (status, Json(json!({"detail": "Invalid page."}))).into_response(),
            ApiError::Internal(cause) => {
                let mut response = status.into_response();
                response.extensions_mut().insert(PendingError {
                    message: "An internal error occurred; it has been logged.".into(),
                    cause: Some(cause),
                });
                response
            }
            ApiError::TooManyAttempts(wait) => {
                let mut response = status.into_response();
                response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(wait.as_secs().max(1)));
                let message = ApiError::TooManyAttempts(wait).to_string();
                response.extensions_mut().insert(PendingError { message, cause: None });
                response
            }
            ApiError::DatabaseUnavailable(reason) => {
                let mut response = status.into_response();
                response
                    .extensions_mut()
                    .insert(PendingError { message: DATABASE_UNAVAILABLE.into(), cause: Some(reason) });
                response
            }
            other => {
                let mut response = status.into_response();
                response.extensions_mut().insert(PendingError { message: other.to_string(), cause: None });
                response
            }
        }
    }
}

impl From<FieldError> for ApiError {
    fn from(error: FieldError) -> Self {
        ApiError::Fields(ValidationErrors(vec![error]))
    }
}

impl From<ServiceError> for ApiError {
    fn from(error: ServiceError) -> Self {
        match error {
            ServiceError::Invalid(errors) => ApiError::Fields(errors),
            ServiceError::Forbidden(message) => ApiError::Forbidden(message),
            ServiceError::Storage(error) => error.into(),
            ServiceError::Internal(source) => ApiError::Internal(source.to_string()),
        }
    }
}

impl From<StorageError> for ApiError {
    fn from(error: StorageError) -> Self {
        match error {
            StorageError::NotFound { entity, id } => ApiError::NotFound(format!("No {entity} with id {id}.")),
            StorageError::Invalid(errors) => ApiError::Fields(errors),
            StorageError::Conflict(message) => ApiError::Conflict(message),
            e @ (StorageError::InsufficientStock { .. } | StorageError::DayClosed { .. }) => {
                ApiError::Conflict(e.to_string())
            }
            StorageError::Unavailable(reason) => ApiError::DatabaseUnavailable(reason),
            StorageError::Other(source) => ApiError::Internal(source.to_string()),
        }
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        match rejection {
            JsonRejection::BytesRejection(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                ApiError::PayloadTooLarge(format!("The request body is larger than {MAX_BODY_BYTES} bytes."))
            }
            JsonRejection::MissingJsonContentType(_) => {
                ApiError::BadRequest("Expected a JSON body with `Content-Type: application/json`.".into())
            }
            JsonRejection::JsonSyntaxError(e) => ApiError::BadRequest(format!("Malformed JSON: {}", e.body_text())),
            JsonRejection::JsonDataError(e) => ApiError::BadRequest(format!("Invalid JSON body: {}", e.body_text())),
            other => ApiError::BadRequest(other.body_text()),
        }
    }
}

impl From<BytesRejection> for ApiError {
    fn from(rejection: BytesRejection) -> Self {
        match rejection.status() {
            StatusCode::PAYLOAD_TOO_LARGE => {
                ApiError::PayloadTooLarge(format!("The request body is larger than {MAX_BODY_BYTES} bytes."))
            }
            _ => ApiError::BadRequest(rejection.body_text()),
        }
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        ApiError::BadRequest(rejection.body_text())
    }
}

/// Gives every error response the contract's body, with the real timestamp and path: those
/// raised by handlers ([`PendingError`]) and those made by the router or extractors (a plain
/// text 400, 404, 405…). Pages of the web interface (HTML) keep their own. Logs the cause of
/// 500s and 503s. Every 503 (a page, the API, readiness) says when to retry (`Retry-After`).
pub async fn error_body(request: Request, next: Next) -> Response {
    let path = request.uri().path().to_string();
    let mut response = next.run(request).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    if status == StatusCode::SERVICE_UNAVAILABLE {
        response.headers_mut().entry(header::RETRY_AFTER).or_insert(HeaderValue::from(RETRY_AFTER_SECONDS));
    }
    let is_json =
        response.headers().get(header::CONTENT_TYPE).is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    let is_page = response.headers().get(header::CONTENT_TYPE).is_some_and(|v| v.as_bytes().starts_with(b"text/html"));
    if is_json || is_page {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let message = match parts.extensions.remove::<PendingError>() {
        Some(pending) => {
            if let Some(cause) = pending.cause.as_ref().filter(|_| status == StatusCode::INTERNAL_SERVER_ERROR) {
                tracing::error!(error = %cause, %path, "request failed");
            } else if let Some(cause) = &pending.cause {
                tracing::warn!(error = %pending.message, %cause, %path, "request failed");
            } else if status.is_server_error() {
                tracing::warn!(error = %pending.message, %path, "request failed");
            }
            pending.message
        }
        None => {
            let bytes = axum::body::to_bytes(body, 16 * 1024).await.unwrap_or_default();
            let text = String::from_utf8_lossy(&bytes).trim().to_string();
            if text.is_empty() { default_message(status) } else { text }
        }
    };
    let body = ErrorBody {
        timestamp: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        status: status.as_u16(),
        error: status.canonical_reason().unwrap_or("Error").to_string(),
        message,
        path,
    };
    parts.headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    parts.headers.remove(header::CONTENT_LENGTH);
    let json = serde_json::to_vec(&body).unwrap_or_default();
    Response::from_parts(parts, axum::body::Body::from(json))
}

fn default_message(status: StatusCode) -> String {
    match status {
        StatusCode::NOT_FOUND => "No resource at this path.".into(),
        StatusCode::METHOD_NOT_ALLOWED => "This method is not allowed on this path.".into(),
        other => other.canonical_reason().unwrap_or("Error").to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use magasin_domain::ProductId;

    /// The service hands the storage's refusal over as it is; the API's text is its `Display`.
    #[test]
    fn insufficient_stock_is_a_409_naming_the_product_and_what_is_left() {
        let refusal = StorageError::InsufficientStock {
            product: ProductId(7),
            product_name: "Webcam HD 1080p".into(),
            requested: 5,
            available: 2,
        };
        let error = ApiError::from(ServiceError::from(refusal));
        assert_eq!(error.status(), StatusCode::CONFLICT);
        assert_eq!(error.to_string(), "Insufficient stock for Webcam HD 1080p (product 7): 2 available, 5 requested.");
    }
}
