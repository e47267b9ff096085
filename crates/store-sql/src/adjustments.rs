//! Stock adjustments: one transaction corrects the stock row (never below zero), records the
//! adjustment with the product's price of the moment, appends its ledger row and the audit row;
//! an idempotency key is claimed as for sales. The shrinkage report adds them up per reason.

use crate::SqlStorage;
use crate::engine::{Connection, Engine};
use crate::idempotency::ADJUSTMENT_KEYS;
use crate::ledger::{LedgerBatch, Movement};
use crate::rows::{AdjustmentRow, ShrinkageRow, store_column};
use crate::statement::Statement;
use crate::stock::NewStockRows;
use magasin_domain::adjustments::AdjustmentReason;
use magasin_domain::adjustments::{
    Adjustment, AdjustmentQuery, RecordedAdjustment, Shrinkage, ShrinkageLine, ShrinkageQuery, ValidAdjustment,
};
use magasin_domain::audit::AuditAction;
use magasin_domain::ledger::{LedgerReason, SourceDocument};
use magasin_domain::paging::CursorPage;
use magasin_domain::stock::Location;
use magasin_domain::{AdjustmentId, ProductId, StorageError, StorageResult, WriteContext};

/// One adjustment to post: where, which product (id, name, price), by how much, why.
pub(crate) struct Posting<'a> {
    pub location: Location,
    pub product: (ProductId, &'a str, i64),
    pub delta: i64,
    pub motif: AdjustmentReason,
    pub note: &'a str,
    /// The count that posts it, if one does.
    pub count: Option<i64>,
}

const ADJUSTMENT_COLUMNS: &str = "SELECT a.id, a.magasin_id, a.produit_id, p.nom AS produit_nom, a.quantite, a.solde,
        a.motif, a.note, a.prix_unitaire_cents, a.date, a.acteur
     FROM adjustments a JOIN products p ON p.id = a.produit_id";

/// `WHERE`-less condition on the `magasin_id` column `column` naming `location`.
fn push_location(statement: &mut Statement, column: &str, location: Location) {
    match location {
        Location::Warehouse => statement.push(&format!(" AND {column} IS NULL")),
        Location::Store(store) => statement.push(&format!(" AND {column} = ")).bind(store.0),
    };
}

impl<E: Engine> SqlStorage<E> {
    async fn fetch_adjustment(conn: &mut Connection<E>, id: AdjustmentId) -> StorageResult<Adjustment> {
        let select = Statement::new(&format!("{ADJUSTMENT_COLUMNS} WHERE a.id = $1")).value(id.0);
        let row: Option<AdjustmentRow> = Self::optional(conn, &select).await?;
        row.ok_or(StorageError::not_found("adjustment", id.0))?.try_into()
    }

    pub(crate) async fn adjustments_page(&self, query: &AdjustmentQuery) -> StorageResult<CursorPage<Adjustment>> {
        let mut select = Statement::new(ADJUSTMENT_COLUMNS);
        select.push(" WHERE a.id < ").bind(query.cursor.before_or_max());
        push_location(&mut select, "a.magasin_id", query.location);
        if let Some(product) = query.produit {
            select.push(" AND a.produit_id = ").bind(product.0);
        }
        if let Some(motif) = query.motif {
            select.push(" AND a.motif = ").bind(motif.as_str());
        }
        if let Some(from) = query.from {
            select.push(" AND a.jour >= ").bind(from);
        }
        if let Some(to) = query.to {
            select.push(" AND a.jour <= ").bind(to);
        }
        select.push(" ORDER BY a.id DESC").limit(query.cursor.fetch_limit());
        let mut conn = self.reader.acquire().await?;
        let rows: Vec<AdjustmentRow> = Self::all(&mut conn, &select).await?;
        let items = rows.into_iter().map(Adjustment::try_from).collect::<Result<Vec<_>, _>>()?;
        Ok(CursorPage::from_rows(items, query.cursor, |a| a.id.0))
    }

