//! Replenishment: stores ask, logistics approves or rejects.

use crate::cache::Scope;
use crate::{ServiceResult, Services};
use magasin_domain::accounts::{Action, Actor};
use magasin_domain::paging::CursorPage;
use magasin_domain::replenishment::{
    ApprovalOutcome, NewReplenishment, Replenishment, ReplenishmentQuery, validate_request,
};
use magasin_domain::{ProductId, ReplenishmentId, StoreId, WriteContext};

impl Services {
    #[tracing::instrument(skip_all, fields(store = %magasin, product = %produit, quantity = quantite))]
    pub async fn request_replenishment(
        &self,
        actor: &Actor,
        magasin: StoreId,
        produit: ProductId,
        quantite: i64,
    ) -> ServiceResult<Replenishment> {
        self.authorize(actor, Action::RequestReplenishment(magasin))?;
        let at = Self::now();
        let request = validate_request(NewReplenishment { magasin, produit, quantite, at })?;
        Ok(self.storage.create_replenishment(&request, &WriteContext::by(actor, None, at)).await?)
    }

    pub async fn get_replenishment(&self, id: ReplenishmentId) -> ServiceResult<Replenishment> {
        Ok(self.storage.get_replenishment(id).await?)
    }

    pub async fn list_replenishments(&self, query: &ReplenishmentQuery) -> ServiceResult<CursorPage<Replenishment>> {
        Ok(self.storage.list_replenishments(query).await?)
    }

    /// Approves once; the warehouse lacking the quantity refuses the request (and says why).
    #[tracing::instrument(skip_all, fields(request = %id))]
    pub async fn approve_replenishment(
        &self,
        actor: &Actor,
        id: ReplenishmentId,
        request_id: Option<String>,
    ) -> ServiceResult<ApprovalOutcome> {
        self.authorize(actor, Action::DecideReplenishment)?;
        let ctx = WriteContext::by(actor, request_id, Self::now());
        let outcome = self.storage.approve_replenishment(id, &ctx).await?;
        if let ApprovalOutcome::Approved(request) = &outcome {
            self.cache.invalidate(&[Scope::StoreStock(request.magasin.0)]).await;
        }
        let label = match &outcome {
            ApprovalOutcome::Approved(_) => "approved",
            ApprovalOutcome::RefusedForLackOfStock { .. } => "refused_no_stock",
        };
        metrics::counter!("magasin_replenishments_decided_total", "outcome" => label).increment(1);
        Ok(outcome)
    }

    #[tracing::instrument(skip_all, fields(request = %id))]
    pub async fn reject_replenishment(
        &self,
        actor: &Actor,
        id: ReplenishmentId,
        request_id: Option<String>,
    ) -> ServiceResult<Replenishment> {
        self.authorize(actor, Action::DecideReplenishment)?;
        let ctx = WriteContext::by(actor, request_id, Self::now());
        let request = self.storage.reject_replenishment(id, &ctx).await?;
        metrics::counter!("magasin_replenishments_decided_total", "outcome" => "rejected").increment(1);
        Ok(request)
    }

    pub async fn pending_replenishments(&self) -> ServiceResult<i64> {
        Ok(self.storage.pending_replenishments().await?)
    }
}
