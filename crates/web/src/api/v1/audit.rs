//! Who did what: the audit log, for head office and administrators.

use super::pagination::{CursorPaginated, cursor, cursor_request};
use super::route;
use crate::AppState;
use crate::api::extract::Params;
use crate::auth::Caller;
use crate::error::ApiError;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use magasin_domain::accounts::{Action, parse_login};
use magasin_domain::audit::{AuditAction, AuditEntry, AuditQuery};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct AuditEntryDto {
    pub id: i64,
    pub date: DateTime<Utc>,
    /// A user's login, `service` (the service token) or `system` (seeding, the demo data).
    pub acteur: String,
    /// `vente`, `annulation_vente`, `demande_reapprovisionnement`, `approbation`, `refus_stock`,
    /// `refus`, `creation_produit`, `modification_produit`, `creation_utilisateur`,
    /// `modification_utilisateur`, `creation_jeton`, `revocation_jeton`.
    pub action: String,
    /// `vente`, `demande`, `produit`, `utilisateur` or `jeton`.
    pub entite: String,
    pub entite_id: i64,
    /// The fields before a change (a product's, an account's).
    #[schema(value_type = Option<Object>)]
    pub avant: Option<Value>,
    /// The fields written.
    #[schema(value_type = Option<Object>)]
    pub apres: Option<Value>,
    pub request_id: Option<String>,
}

impl From<AuditEntry> for AuditEntryDto {
    fn from(e: AuditEntry) -> Self {
        let json = |text: Option<String>| text.map(|t| serde_json::from_str(&t).unwrap_or(Value::String(t)));
        AuditEntryDto {
            id: e.id,
            date: e.date,
            acteur: e.acteur,
            action: e.action.as_str().to_string(),
            entite: e.action.entity().to_string(),
            entite_id: e.entite_id,
            avant: json(e.avant),
            apres: json(e.apres),
            request_id: e.request_id,
        }
    }
}

pub fn router() -> Router<AppState> {
    route(Router::new(), "/api/v1/audit/", get(audit_log))
}

/// Who did what, newest first (head office and administrators).
#[utoipa::path(get, path = "/api/v1/audit/", tag = "audit", security(("token" = [])),
    params(("acteur" = Option<String>, Query, description = "A login, `service` or `system`"),
        ("action" = Option<String>, Query), ("date_debut" = Option<String>, Query, description = "YYYY-MM-DD"),
        ("date_fin" = Option<String>, Query, description = "YYYY-MM-DD"), ("before" = Option<i64>, Query),
        ("page_size" = Option<u32>, Query)),
    responses((status = 200, body = CursorPaginated<AuditEntryDto>), (status = 400, description = "Invalid filter"),
        (status = 401, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody, description = "Neither head office nor an administrator")))]
pub async fn audit_log(
    State(state): State<AppState>,
    Caller(actor): Caller,
    params: Params,
) -> Result<Json<CursorPaginated<AuditEntryDto>>, ApiError> {
    state.services.authorize(&actor, Action::ReadAudit)?;
    let acteur = params.text("acteur").map(|a| parse_login(a).map_err(|c| ApiError::field("acteur", c))).transpose()?;
    let action =
        params.text("action").map(|a| AuditAction::choose(a).map_err(|c| ApiError::field("action", c))).transpose()?;
    let query = AuditQuery {
        acteur,
        action,
        from: params.date("date_debut")?,
        to: params.date("date_fin")?,
        cursor: cursor_request(&params)?,
    };
    let page = state.services.audit_log(&actor, &query).await?;
    Ok(Json(cursor(page, &params, AuditEntryDto::from)))
}
