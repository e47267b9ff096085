//! Replenishment requests: create, read, list, and decide exactly once.

use crate::SqlStorage;
use crate::engine::{Connection, Engine};
use crate::ledger::{LedgerBatch, Movement};
use crate::rows::{ReplenishmentRow, invariant};
use crate::statement::Statement;
use magasin_domain::audit::AuditAction;
use magasin_domain::ledger::{LedgerReason, SourceDocument};
use magasin_domain::paging::CursorPage;
use magasin_domain::replenishment::{
    ApprovalOutcome, NewReplenishment, Replenishment, ReplenishmentQuery, ReplenishmentStatus, shortage_reason,
};
use magasin_domain::stock::Location;
use magasin_domain::{ReplenishmentId, StorageError, StorageResult, WriteContext};

const COLUMNS: &str = "SELECT r.id, r.produit_id, p.nom AS produit_nom, r.magasin_id, m.nom AS magasin_nom, r.quantite,
    r.date, r.statut, r.date_decision, r.motif, r.demandeur, r.decideur
    FROM replenishments r JOIN products p ON p.id = r.produit_id JOIN stores m ON m.id = r.magasin_id";

/// Message given to the rejection of a pending request by logistics.
pub const REJECTED_BY_LOGISTICS: &str = "Refusée par la logistique.";

fn status(s: ReplenishmentStatus) -> String {
    s.as_str().to_string()
}

impl<E: Engine> SqlStorage<E> {
    async fn fetch_replenishment(conn: &mut Connection<E>, id: ReplenishmentId) -> StorageResult<Replenishment> {
        let row: Option<ReplenishmentRow> =
            Self::optional(conn, &Statement::new(&format!("{COLUMNS} WHERE r.id = $1")).value(id.0)).await?;
        row.ok_or(StorageError::not_found("replenishment request", id.0))?.try_into()
    }

    pub(crate) async fn replenishment(&self, id: ReplenishmentId) -> StorageResult<Replenishment> {
        let mut conn = self.reader.acquire().await?;
        Self::fetch_replenishment(&mut conn, id).await
    }

