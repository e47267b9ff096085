//! Replenishment requests: create (one line or several), read, list, decide exactly once (each
//! line granted up to what it asked), and the requests magasin raises from the suggestions.

use crate::SqlStorage;
use crate::engine::{Connection, Engine};
use crate::ledger::{LedgerBatch, Movement};
use crate::rows::{LevelRow, ReplenishmentRow, RequestLineRow, invariant};
use crate::statement::Statement;
use chrono::NaiveDate;
use magasin_domain::audit::AuditAction;
use magasin_domain::ledger::{LedgerReason, SourceDocument};
use magasin_domain::paging::CursorPage;
use magasin_domain::reordering::{Raise, RaisedRequest, lines_to_ask, suggestion_key};
use magasin_domain::replenishment::{
    ApprovalOutcome, ApprovalTerms, NewReplenishment, Replenishment, ReplenishmentLine, ReplenishmentQuery,
    ReplenishmentStatus, RequestOrigin, grants, shortage_reason,
};
use magasin_domain::stock::Location;
use magasin_domain::{ProductId, ReplenishmentId, StorageError, StorageResult, StoreId, WriteContext};
use std::collections::{BTreeMap, HashMap};

const COLUMNS: &str = "SELECT r.id, r.produit_id, p.nom AS produit_nom, r.magasin_id, m.nom AS magasin_nom, r.quantite,
    r.date, r.statut, r.date_decision, r.motif, r.demandeur, r.decideur, r.origine, e.id AS expedition_id
    FROM replenishments r JOIN products p ON p.id = r.produit_id JOIN stores m ON m.id = r.magasin_id
    LEFT JOIN shipments e ON e.demande_id = r.id";

const LINE_INSERT: &str = "INSERT INTO replenishment_lines (demande_id, ligne, produit_id, demandee) VALUES ";
const LINE_WIDTH: usize = 4;

/// Message given to the rejection of a pending request by logistics.
pub const REJECTED_BY_LOGISTICS: &str = "Refusée par la logistique.";

fn status(s: ReplenishmentStatus) -> String {
    s.as_str().to_string()
}

/// Requests and their lines (ordered by request, then line) as the domain's requests.
fn assemble(rows: Vec<ReplenishmentRow>, lines: Vec<RequestLineRow>) -> StorageResult<Vec<Replenishment>> {
    let mut by_request: BTreeMap<i64, Vec<ReplenishmentLine>> = BTreeMap::new();
    for line in lines {
        by_request.entry(line.demande_id).or_default().push(line.into());
    }
    rows.into_iter()
        .map(|r| {
            let lines = by_request.remove(&r.id).unwrap_or_default();
            r.with_lines(lines)
        })
        .collect()
}

impl<E: Engine> SqlStorage<E> {
    async fn request_lines(conn: &mut Connection<E>, ids: &[i64]) -> StorageResult<Vec<RequestLineRow>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut select = Statement::new(
            "SELECT l.demande_id, l.ligne, l.produit_id, p.nom AS produit_nom, l.demandee, l.accordee
             FROM replenishment_lines l JOIN products p ON p.id = l.produit_id WHERE l.demande_id IN (",
        );
        select.bind_list(ids.iter().copied()).push(") ORDER BY l.demande_id, l.ligne");
        Self::all(conn, &select).await
    }

    async fn fetch_replenishment(conn: &mut Connection<E>, id: ReplenishmentId) -> StorageResult<Replenishment> {
        let row: Option<ReplenishmentRow> =
            Self::optional(conn, &Statement::new(&format!("{COLUMNS} WHERE r.id = $1")).value(id.0)).await?;
        let row = row.ok_or(StorageError::not_found("replenishment request", id.0))?;
        let lines = Self::request_lines(conn, &[id.0]).await?;
        assemble(vec![row], lines)?.pop().ok_or(StorageError::not_found("replenishment request", id.0))
    }

    pub(crate) async fn replenishment(&self, id: ReplenishmentId) -> StorageResult<Replenishment> {
        let mut conn = self.reader.acquire().await?;
        Self::fetch_replenishment(&mut conn, id).await
    }

