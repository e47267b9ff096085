//! Purchase orders: drafts, their status changes, receipts recorded against them (the order's
//! row locked first, so two deliveries of one order take turns and never receive more than its
//! lines allow together), and what is still due per product.

use crate::SqlStorage;
use crate::engine::{Connection, Engine};
use crate::rows::{OrderLineRow, OrderRow, corrupt};
use crate::statement::Statement;
use magasin_domain::audit::AuditAction;
use magasin_domain::paging::CursorPage;
use magasin_domain::purchasing::{
    OrderChange, OrderLine, OrderQuery, OrderStatus, PurchaseOrder, RaisedOrder, ValidOrder, receivable_limit,
    status_after_receipt,
};
use magasin_domain::{ProductId, PurchaseOrderId, StorageError, StorageResult, WriteContext};
use std::collections::{BTreeMap, HashMap};

const ORDER_COLUMNS: &str =
    "SELECT id, fournisseur, statut, tolerance_pct, date, acteur, modifiee_le, modifiee_par FROM purchase_orders";

/// Orders and their lines (ordered by order, then line) as the domain's orders.
fn assemble(rows: Vec<OrderRow>, lines: Vec<OrderLineRow>) -> StorageResult<Vec<PurchaseOrder>> {
    let mut by_order: BTreeMap<i64, Vec<OrderLine>> = BTreeMap::new();
    for l in lines {
        by_order.entry(l.commande_id).or_default().push(OrderLine {
            produit: ProductId(l.produit_id),
            produit_nom: l.produit_nom,
            commandee: l.commandee,
            recue: l.recue,
        });
    }
    rows.into_iter()
        .map(|r| {
            Ok(PurchaseOrder {
                id: PurchaseOrderId(r.id),
                statut: OrderStatus::parse(&r.statut).map_err(|_| corrupt("order status", &r.statut))?,
                fournisseur: r.fournisseur,
                tolerance_pct: r.tolerance_pct,
                date: r.date,
                acteur: r.acteur,
                modifiee_le: r.modifiee_le,
                modifiee_par: r.modifiee_par,
                lignes: by_order.remove(&r.id).unwrap_or_default(),
            })
        })
        .collect()
}

fn conflict(text: String) -> StorageError {
    StorageError::Conflict(text)
}

impl<E: Engine> SqlStorage<E> {
    async fn order_lines(conn: &mut Connection<E>, ids: &[i64]) -> StorageResult<Vec<OrderLineRow>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut select = Statement::new(
            "SELECT l.commande_id, l.produit_id, p.nom AS produit_nom, l.commandee, l.recue
             FROM purchase_order_lines l JOIN products p ON p.id = l.produit_id WHERE l.commande_id IN (",
        );
        select.bind_list(ids.iter().copied()).push(") ORDER BY l.commande_id, l.ligne");
        Self::all(conn, &select).await
    }

    /// The order, its row locked where the engine locks rows when `lock`.
    async fn fetch_order(conn: &mut Connection<E>, id: PurchaseOrderId, lock: bool) -> StorageResult<PurchaseOrder> {
        let mut select = Statement::new(ORDER_COLUMNS);
        select.push(" WHERE id = ").bind(id.0);
        if lock {
            select.push(E::DIALECT.for_update);
        }
        let row: Option<OrderRow> = Self::optional(conn, &select).await?;
        let row = row.ok_or(StorageError::not_found("purchase order", id.0))?;
        let lines = Self::order_lines(conn, &[id.0]).await?;
        assemble(vec![row], lines)?.pop().ok_or(StorageError::not_found("purchase order", id.0))
    }

    pub(crate) async fn purchase_order(&self, id: PurchaseOrderId) -> StorageResult<PurchaseOrder> {
        let mut conn = self.reader.acquire().await?;
        Self::fetch_order(&mut conn, id, false).await
    }

