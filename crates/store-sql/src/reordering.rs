//! Reordering rules: set in bulk (in as few statements as the engine's bind limit allows, one
//! transaction), read per store, removed one by one.

use crate::SqlStorage;
use crate::engine::Connection;
use crate::rows::{RuleRow, SuggestionRow, WarehouseRuleRow, WarehouseSuggestionRow, corrupt};
use crate::statement::Statement;
use chrono::{Days, NaiveDate};
use magasin_domain::audit::AuditAction;
use magasin_domain::purchasing::OrderStatus;
use magasin_domain::reordering::{
    ReorderRule, RuleChange, RuleMode, Suggestion, VELOCITY_DAYS, WarehouseRule, WarehouseRuleChange,
    WarehouseSuggestion, cover_days, quantity_to_ask,
};
use magasin_domain::{ProductId, StorageError, StorageResult, StoreId, WriteContext};

const RULE_UPSERT: &str =
    "INSERT INTO reorder_rules (magasin_id, produit_id, seuil_min, seuil_max, multiple, mode, modifiee_le, modifiee_par)
     VALUES ";
const RULE_UPSERT_TAIL: &str = " ON CONFLICT (magasin_id, produit_id) DO UPDATE SET seuil_min = excluded.seuil_min,
     seuil_max = excluded.seuil_max, multiple = excluded.multiple, mode = excluded.mode,
     modifiee_le = excluded.modifiee_le, modifiee_par = excluded.modifiee_par";
const RULE_WIDTH: usize = 8;
const WAREHOUSE_RULE_UPSERT: &str =
    "INSERT INTO warehouse_rules (produit_id, seuil_min, seuil_max, multiple, modifiee_le, modifiee_par) VALUES ";
const WAREHOUSE_RULE_UPSERT_TAIL: &str = " ON CONFLICT (produit_id) DO UPDATE SET seuil_min = excluded.seuil_min,
     seuil_max = excluded.seuil_max, multiple = excluded.multiple, modifiee_le = excluded.modifiee_le,
     modifiee_par = excluded.modifiee_par";

impl<E: crate::engine::Engine> SqlStorage<E> {
    pub(crate) async fn upsert_rules(&self, change: &RuleChange, ctx: &WriteContext) -> StorageResult<u64> {
        let mut tx = self.writer.begin().await?;
        Self::fetch_store(&mut tx, change.magasin).await?;
        let ids: Vec<i64> = change.rules.iter().map(|r| r.produit.0).collect();
        Self::check_products_exist(&mut tx, &ids).await?;
        let rows = change.rules.iter().map(|r| {
            vec![
                change.magasin.0.into(),
                r.produit.0.into(),
                r.min.into(),
                r.max.into(),
                r.multiple.into(),
                r.mode.as_str().into(),
                ctx.at.into(),
                ctx.actor.as_str().into(),
            ]
        });
        Self::insert_rows(&mut tx, RULE_UPSERT, RULE_UPSERT_TAIL, RULE_WIDTH, rows.collect()).await?;
        let count = u64::try_from(change.rules.len()).unwrap_or(u64::MAX);
        let summary = serde_json::json!({"regles": count});
        Self::audit(&mut tx, ctx, AuditAction::RulesChanged, change.magasin.0, None, Some(summary)).await?;
        tx.commit().await.map_err(E::map_error)?;
        Ok(count)
    }

    pub(crate) async fn rules_of(&self, store: StoreId) -> StorageResult<Vec<ReorderRule>> {
        let mut conn = self.reader.acquire().await?;
        Self::fetch_store(&mut conn, store).await?;
        let select = Statement::new(
            "SELECT r.magasin_id, r.produit_id, p.nom AS produit_nom, r.seuil_min, r.seuil_max, r.multiple, r.mode,
                    r.modifiee_le, r.modifiee_par
             FROM reorder_rules r JOIN products p ON p.id = r.produit_id WHERE r.magasin_id = $1 ORDER BY r.produit_id",
        )
        .value(store.0);
        let rows: Vec<RuleRow> = Self::all(&mut conn, &select).await?;
        rows.into_iter()
            .map(|r| {
                Ok(ReorderRule {
                    magasin: StoreId(r.magasin_id),
                    produit: ProductId(r.produit_id),
                    produit_nom: r.produit_nom,
                    min: r.seuil_min,
                    max: r.seuil_max,
                    multiple: r.multiple,
                    mode: RuleMode::parse(&r.mode).map_err(|_| corrupt("rule mode", &r.mode))?,
                    modifiee_le: r.modifiee_le,
                    modifiee_par: r.modifiee_par,
                })
            })
            .collect()
    }