    pub(crate) async fn shrinkage_report(&self, query: &ShrinkageQuery) -> StorageResult<Shrinkage> {
        let mut select = Statement::new(
            "SELECT motif, COUNT(*) AS ajustements,
                    CAST(SUM(CASE WHEN quantite < 0 THEN -quantite ELSE 0 END) AS BIGINT) AS sorties,
                    CAST(SUM(CASE WHEN quantite > 0 THEN quantite ELSE 0 END) AS BIGINT) AS entrees,
                    CAST(SUM(CASE WHEN quantite < 0 THEN -quantite * prix_unitaire_cents ELSE 0 END) AS BIGINT)
                        AS valeur_sorties,
                    CAST(SUM(CASE WHEN quantite > 0 THEN quantite * prix_unitaire_cents ELSE 0 END) AS BIGINT)
                        AS valeur_entrees
             FROM adjustments WHERE TRUE",
        );
        if let Some(location) = query.location {
            push_location(&mut select, "magasin_id", location);
        }
        if let Some(from) = query.from {
            select.push(" AND jour >= ").bind(from);
        }
        if let Some(to) = query.to {
            select.push(" AND jour <= ").bind(to);
        }
        select.push(" GROUP BY motif");
        let mut conn = self.reader.acquire().await?;
        let rows: Vec<ShrinkageRow> = Self::all(&mut conn, &select).await?;
        let lines = rows.into_iter().map(ShrinkageLine::try_from).collect::<Result<Vec<_>, _>>()?;
        Ok(Shrinkage::from_lines(lines))
    }

    /// Changes the quantity of `location` by `delta`, never below what prepared shipments
    /// reserve there; the balance after. A store's stock row it creates is tallied in `created`.
    async fn apply_delta(
        conn: &mut Connection<E>,
        location: Location,
        product: (i64, &str),
        delta: i64,
        created: &mut NewStockRows,
    ) -> StorageResult<i64> {
        let (produit_id, produit_nom) = product;
        let update = match location {
            Location::Warehouse => Statement::new(
                "UPDATE warehouse_stock SET quantite = quantite + $1 WHERE produit_id = $2 AND quantite + $1 >= reserve
                 RETURNING quantite",
            )
            .value(delta)
            .value(produit_id),
            Location::Store(store) if delta > 0 => {
                let levels = Self::restock_store_rows(conn, store, &[(produit_id, delta)], created).await?;
                return levels
                    .get(&produit_id)
                    .copied()
                    .ok_or_else(|| crate::rows::invariant("restocking returned no balance"));
            }
            Location::Store(store) => Statement::new(
                "UPDATE store_stock SET quantite = quantite + $1
                 WHERE magasin_id = $2 AND produit_id = $3 AND quantite + $1 >= reserve RETURNING quantite",
            )
            .value(delta)
            .value(store.0)
            .value(produit_id),
        };
        let after: Option<(i64,)> = Self::optional(conn, &update).await?;
        if let Some((after,)) = after {
            return Ok(after);
        }
        let mut current = match location {
            Location::Warehouse => {
                Statement::new("SELECT quantite - reserve FROM warehouse_stock WHERE produit_id = $1")
            }
            Location::Store(_) => Statement::new("SELECT quantite - reserve FROM store_stock WHERE produit_id = $1"),
        }
        .value(produit_id);
        if let Location::Store(store) = location {
            current.push(" AND magasin_id = ").bind(store.0);
        }
        let available: Option<(i64,)> = Self::optional(conn, &current).await?;
        Err(StorageError::InsufficientStock {
            product: magasin_domain::ProductId(produit_id),
            product_name: produit_nom.to_string(),
            requested: -delta,
            available: available.map_or(0, |(q,)| q),
        })
    }