    pub(crate) async fn purchase_orders_page(&self, query: &OrderQuery) -> StorageResult<CursorPage<PurchaseOrder>> {
        let mut select = Statement::new(ORDER_COLUMNS);
        select.push(" WHERE id < ").bind(query.cursor.before_or_max());
        if let Some(statut) = query.statut {
            select.push(" AND statut = ").bind(statut.as_str());
        }
        select.push(" ORDER BY id DESC").limit(query.cursor.fetch_limit());
        let mut conn = self.reader.acquire().await?;
        let rows: Vec<OrderRow> = Self::all(&mut conn, &select).await?;
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let lines = Self::order_lines(&mut conn, &ids).await?;
        Ok(CursorPage::from_rows(assemble(rows, lines)?, query.cursor, |o| o.id.0))
    }

    /// Writes a draft and its lines with the audit row, under `key` when given; none when the
    /// key is taken already.
    async fn write_order(
        conn: &mut Connection<E>,
        order: &ValidOrder,
        key: Option<&str>,
        ctx: &WriteContext,
    ) -> StorageResult<Option<PurchaseOrderId>> {
        let ids: Vec<i64> = order.lignes.iter().map(|l| l.produit.0).collect();
        Self::check_products_exist(conn, &ids).await?;
        let insert = Statement::new(
            "INSERT INTO purchase_orders (fournisseur, statut, tolerance_pct, date, acteur, cle)
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING RETURNING id",
        )
        .value(order.fournisseur.as_str())
        .value(OrderStatus::Draft.as_str())
        .value(order.tolerance_pct)
        .value(order.at)
        .value(ctx.actor.as_str())
        .value(key);
        let Some((id,)): Option<(i64,)> = Self::optional(conn, &insert).await? else {
            return Ok(None);
        };
        let mut lines =
            Statement::new("INSERT INTO purchase_order_lines (commande_id, ligne, produit_id, commandee) VALUES ");
        lines.bind_rows(order.lignes.iter().enumerate().map(|(i, l)| {
            [id.into(), i64::try_from(i).unwrap_or(i64::MAX).into(), l.produit.0.into(), l.quantite.into()]
        }));
        Self::execute(conn, &lines).await?;
        let summary = serde_json::json!({
            "fournisseur": order.fournisseur,
            "lignes": order.lignes.iter().map(|l| [l.produit.0, l.quantite]).collect::<Vec<_>>(),
            "cle": key,
        });
        Self::audit(conn, ctx, AuditAction::OrderCreated, id, None, Some(summary)).await?;
        Ok(Some(PurchaseOrderId(id)))
    }

    pub(crate) async fn insert_purchase_order(
        &self,
        order: &ValidOrder,
        ctx: &WriteContext,
    ) -> StorageResult<PurchaseOrder> {
        let mut tx = self.writer.begin().await?;
        let id = Self::write_order(&mut tx, order, None, ctx)
            .await?
            .ok_or_else(|| crate::rows::invariant("an order without key met a conflict"))?;
        let created = Self::fetch_order(&mut tx, id, false).await?;
        tx.commit().await.map_err(E::map_error)?;
        Ok(created)
    }

    pub(crate) async fn insert_keyed_orders(
        &self,
        orders: &[(String, ValidOrder)],
        ctx: &WriteContext,
    ) -> StorageResult<Vec<RaisedOrder>> {
        let mut tx = self.writer.begin().await?;
        let mut raised = Vec::with_capacity(orders.len());
        for (key, order) in orders {
            let (id, created) = match Self::write_order(&mut tx, order, Some(key), ctx).await? {
                Some(id) => (id, true),
                None => {
                    let existing = Statement::new("SELECT id FROM purchase_orders WHERE cle = $1").value(key.as_str());
                    let (id,): (i64,) = Self::one(&mut tx, &existing).await?;
                    (PurchaseOrderId(id), false)
                }
            };
            raised.push(RaisedOrder { order: Self::fetch_order(&mut tx, id, false).await?, created });
        }
        tx.commit().await.map_err(E::map_error)?;
        Ok(raised)
    }

