//! Goods in transit: transfers between stores, and every shipment's steps (ship, receive,
//! cancel). Who may take a step: the origin's people ship and cancel (logistics for the
//! warehouse, the origin store's managers for a transfer), the store's managers receive.

use crate::cache::Scope;
use crate::{ServiceResult, Services};
use magasin_domain::accounts::{Action, Actor};
use magasin_domain::paging::CursorPage;
use magasin_domain::replenishment::RequestLine;
use magasin_domain::sales::{IdempotencyKey, check_idempotency_key};
use magasin_domain::shipping::{
    Gaps, NewTransfer, ReceivedLine, Shipment, ShipmentOutcome, ShipmentQuery, ShipmentStep, validate_reception,
    validate_transfer,
};
use magasin_domain::stock::Location;
use magasin_domain::{ShipmentId, StoreId, ValidationErrors, WriteContext};

impl Services {
    /// One store sends another `lignes`: reserved at the origin now, shipped and received later.
    #[tracing::instrument(skip_all, fields(from = %origine, to = %magasin, lines = lignes.len()))]
    pub async fn create_transfer(
        &self,
        actor: &Actor,
        origine: StoreId,
        magasin: StoreId,
        lignes: Vec<RequestLine>,
        idempotency_key: Option<String>,
        request_id: Option<String>,
    ) -> ServiceResult<ShipmentOutcome> {
        self.authorize(actor, Action::ShipGoods(Location::Store(origine)))?;
        let at = Self::now();
        let mut key_errors = ValidationErrors::new();
        let key = idempotency_key.map(|key| IdempotencyKey { key, fingerprint: String::new() });
        check_idempotency_key(key.as_ref(), &mut key_errors);
        let transfer = validate_transfer(NewTransfer { origine, magasin, lignes, at }).map_err(|mut errors| {
            errors.extend(key_errors.clone());
            errors
        })?;
        key_errors.into_result(())?;
        let ctx = WriteContext::by(actor, request_id, at);
        let outcome = self.storage.create_transfer(&transfer, key.as_ref().map(|k| k.key.as_str()), &ctx).await?;
        if outcome.changed {
            metrics::counter!("magasin_shipments_total", "step" => "prepared", "origin" => "store").increment(1);
        }
        Ok(outcome)
    }

    pub async fn get_shipment(&self, id: ShipmentId) -> ServiceResult<Shipment> {
        Ok(self.storage.get_shipment(id).await?)
    }

    pub async fn list_shipments(&self, query: &ShipmentQuery) -> ServiceResult<CursorPage<Shipment>> {
        Ok(self.storage.list_shipments(query).await?)
    }

    /// Ships a prepared shipment: its goods leave the origin and are in transit.
    pub async fn ship(
        &self,
        actor: &Actor,
        id: ShipmentId,
        request_id: Option<String>,
    ) -> ServiceResult<ShipmentOutcome> {
        self.origin_step(actor, id, ShipmentStep::Ship, request_id).await
    }

    /// Cancels a shipment not shipped yet: its reserve goes back to the origin.
    pub async fn cancel_shipment(
        &self,
        actor: &Actor,
        id: ShipmentId,
        request_id: Option<String>,
    ) -> ServiceResult<ShipmentOutcome> {
        self.origin_step(actor, id, ShipmentStep::Cancel, request_id).await
    }

    /// A step the origin's people take (shipping, cancelling).
    async fn origin_step(
        &self,
        actor: &Actor,
        id: ShipmentId,
        step: ShipmentStep,
        request_id: Option<String>,
    ) -> ServiceResult<ShipmentOutcome> {
        let shipment = self.storage.get_shipment(id).await?;
        self.authorize(actor, Action::ShipGoods(shipment.origine))?;
        self.step(actor, &shipment, step, &Vec::new(), request_id).await
    }

    /// The store takes a shipped shipment in; `report` names the lines that lacked units (the
    /// others arrived in full).
    pub async fn receive_shipment(
        &self,
        actor: &Actor,
        id: ShipmentId,
        report: &[ReceivedLine],
        request_id: Option<String>,
    ) -> ServiceResult<ShipmentOutcome> {
        let shipment = self.storage.get_shipment(id).await?;
        self.authorize(actor, Action::ReceiveShipment(shipment.magasin))?;
        let gaps = validate_reception(report, &shipment)?;
        self.step(actor, &shipment, ShipmentStep::Receive, &gaps, request_id).await
    }

    async fn step(
        &self,
        actor: &Actor,
        shipment: &Shipment,
        step: ShipmentStep,
        gaps: &Gaps,
        request_id: Option<String>,
    ) -> ServiceResult<ShipmentOutcome> {
        let ctx = WriteContext::by(actor, request_id, Self::now());
        let outcome = self.storage.shipment_step(shipment.id, step, gaps, &ctx).await?;
        if outcome.changed {
            let mut stale = vec![Scope::StoreStock(shipment.magasin.0)];
            if let Location::Store(origin) = shipment.origine {
                stale.push(Scope::StoreStock(origin.0));
            }
            self.cache.invalidate(&stale).await;
            metrics::counter!("magasin_shipments_total", "step" => step.as_str(), "origin" => match shipment.origine {
                Location::Warehouse => "warehouse",
                Location::Store(_) => "store",
            })
            .increment(1);
        }
        Ok(outcome)
    }
}
