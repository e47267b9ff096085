//! Replenishment requests: create, read, list, and decide exactly once.

use crate::errors::{begin, invariant, map_error};
use crate::rows::ReplenishmentRow;
use crate::stock::{LedgerBatch, Movement, restock_store};
use magasin_domain::ledger::{LedgerReason, SourceDocument};
use magasin_domain::paging::CursorPage;
use magasin_domain::replenishment::{
    ApprovalOutcome, NewReplenishment, Replenishment, ReplenishmentQuery, ReplenishmentStatus, shortage_reason,
};
use magasin_domain::stock::Location;
use magasin_domain::{ReplenishmentId, StorageError, StorageResult, WriteContext};
use sqlx::{PgConnection, PgPool, Postgres, QueryBuilder};

const COLUMNS: &str = "SELECT r.id, r.produit_id, p.nom AS produit_nom, r.magasin_id, m.nom AS magasin_nom, r.quantite,
    r.date, r.statut, r.date_decision, r.motif
    FROM replenishments r JOIN products p ON p.id = r.produit_id JOIN stores m ON m.id = r.magasin_id";

/// Message given to the rejection of a pending request by logistics.
pub const REJECTED_BY_LOGISTICS: &str = "Refusée par la logistique.";

async fn fetch(conn: &mut PgConnection, id: ReplenishmentId) -> StorageResult<Replenishment> {
    let row: Option<ReplenishmentRow> = sqlx::query_as(&format!("{COLUMNS} WHERE r.id = $1"))
        .bind(id.0)
        .fetch_optional(conn)
        .await
        .map_err(map_error)?;
    row.ok_or(StorageError::not_found("replenishment request", id.0))?.try_into()
}

pub async fn get(pool: &PgPool, id: ReplenishmentId) -> StorageResult<Replenishment> {
    let mut conn = crate::errors::acquire(pool).await?;
    fetch(&mut conn, id).await
}

pub async fn create(pool: &PgPool, request: &NewReplenishment) -> StorageResult<Replenishment> {
    let mut tx = begin(pool).await?;
    let (store, product): (Option<i64>, Option<i64>) =
        sqlx::query_as("SELECT (SELECT id FROM stores WHERE id = $1), (SELECT id FROM products WHERE id = $2)")
            .bind(request.magasin.0)
            .bind(request.produit.0)
            .fetch_one(&mut *tx)
            .await
            .map_err(map_error)?;
    store.ok_or(StorageError::not_found("store", request.magasin.0))?;
    product.ok_or(StorageError::not_found("product", request.produit.0))?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO replenishments (produit_id, magasin_id, quantite, date, statut) VALUES ($1, $2, $3, $4, 'en_attente')
         RETURNING id",
    )
    .bind(request.produit.0)
    .bind(request.magasin.0)
    .bind(request.quantite)
    .bind(request.at)
    .fetch_one(&mut *tx)
    .await
    .map_err(map_error)?;
    let created = fetch(&mut tx, ReplenishmentId(id)).await?;
    tx.commit().await.map_err(map_error)?;
    Ok(created)
}

pub async fn list(pool: &PgPool, query: &ReplenishmentQuery) -> StorageResult<CursorPage<Replenishment>> {
    let mut qb = QueryBuilder::<Postgres>::new(COLUMNS);
    qb.push(" WHERE r.id < ").push_bind(query.cursor.before_or_max());
    if let Some(store) = query.magasin {
        qb.push(" AND r.magasin_id = ").push_bind(store.0);
    }
    if let Some(status) = query.statut {
        qb.push(" AND r.statut = ").push_bind(status.as_str());
    }
    qb.push(" ORDER BY r.id DESC LIMIT ").push_bind(query.cursor.fetch_limit());
    let rows: Vec<ReplenishmentRow> = qb.build_query_as().fetch_all(pool).await.map_err(map_error)?;
    let items = rows.into_iter().map(Replenishment::try_from).collect::<Result<Vec<_>, _>>()?;
    Ok(CursorPage::from_rows(items, query.cursor, |r| r.id.0))
}

pub async fn pending_count(pool: &PgPool) -> StorageResult<i64> {
    sqlx::query_scalar("SELECT COUNT(*) FROM replenishments WHERE statut = 'en_attente'")
        .fetch_one(pool)
        .await
        .map_err(map_error)
}

/// Moves a pending request to `status`; a request that is not pending is a conflict.
async fn decide(
    conn: &mut PgConnection,
    id: ReplenishmentId,
    status: ReplenishmentStatus,
    motif: Option<&str>,
    ctx: &WriteContext,
) -> StorageResult<()> {
    let changed = sqlx::query(
        "UPDATE replenishments SET statut = $1, date_decision = $2, motif = $3 WHERE id = $4 AND statut = 'en_attente'",
    )
    .bind(status.as_str())
    .bind(ctx.at)
    .bind(motif)
    .bind(id.0)
    .execute(&mut *conn)
    .await
    .map_err(map_error)?
    .rows_affected();
    if changed == 0 {
        let current = fetch(conn, id).await?;
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
pub async fn approve(pool: &PgPool, id: ReplenishmentId, ctx: &WriteContext) -> StorageResult<ApprovalOutcome> {
    let mut tx = begin(pool).await?;
    decide(&mut tx, id, ReplenishmentStatus::Approved, None, ctx).await?;
    let request = fetch(&mut tx, id).await?;
    let left: Option<i64> = sqlx::query_scalar(
        "UPDATE warehouse_stock SET quantite = quantite - $1 WHERE produit_id = $2 AND quantite >= $1 RETURNING quantite",
    )
    .bind(request.quantite)
    .bind(request.produit.0)
    .fetch_optional(&mut *tx)
    .await
    .map_err(map_error)?;
    let Some(warehouse_left) = left else {
        let available: Option<i64> = sqlx::query_scalar("SELECT quantite FROM warehouse_stock WHERE produit_id = $1")
            .bind(request.produit.0)
            .fetch_optional(&mut *tx)
            .await
            .map_err(map_error)?;
        let available = available.unwrap_or(0);
        sqlx::query("UPDATE replenishments SET statut = $1, motif = $2 WHERE id = $3")
            .bind(ReplenishmentStatus::Refused.as_str())
            .bind(shortage_reason(available, request.quantite))
            .bind(id.0)
            .execute(&mut *tx)
            .await
            .map_err(map_error)?;
        let refused = fetch(&mut tx, id).await?;
        tx.commit().await.map_err(map_error)?;
        return Ok(ApprovalOutcome::RefusedForLackOfStock { request: refused, available });
    };
    let balances = restock_store(&mut tx, request.magasin, &[(request.produit.0, request.quantite)]).await?;
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
    ledger.insert(&mut tx).await?;
    tx.commit().await.map_err(map_error)?;
    Ok(ApprovalOutcome::Approved(request))
}

pub async fn reject(pool: &PgPool, id: ReplenishmentId, ctx: &WriteContext) -> StorageResult<Replenishment> {
    let mut tx = begin(pool).await?;
    decide(&mut tx, id, ReplenishmentStatus::Refused, Some(REJECTED_BY_LOGISTICS), ctx).await?;
    let request = fetch(&mut tx, id).await?;
    tx.commit().await.map_err(map_error)?;
    Ok(request)
}
