//! Replenishment: stores ask, logistics approves or rejects.

use crate::cache::Scope;
use crate::{ServiceResult, Services};
use magasin_domain::accounts::{Action, Actor};
use magasin_domain::paging::CursorPage;
use magasin_domain::reordering::{Raise, RaisedRequest};
use magasin_domain::replenishment::{
    ApprovalOutcome, ApprovalTerms, NewReplenishment, Replenishment, ReplenishmentQuery, RequestForm, RequestLine,
    validate_request, validate_terms,
};
use magasin_domain::{ProductId, ReplenishmentId, StoreId, WriteContext};

impl Services {
    /// A store asks for `lignes` (the lab's body is one line, its fields named as the lab names
    /// them: `form`).
    #[tracing::instrument(skip_all, fields(store = %magasin, lines = lignes.len()))]
    pub async fn request_replenishment(
        &self,
        actor: &Actor,
        magasin: StoreId,
        lignes: Vec<RequestLine>,
        form: RequestForm,
    ) -> ServiceResult<Replenishment> {
        self.authorize(actor, Action::RequestReplenishment(magasin))?;
        let at = Self::now();
        let request = validate_request(NewReplenishment { magasin, lignes, at }, form)?;
        Ok(self.storage.create_replenishment(&request, &WriteContext::by(actor, None, at)).await?)
    }

    /// Writes one request per store from today's suggestions, once a day per store: of one
    /// store (its managers, logistics) or of all (logistics). The requests, new or of the day.
    #[tracing::instrument(skip_all)]
    pub async fn apply_suggestions(
        &self,
        actor: &Actor,
        store: Option<StoreId>,
        request_id: Option<String>,
    ) -> ServiceResult<Vec<RaisedRequest>> {
        match store {
            Some(store) => self.authorize(actor, Action::PlanReplenishment(store))?,
            None => self.authorize(actor, Action::DecideReplenishment)?,
        }
        let at = Self::now();
        let ctx = WriteContext::by(actor, request_id, at);
        let raised = self.storage.raise_replenishments(Raise::Suggestions(store), at.date_naive(), &ctx).await?;
        let created = raised.iter().filter(|r| r.created).count();
        metrics::counter!("magasin_replenishments_raised_total", "origine" => "suggestion")
            .increment(u64::try_from(created).unwrap_or(0));
        Ok(raised)
    }

    /// After a sale of `products` committed at `store`: when one of them has an automatic rule
    /// and now needs goods, and no automatic request of the store is pending, magasin asks for
    /// the store's automatic rules' suggestions itself (as `system`, in the sale's request).
    /// Never fails the sale: a failure is logged and counted.
    pub(crate) async fn raise_automatic_request(
        &self,
        store: StoreId,
        products: &[ProductId],
        request_id: Option<String>,
    ) -> Option<Replenishment> {
        let attempt = async {
            if !self.storage.automatic_request_due(store, products).await? {
                return Ok(None);
            }
            let ctx = WriteContext { request_id, ..WriteContext::now() };
            let raised = self.storage.raise_replenishments(Raise::Automatic(store), ctx.at.date_naive(), &ctx).await?;
            Ok::<_, magasin_domain::StorageError>(raised.into_iter().next().map(|r| r.request))
        };
        match attempt.await {
            Ok(raised) => {
                if raised.is_some() {
                    metrics::counter!("magasin_replenishments_raised_total", "origine" => "automatique").increment(1);
                }
                raised
            }
            Err(error) => {
                tracing::warn!(%store, error = %error, "the automatic replenishment request was not raised");
                metrics::counter!("magasin_replenishments_raise_failed_total").increment(1);
                None
            }
        }
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
        terms: ApprovalTerms,
        request_id: Option<String>,
    ) -> ServiceResult<ApprovalOutcome> {
        self.authorize(actor, Action::DecideReplenishment)?;
        let terms =
            if terms.is_lab() { terms } else { validate_terms(terms, &self.storage.get_replenishment(id).await?)? };
        let terms = ApprovalTerms { via_transit: self.settings.transit, ..terms };
        let ctx = WriteContext::by(actor, request_id, Self::now());
        let outcome = self.storage.approve_replenishment(id, &terms, &ctx).await?;
        if let ApprovalOutcome::Approved(request) = &outcome {
            self.cache.invalidate(&[Scope::StoreStock(request.magasin.0)]).await;
        }
        let label = match &outcome {
            ApprovalOutcome::Approved(request) if request.is_partial() => "approved_partly",
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
