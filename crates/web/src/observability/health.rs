//! Liveness (the process answers) and readiness (its dependencies answer).

use crate::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use magasin_service::ServiceError;
use magasin_service::domain::StorageError;
use serde::Serialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct Health {
    /// `up`, `ready`, `degraded` or `not_ready`.
    pub status: &'static str,
    /// Each dependency: `ok`, or what is wrong with it.
    pub checks: BTreeMap<&'static str, String>,
}

/// The process is up.
#[utoipa::path(get, path = "/health/live", tag = "health", responses((status = 200, body = Health)))]
pub async fn live() -> Json<Health> {
    Json(Health { status: "up", checks: BTreeMap::new() })
}

/// The database is reachable and migrated (503 otherwise); a failing cache only degrades
/// (answers then come from the database).
#[utoipa::path(get, path = "/health/ready", tag = "health",
    responses((status = 200, body = Health), (status = 503, body = Health, description = "A required dependency failed")))]
pub async fn ready(State(state): State<AppState>) -> (StatusCode, Json<Health>) {
    let mut checks = BTreeMap::new();
    let database = state.services.ready().await;
    checks.insert("database", database.as_ref().map_or_else(failed_check, |_| "ok".to_string()));
    let (code, status) =
        if database.is_ok() { (StatusCode::OK, "ready") } else { (StatusCode::SERVICE_UNAVAILABLE, "not_ready") };
    (code, Json(Health { status, checks }))
}

/// What a failed check says: the database out of reach, or failing.
fn failed_check(error: &ServiceError) -> String {
    match error {
        ServiceError::Storage(StorageError::Unavailable(reason)) => format!("service unavailable: {reason}"),
        ServiceError::Storage(StorageError::Other(cause)) => format!("internal error: {cause}"),
        other => other.to_string(),
    }
}