    pub(crate) async fn insert_replenishment(
        &self,
        request: &NewReplenishment,
        ctx: &WriteContext,
    ) -> StorageResult<Replenishment> {
        let mut tx = self.writer.begin().await?;
        let exists =
            Statement::new("SELECT (SELECT id FROM stores WHERE id = $1), (SELECT id FROM products WHERE id = $2)")
                .value(request.magasin.0)
                .value(request.produit.0);
        let (store, product): (Option<i64>, Option<i64>) = Self::one(&mut tx, &exists).await?;
        store.ok_or(StorageError::not_found("store", request.magasin.0))?;
        product.ok_or(StorageError::not_found("product", request.produit.0))?;
        let insert = Statement::new(
            "INSERT INTO replenishments (produit_id, magasin_id, quantite, date, statut, demandeur)
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .value(request.produit.0)
        .value(request.magasin.0)
        .value(request.quantite)
        .value(request.at)
        .value(status(ReplenishmentStatus::Pending))
        .value(ctx.actor.as_str());
        let (id,): (i64,) = Self::one(&mut tx, &insert).await?;
        let summary = serde_json::json!({"magasin": request.magasin.0, "produit": request.produit.0, "quantite": request.quantite});
        Self::audit(&mut tx, ctx, AuditAction::ReplenishmentRequested, id, None, Some(summary)).await?;
        let created = Self::fetch_replenishment(&mut tx, ReplenishmentId(id)).await?;
        tx.commit().await.map_err(E::map_error)?;
        Ok(created)
    }

    pub(crate) async fn replenishments_page(
        &self,
        query: &ReplenishmentQuery,
    ) -> StorageResult<CursorPage<Replenishment>> {
        let mut select = Statement::new(COLUMNS);
        select.push(" WHERE r.id < ").bind(query.cursor.before_or_max());
        if let Some(store) = query.magasin {
            select.push(" AND r.magasin_id = ").bind(store.0);
        }
        if let Some(statut) = query.statut {
            select.push(" AND r.statut = ").bind(statut.as_str());
        }
        select.push(" ORDER BY r.id DESC LIMIT ").bind(query.cursor.fetch_limit());
        let mut conn = self.reader.acquire().await?;
        let rows: Vec<ReplenishmentRow> = Self::all(&mut conn, &select).await?;
        let items = rows.into_iter().map(Replenishment::try_from).collect::<Result<Vec<_>, _>>()?;
        Ok(CursorPage::from_rows(items, query.cursor, |r| r.id.0))
    }

    pub(crate) async fn pending_count(&self) -> StorageResult<i64> {
        let mut conn = self.reader.acquire().await?;
        let count = Statement::new("SELECT COUNT(*) FROM replenishments WHERE statut = $1")
            .value(status(ReplenishmentStatus::Pending));
        let (pending,): (i64,) = Self::one(&mut conn, &count).await?;
        Ok(pending)
    }

    /// Moves a pending request to `decision`; a request that is not pending is a conflict.
    async fn decide(
        conn: &mut Connection<E>,
        id: ReplenishmentId,
        decision: ReplenishmentStatus,
        motif: Option<&str>,
        ctx: &WriteContext,
    ) -> StorageResult<()> {
        let update = Statement::new(
            "UPDATE replenishments SET statut = $1, date_decision = $2, motif = $3, decideur = $6
             WHERE id = $4 AND statut = $5 RETURNING id",
        )
        .value(status(decision))
        .value(ctx.at)
        .value(motif)
        .value(id.0)
        .value(status(ReplenishmentStatus::Pending))
        .value(ctx.actor.as_str());
        let changed: Option<(i64,)> = Self::optional(conn, &update).await?;
        if changed.is_none() {
            let current = Self::fetch_replenishment(conn, id).await?;
            return Err(StorageError::Conflict(format!(
                "Replenishment request {id} is already {}.",
                current.statut.as_str()
            )));
        }
        Ok(())
    }

    /// Decides first (`WHERE statut = 'en_attente'`), so that of two racing approvals one waits
    /// for the other and then finds the request decided. The warehouse row is then decremented
    /// only if it holds the quantity; otherwise the request is refused, and that refusal commits.
    pub(crate) async fn approve(&self, id: ReplenishmentId, ctx: &WriteContext) -> StorageResult<ApprovalOutcome> {
        let mut tx = self.writer.begin().await?;
        Self::decide(&mut tx, id, ReplenishmentStatus::Approved, None, ctx).await?;
        let request = Self::fetch_replenishment(&mut tx, id).await?;
        let take = Statement::new(
            "UPDATE warehouse_stock SET quantite = quantite - $1 WHERE produit_id = $2 AND quantite >= $1
             RETURNING quantite",
        )
        .value(request.quantite)
        .value(request.produit.0);
        let left: Option<(i64,)> = Self::optional(&mut tx, &take).await?;
        let Some((warehouse_left,)) = left else {
            let select =
                Statement::new("SELECT quantite FROM warehouse_stock WHERE produit_id = $1").value(request.produit.0);
            let available: Option<(i64,)> = Self::optional(&mut tx, &select).await?;
            let available = available.map_or(0, |(q,)| q);
            let refuse = Statement::new("UPDATE replenishments SET statut = $1, motif = $2 WHERE id = $3")
                .value(status(ReplenishmentStatus::Refused))
                .value(shortage_reason(available, request.quantite))
                .value(id.0);
            Self::execute(&mut tx, &refuse).await?;
            Self::audit(&mut tx, ctx, AuditAction::ReplenishmentRefused, id.0, None, None).await?;
            let refused = Self::fetch_replenishment(&mut tx, id).await?;
            tx.commit().await.map_err(E::map_error)?;
            return Ok(ApprovalOutcome::RefusedForLackOfStock { request: refused, available });
        };
        let balances = Self::restock_store(&mut tx, request.magasin, &[(request.produit.0, request.quantite)]).await?;
        let store_balance = balances
            .get(&request.produit.0)
            .copied()
            .ok_or_else(|| invariant("the store's stock row was not returned by its upsert"))?;
        let document = Some(SourceDocument::Replenishment(id));
        let mut ledger = LedgerBatch::new(ctx);
        ledger.push(Movement {
            location: Location::Warehouse,
            produit: request.produit,
            quantite: -request.quantite,
            solde: warehouse_left,
            motif: LedgerReason::ReplenishmentOut,
            document,
        });
        ledger.push(Movement {
            location: Location::Store(request.magasin),
            produit: request.produit,
            quantite: request.quantite,
            solde: store_balance,
            motif: LedgerReason::ReplenishmentIn,
            document,
        });
        Self::append_ledger(&mut tx, ledger).await?;
        Self::audit(&mut tx, ctx, AuditAction::ReplenishmentApproved, id.0, None, None).await?;
        tx.commit().await.map_err(E::map_error)?;
        Ok(ApprovalOutcome::Approved(request))
    }

    pub(crate) async fn reject(&self, id: ReplenishmentId, ctx: &WriteContext) -> StorageResult<Replenishment> {
        let mut tx = self.writer.begin().await?;
        Self::decide(&mut tx, id, ReplenishmentStatus::Refused, Some(REJECTED_BY_LOGISTICS), ctx).await?;
        let request = Self::fetch_replenishment(&mut tx, id).await?;
        Self::audit(&mut tx, ctx, AuditAction::ReplenishmentRejected, id.0, None, None).await?;
        tx.commit().await.map_err(E::map_error)?;
        Ok(request)
    }
}