    pub(crate) async fn remove_rule(
        &self,
        store: StoreId,
        product: ProductId,
        ctx: &WriteContext,
    ) -> StorageResult<()> {
        let mut tx = self.writer.begin().await?;
        let delete =
            Statement::new("DELETE FROM reorder_rules WHERE magasin_id = $1 AND produit_id = $2 RETURNING produit_id")
                .value(store.0)
                .value(product.0);
        let deleted: Option<(i64,)> = Self::optional(&mut tx, &delete).await?;
        deleted.ok_or(StorageError::not_found("rule", product.0))?;
        let summary = serde_json::json!({"supprimee": product.0});
        Self::audit(&mut tx, ctx, AuditAction::RulesChanged, store.0, None, Some(summary)).await?;
        tx.commit().await.map_err(E::map_error)?;
        Ok(())
    }

    /// Every product below its minimum, of one store or all: one set query over the rules, the
    /// stock not reserved, what is on its way (pending requests, shipments prepared or shipped to
    /// the store), the warehouse's stock not reserved and the sales of the last days (the daily
    /// aggregates, less returns), whatever the number of stores and products.
    pub(crate) async fn suggested(&self, store: Option<StoreId>, today: NaiveDate) -> StorageResult<Vec<Suggestion>> {
        let mut conn = self.reader.acquire().await?;
        Self::fetch_suggestions(&mut conn, store, today).await
    }

