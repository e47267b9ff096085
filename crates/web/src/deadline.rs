//! The longest a request may take: past it, the request's work is dropped (an open transaction
//! rolls back, so a write happens whole or not at all) and the client gets a 503 with the
//! contract's body.

use crate::error::ApiError;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::time::Duration;

/// Default longest time of a request.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Answers 503 when the request is not done within `limit`.
pub async fn limit(State(limit): State<Duration>, request: Request, next: Next) -> Response {
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => ApiError::Unavailable(format!(
            "The request took longer than {} ms and was abandoned; nothing of it was written. Retry it (a sale with the same Idempotency-Key is recorded once).",
            limit.as_millis()
        ))
        .into_response(),
    }
}
