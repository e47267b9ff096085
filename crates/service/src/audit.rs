//! Who did what, for head office and administrators.

use crate::{ServiceResult, Services};
use magasin_domain::accounts::{Action, Actor};
use magasin_domain::audit::{AuditEntry, AuditQuery};
use magasin_domain::paging::CursorPage;

impl Services {
    /// The audit log, newest first, by actor, action and days (head office and administrators).
    pub async fn audit_log(&self, actor: &Actor, query: &AuditQuery) -> ServiceResult<CursorPage<AuditEntry>> {
        self.authorize(actor, Action::ReadAudit)?;
        Ok(self.storage.audit_log(query).await?)
    }
}