    /// [`Self::suggested`] on `conn` (a writing transaction reads them too).
    pub(crate) async fn fetch_suggestions(
        conn: &mut Connection<E>,
        store: Option<StoreId>,
        today: NaiveDate,
    ) -> StorageResult<Vec<Suggestion>> {
        let from = today.checked_sub_days(Days::new(VELOCITY_DAYS - 1)).unwrap_or(today);
        let mut select = Statement::new(
            "WITH pending AS (
                 SELECT magasin_id, produit_id, CAST(SUM(quantite) AS BIGINT) AS quantite FROM (
                     SELECT d.magasin_id, l.produit_id, l.demandee AS quantite
                     FROM replenishments d JOIN replenishment_lines l ON l.demande_id = d.id
                     WHERE d.statut = 'en_attente'
                     UNION ALL
                     SELECT e.magasin_id, l.produit_id, l.quantite
                     FROM shipments e JOIN shipment_lines l ON l.expedition_id = e.id
                     WHERE e.statut IN ('preparee', 'expediee')) t
                 GROUP BY magasin_id, produit_id),
             sold AS (
                 SELECT magasin_id, produit_id, CAST(SUM(quantite) AS BIGINT) AS quantite FROM (
                     SELECT magasin_id, produit_id, quantite FROM sales_daily WHERE jour BETWEEN $1 AND $2
                     UNION ALL
                     SELECT magasin_id, produit_id, -quantite FROM returns_daily WHERE jour BETWEEN $1 AND $2) t
                 GROUP BY magasin_id, produit_id)
             SELECT r.magasin_id, r.produit_id, p.nom AS produit_nom, COALESCE(s.quantite - s.reserve, 0) AS disponible,
                    COALESCE(q.quantite, 0) AS en_attente, r.seuil_min, r.seuil_max, r.multiple, r.mode,
                    COALESCE(w.quantite - w.reserve, 0) AS entrepot, COALESCE(v.quantite, 0) AS vendu
             FROM reorder_rules r
             JOIN products p ON p.id = r.produit_id
             LEFT JOIN store_stock s ON s.magasin_id = r.magasin_id AND s.produit_id = r.produit_id
             LEFT JOIN pending q ON q.magasin_id = r.magasin_id AND q.produit_id = r.produit_id
             LEFT JOIN sold v ON v.magasin_id = r.magasin_id AND v.produit_id = r.produit_id
             LEFT JOIN warehouse_stock w ON w.produit_id = r.produit_id
             WHERE COALESCE(s.quantite - s.reserve, 0) + COALESCE(q.quantite, 0) < r.seuil_min",
        )
        .value(from)
        .value(today);
        if let Some(store) = store {
            select.push(" AND r.magasin_id = ").bind(store.0);
        }
        select.push(" ORDER BY r.magasin_id, r.produit_id");
        if let Some(store) = store {
            Self::fetch_store(conn, store).await?;
        }
        let rows: Vec<SuggestionRow> = Self::all(conn, &select).await?;
        let days = VELOCITY_DAYS as f64;
        rows.into_iter()
            .map(|r| {
                let per_day = r.vendu.max(0) as f64 / days;
                Ok(Suggestion {
                    magasin: StoreId(r.magasin_id),
                    produit: ProductId(r.produit_id),
                    produit_nom: r.produit_nom,
                    disponible: r.disponible,
                    en_attente: r.en_attente,
                    min: r.seuil_min,
                    max: r.seuil_max,
                    multiple: r.multiple,
                    mode: RuleMode::parse(&r.mode).map_err(|_| corrupt("rule mode", &r.mode))?,
                    entrepot: r.entrepot,
                    a_demander: quantity_to_ask(r.disponible, r.en_attente, r.seuil_max, r.multiple, r.entrepot),
                    ventes_par_jour: per_day,
                    jours_de_couverture: cover_days(r.disponible, per_day),
                })
            })
            .collect()
    }

    pub(crate) async fn upsert_warehouse_rules(
        &self,
        change: &WarehouseRuleChange,
        ctx: &WriteContext,
    ) -> StorageResult<u64> {
        let mut tx = self.writer.begin().await?;
        let ids: Vec<i64> = change.rules.iter().map(|r| r.produit.0).collect();
        Self::check_products_exist(&mut tx, &ids).await?;
        let rows = change.rules.iter().map(|r| {
            vec![
                r.produit.0.into(),
                r.min.into(),
                r.max.into(),
                r.multiple.into(),
                ctx.at.into(),
                ctx.actor.as_str().into(),
            ]
        });
        Self::insert_rows(&mut tx, WAREHOUSE_RULE_UPSERT, WAREHOUSE_RULE_UPSERT_TAIL, 6, rows.collect()).await?;
        let count = u64::try_from(change.rules.len()).unwrap_or(u64::MAX);
        let summary = serde_json::json!({"regles": count});
        Self::audit(&mut tx, ctx, AuditAction::WarehouseRulesChanged, 0, None, Some(summary)).await?;
        tx.commit().await.map_err(E::map_error)?;
        Ok(count)
    }

    pub(crate) async fn warehouse_rule_list(&self) -> StorageResult<Vec<WarehouseRule>> {
        let select = Statement::new(
            "SELECT r.produit_id, p.nom AS produit_nom, r.seuil_min, r.seuil_max, r.multiple, r.modifiee_le, r.modifiee_par
             FROM warehouse_rules r JOIN products p ON p.id = r.produit_id ORDER BY r.produit_id",
        );
        let mut conn = self.reader.acquire().await?;
        let rows: Vec<WarehouseRuleRow> = Self::all(&mut conn, &select).await?;
        Ok(rows
            .into_iter()
            .map(|r| WarehouseRule {
                produit: ProductId(r.produit_id),
                produit_nom: r.produit_nom,
                min: r.seuil_min,
                max: r.seuil_max,
                multiple: r.multiple,
                modifiee_le: r.modifiee_le,
                modifiee_par: r.modifiee_par,
            })
            .collect())
    }

    /// One set query over the rules, the warehouse's stock and what sent orders still bring.
    pub(crate) async fn warehouse_suggested(&self) -> StorageResult<Vec<WarehouseSuggestion>> {
        let mut select = Statement::new(
            "WITH due AS (
                 SELECT l.produit_id,
                        CAST(SUM(CASE WHEN l.commandee > l.recue THEN l.commandee - l.recue ELSE 0 END) AS BIGINT) AS quantite
                 FROM purchase_order_lines l JOIN purchase_orders o ON o.id = l.commande_id
                 WHERE o.statut IN (",
        );
        select.bind(OrderStatus::Sent.as_str()).push(", ").bind(OrderStatus::PartlyReceived.as_str());
        select.push(
            ") GROUP BY l.produit_id)
             SELECT r.produit_id, p.nom AS produit_nom, COALESCE(w.quantite, 0) AS disponible,
                    COALESCE(d.quantite, 0) AS attendu, r.seuil_min, r.seuil_max, r.multiple
             FROM warehouse_rules r
             JOIN products p ON p.id = r.produit_id
             LEFT JOIN warehouse_stock w ON w.produit_id = r.produit_id
             LEFT JOIN due d ON d.produit_id = r.produit_id
             WHERE COALESCE(w.quantite, 0) + COALESCE(d.quantite, 0) < r.seuil_min
             ORDER BY r.produit_id",
        );
        let mut conn = self.reader.acquire().await?;
        let rows: Vec<WarehouseSuggestionRow> = Self::all(&mut conn, &select).await?;
        Ok(rows
            .into_iter()
            .map(|r| WarehouseSuggestion {
                produit: ProductId(r.produit_id),
                produit_nom: r.produit_nom,
                disponible: r.disponible,
                attendu: r.attendu,
                min: r.seuil_min,
                max: r.seuil_max,
                multiple: r.multiple,
                a_commander: quantity_to_ask(r.disponible, r.attendu, r.seuil_max, r.multiple, i64::MAX),
            })
            .collect())
    }
}