    /// Writes a pending request and its lines, with its audit row; `key`, when given, is the
    /// request's unique key. None when the key, or the store's one pending automatic request,
    /// is taken already.
    async fn write_request(
        conn: &mut Connection<E>,
        request: &NewReplenishment,
        origin: RequestOrigin,
        key: Option<&str>,
        ctx: &WriteContext,
    ) -> StorageResult<Option<ReplenishmentId>> {
        let first = request.lignes.first().ok_or_else(|| invariant("a request without lines"))?;
        let insert = Statement::new(
            "INSERT INTO replenishments (produit_id, magasin_id, quantite, date, statut, demandeur, origine, cle)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING RETURNING id",
        )
        .value(first.produit.0)
        .value(request.magasin.0)
        .value(first.quantite)
        .value(request.at)
        .value(status(ReplenishmentStatus::Pending))
        .value(ctx.actor.as_str())
        .value(origin.as_str())
        .value(key);
        let Some((id,)): Option<(i64,)> = Self::optional(conn, &insert).await? else {
            return Ok(None);
        };
        let rows = request
            .lignes
            .iter()
            .zip(1_i64..)
            .map(|(line, number)| vec![id.into(), number.into(), line.produit.0.into(), line.quantite.into()]);
        Self::insert_rows(conn, LINE_INSERT, "", LINE_WIDTH, rows.collect()).await?;
        let summary = serde_json::json!({
            "magasin": request.magasin.0, "produit": first.produit.0, "quantite": first.quantite,
            "lignes": request.lignes.len(), "origine": origin.as_str(),
        });
        Self::audit(conn, ctx, AuditAction::ReplenishmentRequested, id, None, Some(summary)).await?;
        Ok(Some(ReplenishmentId(id)))
    }

