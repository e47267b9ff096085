//! The audit log: one row per write, appended in the write's transaction, read newest first.

use crate::SqlStorage;
use crate::engine::{Connection, Engine};
use crate::rows::{AuditRow, invariant};
use crate::statement::Statement;
use magasin_domain::audit::{AuditAction, AuditEntry, AuditQuery};
use magasin_domain::paging::CursorPage;
use magasin_domain::{StorageResult, WriteContext};
use serde_json::Value;

/// The statement recording `action` on `entity_id` by the context's actor.
pub(crate) fn audit_insert(
    ctx: &WriteContext,
    action: AuditAction,
    entity_id: i64,
    before: Option<Value>,
    after: Option<Value>,
) -> Statement {
    Statement::new(
        "INSERT INTO audit_log (date, acteur, action, entite, entite_id, avant, apres, request_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .value(ctx.at)
    .value(ctx.actor.as_str())
    .value(action.as_str())
    .value(action.entity())
    .value(entity_id)
    .value(before.map(|v| v.to_string()))
    .value(after.map(|v| v.to_string()))
    .value(ctx.request_id.as_deref())
}

impl<E: Engine> SqlStorage<E> {
    /// Appends what `ctx`'s actor did: `action` on the entity `entity_id`, with what it was and
    /// what it is after when they matter.
    pub(crate) async fn audit(
        conn: &mut Connection<E>,
        ctx: &WriteContext,
        action: AuditAction,
        entity_id: i64,
        before: Option<Value>,
        after: Option<Value>,
    ) -> StorageResult<()> {
        Self::execute(conn, &audit_insert(ctx, action, entity_id, before, after)).await
    }

    pub(crate) async fn audit_page(&self, query: &AuditQuery) -> StorageResult<CursorPage<AuditEntry>> {
        let mut select = Statement::new(
            "SELECT id, date, acteur, action, entite_id, avant, apres, request_id FROM audit_log WHERE id < ",
        );
        select.bind(query.cursor.before_or_max());
        if let Some(actor) = &query.acteur {
            select.push(" AND acteur = ").bind(actor.as_str());
        }
        if let Some(action) = query.action {
            select.push(" AND action = ").bind(action.as_str());
        }
        if let Some(from) = query.from {
            select.push(" AND date >= ").bind(from.and_time(chrono::NaiveTime::MIN).and_utc());
        }
        if let Some(to) = query.to.and_then(|d| d.succ_opt()) {
            select.push(" AND date < ").bind(to.and_time(chrono::NaiveTime::MIN).and_utc());
        }
        select.push(" ORDER BY id DESC").limit(query.cursor.fetch_limit());
        let mut conn = self.reader.acquire().await?;
        let rows: Vec<AuditRow> = Self::all(&mut conn, &select).await?;
        let entries = rows
            .into_iter()
            .map(|r| {
                let action = AuditAction::parse(&r.action)
                    .ok_or_else(|| invariant(format!("unexpected audit action in database: {:?}", r.action)))?;
                Ok(AuditEntry {
                    id: r.id,
                    date: r.date,
                    acteur: r.acteur,
                    action,
                    entite_id: r.entite_id,
                    avant: r.avant,
                    apres: r.apres,
                    request_id: r.request_id,
                })
            })
            .collect::<StorageResult<Vec<_>>>()?;
        Ok(CursorPage::from_rows(entries, query.cursor, |e| e.id))
    }
}
