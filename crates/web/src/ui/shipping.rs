//! `/expeditions`: goods on their way to the stores. The origin's people ship or cancel a
//! prepared shipment, the store's managers receive a shipped one (saying, per line, how many
//! units are missing or damaged), and a store's managers send another store goods (a transfer).

use super::forms::{FieldErrors, Form};
use super::layout::{Layout, UiError};
use super::parse_id;
use super::session::{Flash, Visitor};
use super::strings::{Strings, current};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use magasin_domain::StorageError;
use magasin_domain::accounts::{Action, Actor};
use magasin_domain::paging::CursorRequest;
use magasin_domain::replenishment::RequestLine;
use magasin_domain::shipping::{ReceivedLine, Shipment, ShipmentQuery, ShipmentStatus};
use magasin_domain::stock::Location;
use magasin_domain::{ProductId, ShipmentId, StoreId};
use magasin_service::ServiceError;
use std::collections::HashMap;

/// Shipments shown on the page, newest first.
const SHOWN: u32 = 50;

pub struct LineView {
    pub product_id: i64,
    pub product: String,
    pub quantity: i64,
    /// Once received: the units taken in, and those missing or damaged.
    pub received: Option<i64>,
    pub missing: i64,
    pub damaged: i64,
}

pub struct ShipmentView {
    pub id: i64,
    pub date: String,
    pub origin: String,
    pub store: String,
    /// The request it delivers, as the page names it.
    pub request: Option<String>,
    pub status: &'static str,
    pub open: bool,
    pub lines: Vec<LineView>,
    /// The visitor may ship or cancel it (prepared), or receive it (shipped).
    pub can_ship: bool,
    pub can_receive: bool,
}

impl ShipmentView {
    fn new(s: Shipment, t: &Strings, stores: &HashMap<i64, String>, actor: Option<&Actor>) -> Self {
        let may = |action: Action| actor.is_none_or(|a| a.may(&action));
        ShipmentView {
            id: s.id.0,
            date: s.date.format(t.datetime_format).to_string(),
            origin: match s.origine {
                Location::Warehouse => t.shipping.warehouse.to_string(),
                Location::Store(id) => stores.get(&id.0).cloned().unwrap_or_else(|| id.0.to_string()),
            },
            store: s.magasin_nom,
            request: s.demande.map(|d| (t.shipping.request)(d.0)),
            status: match s.statut {
                ShipmentStatus::Prepared => t.shipping.prepared,
                ShipmentStatus::Shipped => t.shipping.shipped,
                ShipmentStatus::Received => t.shipping.received,
                ShipmentStatus::Cancelled => t.shipping.cancelled,
            },
            open: s.statut.is_open(),
            can_ship: s.statut == ShipmentStatus::Prepared && may(Action::ShipGoods(s.origine)),
            can_receive: s.statut == ShipmentStatus::Shipped && may(Action::ReceiveShipment(s.magasin)),
            lines: s
                .lignes
                .into_iter()
                .map(|l| LineView {
                    received: l.recue(),
                    missing: l.manquante.unwrap_or(0),
                    damaged: l.endommagee.unwrap_or(0),
                    product_id: l.produit.0,
                    product: l.produit_nom,
                    quantity: l.quantite,
                })
                .collect(),
        }
    }
}

#[derive(Template)]
#[template(path = "shipments.html")]
struct ShipmentsPage {
    layout: Layout,
    open: Vec<ShipmentView>,
    done: Vec<ShipmentView>,
    stores: Vec<(i64, String)>,
    products: Vec<(i64, String)>,
    can_transfer: bool,
    /// The transfer form's idempotency key, made when the page was rendered.
    key: String,
}

pub async fn page(State(state): State<AppState>, visitor: Visitor) -> Result<Response, UiError> {
    let t = current();
    let query = ShipmentQuery { magasin: None, statut: None, cursor: CursorRequest::new(None, SHOWN) };
    let products = magasin_domain::paging::PageRequest::new(1, 100);
    let (shipments, stores, products) = tokio::try_join!(
        async { Ok::<_, UiError>(state.services.list_shipments(&query).await?) },
        super::store_choices(&state),
        async { Ok::<_, UiError>(state.services.list_products(None, products).await?) },
    )?;
    let actor = visitor.actor().ok();
    let names: HashMap<i64, String> = stores.iter().cloned().collect();
    let (open, done): (Vec<ShipmentView>, Vec<ShipmentView>) =
        shipments.items.into_iter().map(|s| ShipmentView::new(s, t, &names, actor.as_ref())).partition(|s| s.open);
    let page = ShipmentsPage {
        layout: visitor.layout(t.shipping.title, "/reapprovisionnement"),
        open,
        done,
        can_transfer: actor.as_ref().is_none_or(|a| a.may_somewhere(|s| Action::ShipGoods(Location::Store(s)))),
        stores,
        key: uuid::Uuid::new_v4().to_string(),
        products: products.items.into_iter().map(|p| (p.id.0, p.nom)).collect(),
    };
    visitor.page(&page)
}