    pub(crate) async fn insert_replenishment(
        &self,
        request: &NewReplenishment,
        ctx: &WriteContext,
    ) -> StorageResult<Replenishment> {
        let mut tx = self.writer.begin().await?;
        Self::fetch_store(&mut tx, request.magasin).await?;
        let products: Vec<i64> = request.lignes.iter().map(|l| l.produit.0).collect();
        Self::check_products_exist(&mut tx, &products).await?;
        let id = Self::write_request(&mut tx, request, RequestOrigin::Manual, None, ctx)
            .await?
            .ok_or_else(|| invariant("a request without key met a conflict"))?;
        let created = Self::fetch_replenishment(&mut tx, id).await?;
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
        select.push(" ORDER BY r.id DESC").limit(query.cursor.fetch_limit());
        let mut conn = self.reader.acquire().await?;
        let rows: Vec<ReplenishmentRow> = Self::all(&mut conn, &select).await?;
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let lines = Self::request_lines(&mut conn, &ids).await?;
        Ok(CursorPage::from_rows(assemble(rows, lines)?, query.cursor, |r| r.id.0))
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

    /// Records what each line of a decided request was granted, `granted` being `(line, units)`
    /// for every line: one statement for the lines granted in full, one per other line.
    async fn record_grants(
        conn: &mut Connection<E>,
        request: &Replenishment,
        granted: &[(i64, i64)],
    ) -> StorageResult<()> {
        let id = request.id;
        let in_full =
            Statement::new("UPDATE replenishment_lines SET accordee = demandee WHERE demande_id = $1").value(id.0);
        Self::execute(conn, &in_full).await?;
        let asked: HashMap<i64, i64> = request.lignes.iter().map(|l| (l.ligne, l.quantite)).collect();
        let less = granted.iter().filter(|(ligne, accordee)| asked.get(ligne) != Some(accordee));
        for &(ligne, accordee) in less {
            let update =
                Statement::new("UPDATE replenishment_lines SET accordee = $1 WHERE demande_id = $2 AND ligne = $3")
                    .value(accordee)
                    .value(id.0)
                    .value(ligne);
            Self::execute(conn, &update).await?;
        }
        Ok(())
    }

    /// Decides first (`WHERE statut = 'en_attente'`), so that of two racing approvals one waits
    /// for the other and then finds the request decided. The warehouse rows of the request's
    /// products are then read under lock, in product order, and each line granted as the
    /// domain says; a shortfall refuses the request (the lab's approval: that refusal commits)
    /// or, with terms, is a conflict that writes nothing.
    pub(crate) async fn approve(
        &self,
        id: ReplenishmentId,
        terms: &ApprovalTerms,
        ctx: &WriteContext,
    ) -> StorageResult<ApprovalOutcome> {
        let mut tx = self.writer.begin().await?;
        Self::decide(&mut tx, id, ReplenishmentStatus::Approved, None, ctx).await?;
        let request = Self::fetch_replenishment(&mut tx, id).await?;
        let mut products: Vec<i64> = request.lignes.iter().map(|l| l.produit.0).collect();
        products.sort_unstable();
        let mut select = Statement::new(
            "SELECT produit_id, quantite - reserve AS quantite FROM warehouse_stock WHERE produit_id IN (",
        );
        select.bind_list(products.iter().copied()).push(") ORDER BY produit_id").push(E::DIALECT.for_update);
        let held: Vec<LevelRow> = Self::all(&mut tx, &select).await?;
        let available: BTreeMap<ProductId, i64> = held.iter().map(|r| (ProductId(r.produit_id), r.quantite)).collect();
        let granted = match grants(&request.lignes, terms, &available) {
            Ok(granted) => granted,
            Err(short) if terms.is_lab() => {
                let reason = shortage_reason(&short, request.lignes.len());
                let refuse = Statement::new("UPDATE replenishments SET statut = $1, motif = $2 WHERE id = $3")
                    .value(status(ReplenishmentStatus::Refused))
                    .value(reason)
                    .value(id.0);
                Self::execute(&mut tx, &refuse).await?;
                let none: Vec<(i64, i64)> = request.lignes.iter().map(|l| (l.ligne, 0)).collect();
                Self::record_grants(&mut tx, &request, &none).await?;
                Self::audit(&mut tx, ctx, AuditAction::ReplenishmentRefused, id.0, None, None).await?;
                let refused = Self::fetch_replenishment(&mut tx, id).await?;
                tx.commit().await.map_err(E::map_error)?;
                let available = short.first().map_or(0, |s| s.available);
                return Ok(ApprovalOutcome::RefusedForLackOfStock { request: refused, available });
            }
            Err(short) => {
                return Err(StorageError::Conflict(format!(
                    "{} Nothing was granted; the request is still pending.",
                    shortage_reason(&short, request.lignes.len())
                )));
            }
        };
        let moving: Vec<(&ReplenishmentLine, i64)> =
            request.lignes.iter().zip(granted.iter().copied()).filter(|&(_, g)| g > 0).collect();
        if terms.via_transit {
            let reserved: Vec<(ProductId, &str, i64)> =
                moving.iter().map(|(line, q)| (line.produit, line.produit_nom.as_str(), *q)).collect();
            if !reserved.is_empty() {
                Self::reserve_for_request(&mut tx, id, request.magasin, &reserved, ctx).await?;
            }
        } else {
            Self::move_granted(&mut tx, &request, &moving, ctx).await?;
        }
        let recorded: Vec<(i64, i64)> = request.lignes.iter().zip(granted).map(|(l, g)| (l.ligne, g)).collect();
        Self::record_grants(&mut tx, &request, &recorded).await?;
        let summary = (!terms.is_lab()).then(|| {
            let lines: Vec<_> = recorded.iter().map(|(ligne, accordee)| serde_json::json!([ligne, accordee])).collect();
            serde_json::json!({"accordees": lines})
        });
        Self::audit(&mut tx, ctx, AuditAction::ReplenishmentApproved, id.0, None, summary).await?;
        let approved = Self::fetch_replenishment(&mut tx, id).await?;
        tx.commit().await.map_err(E::map_error)?;
        Ok(ApprovalOutcome::Approved(approved))
    }

    /// Moves the granted goods from the warehouse (its rows locked already) into the store at
    /// once, with their ledger rows.
    async fn move_granted(
        tx: &mut Connection<E>,
        request: &Replenishment,
        moving: &[(&ReplenishmentLine, i64)],
        ctx: &WriteContext,
    ) -> StorageResult<()> {
        let id = request.id;
        let mut warehouse_left = HashMap::new();
        let mut by_product: Vec<(&ReplenishmentLine, i64)> = moving.to_vec();
        by_product.sort_unstable_by_key(|(line, _)| line.produit);
        for (line, quantity) in by_product {
            let take = Statement::new(
                "UPDATE warehouse_stock SET quantite = quantite - $1 WHERE produit_id = $2 AND quantite - reserve >= $1
                 RETURNING quantite",
            )
            .value(quantity)
            .value(line.produit.0);
            let left: Option<(i64,)> = Self::optional(tx, &take).await?;
            let (left,) =
                left.ok_or_else(|| invariant("a locked warehouse row no longer held the quantity granted"))?;
            warehouse_left.insert(line.produit, left);
        }
        let items: Vec<(i64, i64)> = moving.iter().map(|(line, q)| (line.produit.0, *q)).collect();
        let balances = Self::restock_store(tx, request.magasin, &items).await?;
        let document = Some(SourceDocument::Replenishment(id));
        let mut ledger = LedgerBatch::new(ctx);
        for &(line, quantite) in moving {
            let store_balance = balances
                .get(&line.produit.0)
                .copied()
                .ok_or_else(|| invariant("the store's stock row was not returned by its upsert"))?;
            let warehouse_balance = warehouse_left
                .get(&line.produit)
                .copied()
                .ok_or_else(|| invariant("the warehouse's balance was not returned by its update"))?;
            ledger.push(Movement {
                location: Location::Warehouse,
                produit: line.produit,
                quantite: -quantite,
                solde: warehouse_balance,
                motif: LedgerReason::ReplenishmentOut,
                document,
            });
            ledger.push(Movement {
                location: Location::Store(request.magasin),
                produit: line.produit,
                quantite,
                solde: store_balance,
                motif: LedgerReason::ReplenishmentIn,
                document,
            });
        }
        Self::append_ledger(tx, ledger).await
    }

    pub(crate) async fn reject(&self, id: ReplenishmentId, ctx: &WriteContext) -> StorageResult<Replenishment> {
        let mut tx = self.writer.begin().await?;
        Self::decide(&mut tx, id, ReplenishmentStatus::Refused, Some(REJECTED_BY_LOGISTICS), ctx).await?;
        let request = Self::fetch_replenishment(&mut tx, id).await?;
        let none: Vec<(i64, i64)> = request.lignes.iter().map(|l| (l.ligne, 0)).collect();
        Self::record_grants(&mut tx, &request, &none).await?;
        Self::audit(&mut tx, ctx, AuditAction::ReplenishmentRejected, id.0, None, None).await?;
        let request = Self::fetch_replenishment(&mut tx, id).await?;
        tx.commit().await.map_err(E::map_error)?;
        Ok(request)
    }

    /// One request per store from the suggestions, read in the writing transaction: of two
    /// racing raises, the second finds the key of the day, or the store's pending automatic
    /// request, taken (its insert does nothing) and writes no line.
    pub(crate) async fn raise(
        &self,
        raise: Raise,
        today: NaiveDate,
        ctx: &WriteContext,
    ) -> StorageResult<Vec<RaisedRequest>> {
        let mut tx = self.writer.begin().await?;
        let (store, origin) = match raise {
            Raise::Suggestions(store) => (store, RequestOrigin::Suggestion),
            Raise::Automatic(store) => (Some(store), RequestOrigin::Automatic),
        };
        let suggestions = Self::fetch_suggestions(&mut tx, store, today).await?;
        let per_store = lines_to_ask(&suggestions, origin == RequestOrigin::Automatic);
        let mut raised = Vec::with_capacity(per_store.len());
        for (magasin, lignes) in per_store {
            let key = (origin == RequestOrigin::Suggestion).then(|| suggestion_key(magasin, today));
            let request = NewReplenishment { magasin, lignes, at: ctx.at };
            match Self::write_request(&mut tx, &request, origin, key.as_deref(), ctx).await? {
                Some(id) => {
                    raised.push(RaisedRequest { request: Self::fetch_replenishment(&mut tx, id).await?, created: true })
                }
                None => {
                    if let Some(key) = key {
                        let existing = Statement::new("SELECT id FROM replenishments WHERE cle = $1").value(key);
                        let (id,): (i64,) = Self::one(&mut tx, &existing).await?;
                        let request = Self::fetch_replenishment(&mut tx, ReplenishmentId(id)).await?;
                        raised.push(RaisedRequest { request, created: false });
                    }
                }
            }
        }
        tx.commit().await.map_err(E::map_error)?;
        Ok(raised)
    }

    pub(crate) async fn automatic_due(&self, store: StoreId, products: &[ProductId]) -> StorageResult<bool> {
        if products.is_empty() {
            return Ok(false);
        }
        let mut select = Statement::new(
            "SELECT EXISTS (SELECT 1 FROM reorder_rules r
                 LEFT JOIN store_stock s ON s.magasin_id = r.magasin_id AND s.produit_id = r.produit_id
                 WHERE r.magasin_id = $1 AND r.mode = 'automatique' AND COALESCE(s.quantite, 0) < r.seuil_min
                   AND r.produit_id IN (",
        )
        .value(store.0);
        select.bind_list(products.iter().map(|p| p.0)).push(
            ")) AND NOT EXISTS (SELECT 1 FROM replenishments
                 WHERE magasin_id = ",
        );
        select.bind(store.0).push(" AND origine = 'automatique' AND statut = 'en_attente')");
        let mut conn = self.reader.acquire().await?;
        let (due,): (bool,) = Self::one(&mut conn, &select).await?;
        Ok(due)
    }
}
