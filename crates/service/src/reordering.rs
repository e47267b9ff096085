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
use magasin_domain::reordering::{ReorderRule, RuleInput, Suggestion, validate_rules};
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
}