    pub(crate) async fn update_purchase_order(
        &self,
        id: PurchaseOrderId,
        change: OrderChange,
        ctx: &WriteContext,
    ) -> StorageResult<PurchaseOrder> {
        let mut tx = self.writer.begin().await?;
        let order = Self::fetch_order(&mut tx, id, true).await?;
        let received = order.lignes.iter().any(|l| l.recue > 0);
        let statut = change.apply(order.statut, received).map_err(|why| conflict(format!("Order {id}: {why}")))?;
        Self::set_status(&mut tx, id, statut, ctx).await?;
        let action = match change {
            OrderChange::Send => AuditAction::OrderSent,
            OrderChange::Close => AuditAction::OrderClosed,
            OrderChange::Cancel => AuditAction::OrderCancelled,
        };
        let before = serde_json::json!({"statut": order.statut.as_str()});
        let after = serde_json::json!({"statut": statut.as_str()});
        Self::audit(&mut tx, ctx, action, id.0, Some(before), Some(after)).await?;
        let changed = Self::fetch_order(&mut tx, id, false).await?;
        tx.commit().await.map_err(E::map_error)?;
        Ok(changed)
    }

    /// Inside a receipt's transaction: checks the order may take these units (`per_product`)
    /// and counts them on its lines; the order's status follows.
    pub(crate) async fn receive_against(
        conn: &mut Connection<E>,
        id: PurchaseOrderId,
        per_product: &BTreeMap<i64, i64>,
        ctx: &WriteContext,
    ) -> StorageResult<()> {
        let mut order = Self::fetch_order(conn, id, true).await?;
        if !order.statut.receives() {
            return Err(conflict(format!(
                "Order {id} is {}: goods are received against an order sent and not yet received in full.",
                order.statut.as_str()
            )));
        }
        for (&product, &units) in per_product {
            let Some(line) = order.lignes.iter_mut().find(|l| l.produit.0 == product) else {
                return Err(conflict(format!("Product {product} is not on order {id}.")));
            };
            let limit = receivable_limit(line.commandee, order.tolerance_pct);
            if line.recue.saturating_add(units) > limit {
                return Err(conflict(format!(
                    "Order {id} asks for {} × {} ({} received): {units} more would exceed {limit}.",
                    line.commandee, line.produit_nom, line.recue
                )));
            }
            line.recue += units;
        }
        let mut update = Statement::new(
            "UPDATE purchase_order_lines SET recue = purchase_order_lines.recue + u.column2 FROM (VALUES ",
        );
        update.bind_rows(per_product.iter().map(|(p, q)| [(*p).into(), (*q).into()]));
        update.push(") AS u WHERE purchase_order_lines.commande_id = ").bind(id.0);
        update.push(" AND purchase_order_lines.produit_id = u.column1");
        Self::execute(conn, &update).await?;
        Self::set_status(conn, id, status_after_receipt(&order.lignes), ctx).await
    }

    /// The order's new status, with when and by whom it changed.
    async fn set_status(
        conn: &mut Connection<E>,
        id: PurchaseOrderId,
        statut: OrderStatus,
        ctx: &WriteContext,
    ) -> StorageResult<()> {
        let update =
            Statement::new("UPDATE purchase_orders SET statut = $1, modifiee_le = $2, modifiee_par = $3 WHERE id = $4")
                .value(statut.as_str())
                .value(ctx.at)
                .value(ctx.actor.as_str())
                .value(id.0);
        Self::execute(conn, &update).await
    }

    /// What sent or partly received orders still expect, for each of `products`.
    pub(crate) async fn expected(conn: &mut Connection<E>, products: &[i64]) -> StorageResult<HashMap<i64, i64>> {
        if products.is_empty() {
            return Ok(HashMap::new());
        }
        let mut select = Statement::new(
            "SELECT l.produit_id, CAST(SUM(CASE WHEN l.commandee > l.recue THEN l.commandee - l.recue ELSE 0 END) AS BIGINT)
             FROM purchase_order_lines l JOIN purchase_orders o ON o.id = l.commande_id
             WHERE o.statut IN (",
        );
        select.bind(OrderStatus::Sent.as_str()).push(", ").bind(OrderStatus::PartlyReceived.as_str());
        select.push(") AND l.produit_id IN (").bind_list(products.iter().copied()).push(") GROUP BY l.produit_id");
        Ok(Self::all::<(i64, i64)>(conn, &select).await?.into_iter().collect())
    }
}
