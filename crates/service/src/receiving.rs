//! Goods received at the warehouse (logistics). No cached answer shows the warehouse's stock, so
//! a receipt invalidates nothing.

use crate::{ServiceResult, Services};
use magasin_domain::accounts::{Action, Actor};
use magasin_domain::paging::CursorPage;
use magasin_domain::receiving::{Receipt, ReceiptQuery, ReceiptRequest, RecordedReceipt, validate_receipt};
use magasin_domain::sales::IdempotencyKey;
use magasin_domain::{ReceiptId, WriteContext};

impl Services {
    /// Records a receipt atomically; a known idempotency key sent again with the same receipt
    /// replays it (see [`ReceiptRequest::fingerprint`]).
    #[tracing::instrument(skip_all, fields(lines = request.lignes.len()))]
    pub async fn record_receipt(
        &self,
        actor: &Actor,
        request: ReceiptRequest,
        idempotency_key: Option<String>,
        request_id: Option<String>,
    ) -> ServiceResult<RecordedReceipt> {
        self.authorize(actor, Action::ReceiveGoods)?;
        let at = Self::now();
        let idempotency = idempotency_key.map(|key| IdempotencyKey { fingerprint: request.fingerprint(), key });
        let receipt = validate_receipt(request, at, idempotency)?;
        let recorded = self.storage.record_receipt(&receipt, &WriteContext::by(actor, request_id, at)).await?;
        if !recorded.replayed {
            let units: i64 = recorded.receipt.lignes.iter().map(|l| l.quantite).sum();
            metrics::counter!("magasin_receipts_recorded_total").increment(1);
            metrics::counter!("magasin_units_received_total").increment(u64::try_from(units).unwrap_or(0));
        }
        Ok(recorded)
    }

    pub async fn get_receipt(&self, id: ReceiptId) -> ServiceResult<Receipt> {
        Ok(self.storage.get_receipt(id).await?)
    }

    pub async fn list_receipts(&self, query: &ReceiptQuery) -> ServiceResult<CursorPage<Receipt>> {
        if let Some(product) = query.produit {
            self.storage.get_product(product).await?;
        }
        Ok(self.storage.list_receipts(query).await?)
    }
}