    /// Changes the stock as `posting` says (never below zero), records the adjustment and its
    /// ledger row; the adjustment's id and the balance after. A store's stock row it creates is
    /// tallied in `created`, for the transaction to record last.
    pub(crate) async fn post_adjustment(
        conn: &mut Connection<E>,
        posting: &Posting<'_>,
        ctx: &WriteContext,
        created: &mut NewStockRows,
    ) -> StorageResult<(i64, i64)> {
        let (produit, nom, prix_cents) = posting.product;
        let solde = Self::apply_delta(conn, posting.location, (produit.0, nom), posting.delta, created).await?;
        let insert = Statement::new(
            "INSERT INTO adjustments (magasin_id, produit_id, quantite, solde, motif, note, prix_unitaire_cents,
                                      date, jour, acteur, request_id, inventaire_id)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
        )
        .value(store_column(posting.location))
        .value(produit.0)
        .value(posting.delta)
        .value(solde)
        .value(posting.motif.as_str())
        .value(posting.note)
        .value(prix_cents)
        .value(ctx.at)
        .value(ctx.at.date_naive())
        .value(ctx.actor.as_str())
        .value(ctx.request_id.as_deref())
        .value(posting.count);
        let (id,): (i64,) = Self::one(conn, &insert).await?;
        let mut ledger = LedgerBatch::new(ctx);
        ledger.push(Movement {
            location: posting.location,
            produit,
            quantite: posting.delta,
            solde,
            motif: LedgerReason::Adjustment(posting.motif),
            document: Some(SourceDocument::Adjustment(AdjustmentId(id))),
        });
        Self::append_ledger(conn, ledger).await?;
        Ok((id, solde))
    }

    pub(crate) async fn insert_adjustment(
        &self,
        adjustment: &ValidAdjustment,
        ctx: &WriteContext,
    ) -> StorageResult<RecordedAdjustment> {
        let mut tx = self.writer.begin().await?;
        if let Some(key) = &adjustment.idempotency
            && let Some(id) = Self::claim_key(&mut tx, &ADJUSTMENT_KEYS, key, ctx).await?
        {
            let adjustment = Self::fetch_adjustment(&mut tx, AdjustmentId(id)).await?;
            return Ok(RecordedAdjustment { adjustment, replayed: true });
        }
        if let Location::Store(store) = adjustment.location {
            let exists = Statement::new("SELECT id FROM stores WHERE id = $1").value(store.0);
            let found: Option<(i64,)> = Self::optional(&mut tx, &exists).await?;
            found.ok_or(StorageError::not_found("store", store.0))?;
        }
        let product = Statement::new("SELECT nom, prix_cents FROM products WHERE id = $1").value(adjustment.produit.0);
        let found: Option<(String, i64)> = Self::optional(&mut tx, &product).await?;
        let (nom, prix_cents) = found.ok_or(StorageError::not_found("product", adjustment.produit.0))?;
        let posted = Posting {
            location: adjustment.location,
            product: (adjustment.produit, &nom, prix_cents),
            delta: adjustment.quantite,
            motif: adjustment.motif,
            note: &adjustment.note,
            count: None,
        };
        let mut created = NewStockRows::default();
        let (id, solde) = Self::post_adjustment(&mut tx, &posted, ctx, &mut created).await?;
        if let Some(key) = &adjustment.idempotency {
            Self::link_key(&mut tx, &ADJUSTMENT_KEYS, key, id).await?;
        }
        let summary = serde_json::json!({
            "magasin": store_column(adjustment.location),
            "produit": adjustment.produit.0,
            "quantite": adjustment.quantite,
            "motif": adjustment.motif.as_str(),
            "note": adjustment.note,
            "solde": solde,
        });
        Self::audit(&mut tx, ctx, AuditAction::StockAdjusted, id, None, Some(summary)).await?;
        let recorded = Self::fetch_adjustment(&mut tx, AdjustmentId(id)).await?;
        created.record::<E>(&mut tx).await?;
        tx.commit().await.map_err(E::map_error)?;
        Ok(RecordedAdjustment { adjustment: recorded, replayed: false })
    }
}
