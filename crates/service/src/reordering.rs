//! Reordering rules (a store's managers, logistics): set in bulk, read, removed. The dashboard
//! counted against the rules reads them with the store's stock: a change drops that store's
//! cached stock figures.

use crate::cache::Scope;
use crate::{ServiceResult, Services};

/// What a rule change changes: the store's stock figures as the rules count them.
fn rule_scopes(store: StoreId) -> [Scope; 1] {
    [Scope::StoreStock(store.0)]
}
use magasin_domain::accounts::{Action, Actor};
use magasin_domain::purchasing::{RaisedOrder, orders_from_suggestions};
use magasin_domain::reordering::{
    ReorderRule, RuleInput, Suggestion, WarehouseRule, WarehouseSuggestion, validate_rules, validate_warehouse_rules,
};
use magasin_domain::{ProductId, StoreId, WriteContext};

impl Services {
    /// Sets the store's rules for the products named (others stay); how many were set.
    #[tracing::instrument(skip_all, fields(store = %store, rules = inputs.len()))]
    pub async fn set_rules(
        &self,
        actor: &Actor,
        store: StoreId,
        inputs: Vec<RuleInput>,
        request_id: Option<String>,
    ) -> ServiceResult<u64> {
        self.authorize(actor, Action::PlanReplenishment(store))?;
        let at = Self::now();
        let change = validate_rules(store, inputs, at)?;
        let set = self.storage.set_rules(&change, &WriteContext::by(actor, request_id, at)).await?;
        self.cache.invalidate(&rule_scopes(store)).await;
        Ok(set)
    }

    /// What each store (or one) should ask for, product by product, today.
    pub async fn suggestions(&self, store: Option<StoreId>) -> ServiceResult<Vec<Suggestion>> {
        Ok(self.storage.suggestions(store, Self::now().date_naive()).await?)
    }

    pub async fn store_rules(&self, store: StoreId) -> ServiceResult<Vec<ReorderRule>> {
        Ok(self.storage.store_rules(store).await?)
    }

    pub async fn delete_rule(
        &self,
        actor: &Actor,
        store: StoreId,
        product: ProductId,
        request_id: Option<String>,
    ) -> ServiceResult<()> {
        self.authorize(actor, Action::PlanReplenishment(store))?;
        self.storage.delete_rule(store, product, &WriteContext::by(actor, request_id, Self::now())).await?;
        self.cache.invalidate(&rule_scopes(store)).await;
        Ok(())
    }

    /// Sets the warehouse's rules (logistics) for the products named; how many were set.
    #[tracing::instrument(skip_all, fields(rules = inputs.len()))]
    pub async fn set_warehouse_rules(
        &self,
        actor: &Actor,
        inputs: Vec<RuleInput>,
        request_id: Option<String>,
    ) -> ServiceResult<u64> {
        self.authorize(actor, Action::ReceiveGoods)?;
        let at = Self::now();
        let change = validate_warehouse_rules(inputs, at)?;
        Ok(self.storage.set_warehouse_rules(&change, &WriteContext::by(actor, request_id, at)).await?)
    }

    pub async fn warehouse_rules(&self) -> ServiceResult<Vec<WarehouseRule>> {
        Ok(self.storage.warehouse_rules().await?)
    }

    /// What the warehouse should order, product by product.
    pub async fn warehouse_suggestions(&self) -> ServiceResult<Vec<WarehouseSuggestion>> {
        Ok(self.storage.warehouse_suggestions().await?)
    }

    /// Turns the warehouse's suggestions into draft orders to `fournisseur` (logistics), once a
    /// day: the drafts, new or of the day. Nothing to order gives none.
    #[tracing::instrument(skip_all)]
    pub async fn order_from_suggestions(
        &self,
        actor: &Actor,
        fournisseur: &str,
        request_id: Option<String>,
    ) -> ServiceResult<Vec<RaisedOrder>> {
        self.authorize(actor, Action::ReceiveGoods)?;
        let at = Self::now();
        let suggestions = self.storage.warehouse_suggestions().await?;
        let orders = orders_from_suggestions(fournisseur, &suggestions, at.date_naive(), at)?;
        if orders.is_empty() {
            return Ok(Vec::new());
        }
        let raised =
            self.storage.create_keyed_purchase_orders(&orders, &WriteContext::by(actor, request_id, at)).await?;
        let created = raised.iter().filter(|r| r.created).count();
        metrics::counter!("magasin_purchase_order_events_total", "event" => "creation")
            .increment(u64::try_from(created).unwrap_or(0));
        Ok(raised)
    }
}
