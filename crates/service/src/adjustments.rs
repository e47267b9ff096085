//! Stock adjustments (a store's manager for their stores, logistics for the warehouse) and the
//! shrinkage report. A store's adjustment changes its cached stock answers.

use crate::cache::Scope;
use crate::{ServiceResult, Services};
use magasin_domain::WriteContext;
use magasin_domain::accounts::{Action, Actor};
use magasin_domain::adjustments::{
    Adjustment, AdjustmentQuery, AdjustmentRequest, RecordedAdjustment, Shrinkage, ShrinkageQuery, validate_adjustment,
};
use magasin_domain::paging::CursorPage;
use magasin_domain::sales::IdempotencyKey;
use magasin_domain::stock::Location;

impl Services {
    /// Corrects one quantity atomically; a known idempotency key sent again with the same
    /// adjustment replays it (see [`AdjustmentRequest::fingerprint`]).
    #[tracing::instrument(skip_all, fields(quantity = request.quantite))]
    pub async fn record_adjustment(
        &self,
        actor: &Actor,
        request: AdjustmentRequest,
        idempotency_key: Option<String>,
        request_id: Option<String>,
    ) -> ServiceResult<RecordedAdjustment> {
        self.authorize(actor, Action::AdjustStock(request.location))?;
        let at = Self::now();
        let idempotency = idempotency_key.map(|key| IdempotencyKey { fingerprint: request.fingerprint(), key });
        let adjustment = validate_adjustment(request, at, idempotency)?;
        let recorded = self.storage.record_adjustment(&adjustment, &WriteContext::by(actor, request_id, at)).await?;
        if let Location::Store(store) = recorded.adjustment.location {
            self.cache.invalidate(&[Scope::StoreStock(store.0)]).await;
        }
        if !recorded.replayed {
            let a = &recorded.adjustment;
            let motif = a.motif.as_str();
            metrics::counter!("magasin_stock_adjustments_total", "motif" => motif).increment(1);
            if a.quantite < 0 {
                metrics::counter!("magasin_units_written_off_total", "motif" => motif)
                    .increment(a.quantite.unsigned_abs());
            }
        }
        Ok(recorded)
    }

    /// One location's adjustments, newest first; an unknown store or product is not found.
    pub async fn list_adjustments(&self, query: &AdjustmentQuery) -> ServiceResult<CursorPage<Adjustment>> {
        crate::reporting::check_days(query.from, query.to)?;
        if let Location::Store(store) = query.location {
            self.storage.get_store(store).await?;
        }
        if let Some(product) = query.produit {
            self.storage.get_product(product).await?;
        }
        Ok(self.storage.list_adjustments(query).await?)
    }

    /// Adjustments added up per reason; an unknown store is not found.
    pub async fn shrinkage(&self, query: &ShrinkageQuery) -> ServiceResult<Shrinkage> {
        crate::reporting::check_days(query.from, query.to)?;
        if let Some(Location::Store(store)) = query.location {
            self.storage.get_store(store).await?;
        }
        Ok(self.storage.shrinkage(query).await?)
    }
}
