//! Purchase orders (logistics). No cached answer shows the warehouse's stock or the orders, so
//! they invalidate nothing.

use crate::{ServiceResult, Services};
use magasin_domain::accounts::{Action, Actor};
use magasin_domain::paging::CursorPage;
use magasin_domain::purchasing::{OrderChange, OrderQuery, OrderRequest, PurchaseOrder, validate_order};
use magasin_domain::{PurchaseOrderId, WriteContext};

impl Services {
    /// Creates a draft order; those who receive goods order them.
    #[tracing::instrument(skip_all, fields(lines = request.lignes.len()))]
    pub async fn create_purchase_order(
        &self,
        actor: &Actor,
        request: OrderRequest,
        request_id: Option<String>,
    ) -> ServiceResult<PurchaseOrder> {
        self.authorize(actor, Action::ReceiveGoods)?;
        let at = Self::now();
        let order = validate_order(request, at)?;
        let created = self.storage.create_purchase_order(&order, &WriteContext::by(actor, request_id, at)).await?;
        metrics::counter!("magasin_purchase_order_events_total", "event" => "creation").increment(1);
        Ok(created)
    }

    /// Sends, closes or cancels an order.
    #[tracing::instrument(skip_all, fields(order = %id))]
    pub async fn change_purchase_order(
        &self,
        actor: &Actor,
        id: PurchaseOrderId,
        change: OrderChange,
        request_id: Option<String>,
    ) -> ServiceResult<PurchaseOrder> {
        self.authorize(actor, Action::ReceiveGoods)?;
        let ctx = WriteContext::by(actor, request_id, Self::now());
        let changed = self.storage.change_purchase_order(id, change, &ctx).await?;
        let event = match change {
            OrderChange::Send => "envoi",
            OrderChange::Close => "solde",
            OrderChange::Cancel => "annulation",
        };
        metrics::counter!("magasin_purchase_order_events_total", "event" => event).increment(1);
        Ok(changed)
    }

    pub async fn get_purchase_order(&self, id: PurchaseOrderId) -> ServiceResult<PurchaseOrder> {
        Ok(self.storage.get_purchase_order(id).await?)
    }

    pub async fn list_purchase_orders(&self, query: &OrderQuery) -> ServiceResult<CursorPage<PurchaseOrder>> {
        Ok(self.storage.list_purchase_orders(query).await?)
    }
}