/// A refusal the visitor can act on, as a flash on the page: a shortfall at the origin, or
/// what the replenishment page says of the others.
fn refusal(error: ServiceError) -> Result<Flash, UiError> {
    match error {
        ServiceError::Storage(StorageError::InsufficientStock { product_name, requested, available, .. }) => {
            Ok(Flash::error((current().shipping.short)(&product_name, requested, available)))
        }
        other => super::replenishment::refusal(other),
    }
}

async fn answer(
    visitor: Visitor,
    result: Result<magasin_domain::shipping::ShipmentOutcome, ServiceError>,
    done: fn(i64) -> String,
) -> Result<Response, UiError> {
    let flash = match result {
        Ok(outcome) => Flash::success(done(outcome.shipment.id.0)),
        Err(error) => refusal(error)?,
    };
    Ok(visitor.redirect("/expeditions", flash))
}

pub async fn ship(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Result<Response, UiError> {
    let (id, actor) = (parse_id(&id)?, visitor.actor()?);
    let result = state.services.ship(&actor, ShipmentId(id), None).await;
    answer(visitor, result, current().shipping.shipped_flash).await
}

pub async fn cancel(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Result<Response, UiError> {
    let (id, actor) = (parse_id(&id)?, visitor.actor()?);
    let result = state.services.cancel_shipment(&actor, ShipmentId(id), None).await;
    answer(visitor, result, current().shipping.cancelled_flash).await
}

/// The reception form names each line's missing and damaged units `manquante_{produit}` and
/// `endommagee_{produit}` (empty: none).
pub async fn receive(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
    Form(form): Form,
) -> Result<Response, UiError> {
    let (t, id, actor) = (current(), parse_id(&id)?, visitor.actor()?);
    let shipment = state.services.get_shipment(ShipmentId(id)).await?;
    let mut errors = FieldErrors::default();
    let mut report = Vec::new();
    for line in &shipment.lignes {
        let mut count =
            |name: String| if form.raw(&name).trim().is_empty() { Some(0) } else { errors.check(form.integer(&name)) };
        let manquante = count(format!("manquante_{}", line.produit.0));
        let endommagee = count(format!("endommagee_{}", line.produit.0));
        if let (Some(manquante), Some(endommagee)) = (manquante, endommagee)
            && (manquante, endommagee) != (0, 0)
        {
            report.push(ReceivedLine { produit: line.produit, manquante, endommagee });
        }
    }
    if !errors.is_empty() {
        return Ok(visitor.redirect("/expeditions", Flash::error(errors.all().join(" "))));
    }
    let result = state.services.receive_shipment(&actor, ShipmentId(id), &report, None).await;
    answer(visitor, result, t.shipping.received_flash).await
}

/// A transfer of one product between two stores.
pub async fn transfer(State(state): State<AppState>, visitor: Visitor, Form(form): Form) -> Result<Response, UiError> {
    let t = current();
    let mut errors = FieldErrors::default();
    let origine = errors.check(form.integer("origine"));
    let magasin = errors.check(form.integer("magasin"));
    let produit = errors.check(form.integer("produit"));
    let quantite = errors.check(form.integer("quantite"));
    let (Some(origine), Some(magasin), Some(produit), Some(quantite)) = (origine, magasin, produit, quantite) else {
        let message = if errors.is_empty() { t.fix_the_form.to_string() } else { errors.all().join(" ") };
        return Ok(visitor.redirect("/expeditions", Flash::error(message)));
    };
    let actor = visitor.actor()?;
    let line = RequestLine { produit: ProductId(produit), quantite };
    let key = form.raw("cle").trim().to_string();
    // The form's keys live apart from the API's, as for receipts.
    let key = (!key.is_empty()).then(|| format!("ui:{key}"));
    let result =
        state.services.create_transfer(&actor, StoreId(origine), StoreId(magasin), vec![line], key, None).await;
    answer(visitor, result, t.shipping.transfer_flash).await
}
