//! Writes require `Authorization: Token <token>`: the service token or a user's personal token.
//! Reads are open, as in the lab.

use crate::AppState;
use crate::error::ApiError;
use crate::forwarded::ClientAddress;
use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use magasin_service::domain::accounts::Actor;
use magasin_service::throttle::Subject;
use sha2::{Digest, Sha256};
use std::fmt;
use subtle::ConstantTimeEq;

/// The API token; its `Debug` never shows it.
#[derive(Clone)]
pub struct ApiToken {
    digest: [u8; 32],
}

impl ApiToken {
    pub fn new(token: &str) -> Self {
        Self { digest: Sha256::digest(token.as_bytes()).into() }
    }

    /// Constant-time comparison (of digests, so the length does not leak either).
    pub fn matches(&self, candidate: &str) -> bool {
        let digest: [u8; 32] = Sha256::digest(candidate.as_bytes()).into();
        self.digest.ct_eq(&digest).into()
    }
}

impl fmt::Debug for ApiToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiToken(***)")
    }
}

/// Present in a handler's arguments: who the request's `Authorization: Token …` names — the
/// configured service token (acting as an administrator), or a user's personal token. What the
/// actor may do is the service's to decide. A wrong token counts against the client's address;
/// past the limit, its attempts are refused (429) until the window closes.
#[derive(Clone)]
pub struct Caller(pub Actor);

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    /// Resolved once per request: a guard that asked first (private reads) leaves the answer in
    /// the request's extensions for the handler.
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if let Some(known) = parts.extensions.get::<Caller>() {
            return Ok(known.clone());
        }
        let caller = Self::identify(parts, state).await?;
        parts.extensions.insert(caller.clone());
        Ok(caller)
    }
}

impl Caller {
    async fn identify(parts: &Parts, state: &AppState) -> Result<Self, ApiError> {
        let header = parts.headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok());
        let Some(header) = header else {
            return Err(ApiError::Unauthorized("Authentication credentials were not provided.".into()));
        };
        let client = parts.extensions.get::<ClientAddress>().copied().unwrap_or(ClientAddress(None));
        let subjects = [Subject::Address(client.0)];
        state.services.auth_attempt_allowed(&subjects).await.map_err(ApiError::TooManyAttempts)?;
        let token = header.strip_prefix("Token ").map(str::trim).unwrap_or_default();
        if state.token.matches(token) {
            return Ok(Caller(Actor::Service));
        }
        match state.services.actor_for_token(token).await? {
            Some(actor) => Ok(Caller(actor)),
            None => {
                state.services.auth_attempt_failed(&subjects, "api_token").await;
                Err(ApiError::Unauthorized("Invalid token.".into()))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_matches_only_itself_and_hides_in_debug() {
        let token = ApiToken::new("token-430");
        assert!(token.matches("token-430"));
        assert!(!token.matches("token-431"));
        assert!(!token.matches(""));
        assert_eq!(format!("{token:?}"), "ApiToken(***)");
    }
}
