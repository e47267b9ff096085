//! Goods a customer returns (stores): they change the store's sales figures and, when
//! resellable, its stock.

use crate::sales::sale_scopes;
use crate::{ServiceResult, Services};
use magasin_domain::accounts::{Action, Actor};
use magasin_domain::returns::{RecordedReturn, ReturnRequest, SaleReturn, validate_return};
use magasin_domain::sales::IdempotencyKey;
use magasin_domain::{ReturnId, SaleId, WriteContext};

impl Services {
    /// Records a return atomically; a known idempotency key sent again with the same return
    /// replays it (see [`ReturnRequest::fingerprint`]). The actor must sell in the sale's store.
    #[tracing::instrument(skip_all, fields(sale = %request.vente, lines = request.lignes.len()))]
    pub async fn record_return(
        &self,
        actor: &Actor,
        request: ReturnRequest,
        idempotency_key: Option<String>,
        request_id: Option<String>,
    ) -> ServiceResult<RecordedReturn> {
        let store = self.storage.get_sale(request.vente).await?.magasin;
        self.authorize(actor, Action::ReturnGoods(store))?;
        let at = Self::now();
        let idempotency = idempotency_key.map(|key| IdempotencyKey { fingerprint: request.fingerprint(), key });
        let retour = validate_return(request, at, self.settings.return_window, idempotency)?;
        let recorded = self.storage.record_return(&retour, &WriteContext::by(actor, request_id, at)).await?;
        self.cache.invalidate(&sale_scopes(store)).await;
        if !recorded.replayed {
            let r = &recorded.retour;
            metrics::counter!("magasin_returns_total", "store" => r.magasin_nom.clone()).increment(1);
            metrics::counter!("magasin_refunds_cents_total", "store" => r.magasin_nom.clone())
                .increment(u64::try_from(r.montant.0).unwrap_or(0));
            for line in &r.lignes {
                metrics::counter!("magasin_units_returned_total", "store" => r.magasin_nom.clone(), "etat" => line.etat.as_str())
                    .increment(u64::try_from(line.quantite).unwrap_or(0));
            }
        }
        Ok(recorded)
    }

    pub async fn get_return(&self, id: ReturnId) -> ServiceResult<SaleReturn> {
        Ok(self.storage.get_return(id).await?)
    }

    /// A sale's returns, oldest first.
    pub async fn sale_returns(&self, sale: SaleId) -> ServiceResult<Vec<SaleReturn>> {
        Ok(self.storage.sale_returns(sale).await?)
    }
}
