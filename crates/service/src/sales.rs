//! Recording, cancelling and reading sales (stores).

use crate::cache::Scope;
use crate::{ServiceResult, Services};
use chrono::NaiveDate;
use magasin_domain::accounts::{Action, Actor};
use magasin_domain::paging::CursorPage;
use magasin_domain::sales::{IdempotencyKey, PaymentTotal, RecordedSale, Sale, SaleQuery, SaleRequest, validate_sale};
use magasin_domain::{SaleId, StoreId, WriteContext};

/// What a sale, its cancellation or a return changes: sales figures and stock levels, that store's own.
pub(crate) fn sale_scopes(store: StoreId) -> [Scope; 2] {
    [Scope::StoreSales(store.0), Scope::StoreStock(store.0)]
}

impl Services {
    /// Records a sale atomically; a known idempotency key sent again with the same sale replays
    /// the sale it recorded (see [`SaleRequest::fingerprint`]). The actor must sell in the store.
    #[tracing::instrument(skip_all, fields(store = %request.magasin, lines = request.lignes.len()))]
    pub async fn record_sale(
        &self,
        actor: &Actor,
        request: SaleRequest,
        idempotency_key: Option<String>,
        request_id: Option<String>,
    ) -> ServiceResult<RecordedSale> {
        self.authorize(actor, Action::RecordSale(request.magasin))?;
        let at = Self::now();
        let idempotency = idempotency_key.map(|key| IdempotencyKey::new(key, &request));
        let sale = validate_sale(request, at, idempotency)?;
        let ctx = WriteContext::by(actor, request_id, at);
        let recorded = self.storage.record_sale(&sale, &ctx).await?;
        self.cache.invalidate(&sale_scopes(recorded.sale.magasin)).await;
        if !recorded.replayed {
            let store = recorded.sale.magasin_nom.clone();
            let units: i64 = recorded.sale.lignes.iter().map(|l| l.quantite).sum();
            metrics::counter!("magasin_sales_recorded_total", "store" => store.clone()).increment(1);
            metrics::counter!("magasin_revenue_cents_total", "store" => store.clone())
                .increment(u64::try_from(recorded.sale.total.0).unwrap_or(0));
            metrics::counter!("magasin_units_sold_total", "store" => store)
                .increment(u64::try_from(units).unwrap_or(0));
            // The sale read each product's automatic rule with its stock: only a product it left
            // below its minimum needs the check for a pending request (one more statement).
            if !recorded.below_automatic_minimum.is_empty() {
                let products = &recorded.below_automatic_minimum;
                self.raise_automatic_request(recorded.sale.magasin, products, ctx.request_id.clone()).await;
            }
        }
        Ok(recorded)
    }

    /// Cancels once; the actor must sell in the sale's store.
    #[tracing::instrument(skip_all, fields(sale = %id))]
    pub async fn cancel_sale(&self, actor: &Actor, id: SaleId, request_id: Option<String>) -> ServiceResult<Sale> {
        let store = self.storage.get_sale(id).await?.magasin;
        self.authorize(actor, Action::CancelSale(store))?;
        let ctx = WriteContext::by(actor, request_id, Self::now());
        let sale = self.storage.cancel_sale(id, &ctx).await?;
        self.cache.invalidate(&sale_scopes(sale.magasin)).await;
        metrics::counter!("magasin_sales_cancelled_total", "store" => sale.magasin_nom.clone()).increment(1);
        metrics::counter!("magasin_revenue_cancelled_cents_total", "store" => sale.magasin_nom.clone())
            .increment(u64::try_from(sale.total.0).unwrap_or(0));
        Ok(sale)
    }

    pub async fn get_sale(&self, id: SaleId) -> ServiceResult<Sale> {
        Ok(self.storage.get_sale(id).await?)
    }

    /// A store's sales of `day` (today by default) by payment method.
    pub async fn payment_totals(&self, store: StoreId, day: Option<NaiveDate>) -> ServiceResult<Vec<PaymentTotal>> {
        let day = day.unwrap_or_else(|| Self::now().date_naive());
        Ok(self.storage.payment_totals(store, day).await?)
    }

    pub async fn list_sales(&self, query: &SaleQuery) -> ServiceResult<CursorPage<Sale>> {
        if let Some(store) = query.magasin {
            self.storage.get_store(store).await?;
        }
        Ok(self.storage.list_sales(query).await?)
    }
}
