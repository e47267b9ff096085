//! Plays one behaviour against a fresh database, day by day, through magasin's own use cases:
//! goods received at the warehouse every week, the day's sales of every store (each product
//! sold as far as the store holds it, the rest lost), and replenishment — a fixed weekly request
//! per store ([`Behaviour::HandMade`]) or the stores' automatic rules ([`Behaviour::Rules`]),
//! approved by logistics as far as the warehouse holds.

use super::demand::Demand;
use anyhow::{Context, Result};
use indicatif::ProgressBar;
use magasin_domain::accounts::Actor;
use magasin_domain::catalogue::Product;
use magasin_domain::paging::CursorRequest;
use magasin_domain::receiving::{ReceiptLineRequest, ReceiptRequest};
use magasin_domain::reordering::RuleInput;
use magasin_domain::replenishment::{ApprovalTerms, ReplenishmentQuery, ReplenishmentStatus, RequestForm, RequestLine};
use magasin_domain::sales::{LineRequest, MAX_LINES, SaleRequest};
use magasin_domain::seed::Dataset;
use magasin_domain::stores::Magasin;
use magasin_domain::{Money, ProductId, ReplenishmentId, Storage, StorageError, StoreId, WriteContext};
use magasin_service::{ServiceError, Services};
use std::collections::HashMap;

/// How stores get goods from the warehouse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Behaviour {
    /// No rules: every Monday each store asks for a fixed quantity of every product, a week of
    /// its average demand.
    HandMade,
    /// Automatic rules (min: three days of average demand and one unit, max: ten days and two):
    /// a sale that takes a product below its minimum raises the store's request.
    Rules,
}

impl Behaviour {
    pub fn label(self) -> &'static str {
        match self {
            Behaviour::HandMade => "hand-made (fixed weekly request)",
            Behaviour::Rules => "automatic rules (min/max)",
        }
    }
}

/// What a behaviour gave, in total and day by day.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Outcome {
    /// Store-product-days on which demand found the shelf empty.
    pub stockout_days: u64,
    pub lost_units: i64,
    pub lost_revenue: Money,
    /// End-of-day units in all stores, averaged over the days.
    pub average_units_held: f64,
    /// The same at sale prices, in cents.
    pub average_value_held: f64,
    pub sold_units: i64,
    pub requests: u64,
    pub receipts: u64,
    pub daily_stockouts: Vec<u64>,
    pub daily_units_held: Vec<i64>,
}

/// Days of average demand a store opens with, and the warehouse holds for all stores.
const OPENING_DAYS_STORE: f64 = 4.0;
const OPENING_DAYS_WAREHOUSE: f64 = 14.0;
/// Each weekly delivery brings a week of all stores' average demand and this much more.
const SUPPLY_MARGIN: f64 = 1.1;

fn units(x: f64) -> i64 {
    x.ceil() as i64
}

/// The stores, products (prices from 1.00 to 50.00, by product) and opening stock.
fn world(demand: &Demand) -> Dataset {
    let stores = (0..demand.stores())
        .map(|s| Magasin {
            id: StoreId(s as i64 + 1),
            nom: format!("Magasin {:02}", s + 1),
            adresse: format!("{} rue du Port", s + 1),
        })
        .collect();
    let products: Vec<Product> = (0..demand.products())
        .map(|p| Product {
            id: ProductId(p as i64 + 1),
            nom: format!("Article {:04}", p + 1),
            categorie: "Simulation".into(),
            prix: Money(100 + (p as i64 * 7_919) % 4_900),
            description: None,
            sku: None,
            code_barres: None,
        })
        .collect();
    let all_stores = |p: usize| (0..demand.stores()).map(|s| demand.expected(s, p)).sum::<f64>();
    let warehouse = (0..demand.products())
        .map(|p| (ProductId(p as i64 + 1), units(OPENING_DAYS_WAREHOUSE * all_stores(p))))
        .collect();
    let mut local = Vec::new();
    for s in 0..demand.stores() {
        for p in 0..demand.products() {
            local.push((
                StoreId(s as i64 + 1),
                ProductId(p as i64 + 1),
                units(OPENING_DAYS_STORE * demand.expected(s, p)) + 1,
            ));
        }
    }
    Dataset { stores, products, warehouse, local }
}

/// One store's quantities by product.
async fn held(services: &Services, store: StoreId) -> Result<HashMap<ProductId, i64>> {
    let items = services.store_stock(store).await.context("reading a store's stock")?;
    Ok(items.into_iter().map(|i| (i.produit_id, i.quantite)).collect())
}

/// Approves a request as far as the warehouse holds; one it cannot serve at all is rejected,
/// so that the store may ask again.
async fn approve(services: &Services, id: ReplenishmentId) -> Result<()> {
    let terms = ApprovalTerms { what_is_available: true, ..ApprovalTerms::lab() };
    match services.approve_replenishment(&Actor::Service, id, terms, None).await {
        Ok(_) => Ok(()),
        Err(ServiceError::Storage(StorageError::Conflict(_))) => {
            services.reject_replenishment(&Actor::Service, id, None).await.context("rejecting a request")?;
            Ok(())
        }
        Err(other) => Err(other).context("approving a request"),
    }
}

/// The ids of every request (of `statut` when given), oldest first.
async fn requests(services: &Services, statut: Option<ReplenishmentStatus>) -> Result<Vec<ReplenishmentId>> {
    let mut ids = Vec::new();
    let mut before = None;
    loop {
        let query = ReplenishmentQuery { magasin: None, statut, cursor: CursorRequest::new(before, 100) };
        let page = services.list_replenishments(&query).await.context("listing requests")?;
        ids.extend(page.items.iter().map(|r| r.id));
        match page.next {
            Some(next) => before = Some(next),
            None => break,
        }
    }
    ids.reverse();
    Ok(ids)
}

/// Plays `days` days of `behaviour` on `services` over `storage` (an empty database), advancing `bar` by one
/// per store and day.
pub async fn play(
    storage: &dyn Storage,
    services: &Services,
    demand: &Demand,
    behaviour: Behaviour,
    days: u32,
    bar: &ProgressBar,
) -> Result<Outcome> {
    let dataset = world(demand);
    let prices: Vec<Money> = dataset.products.iter().map(|p| p.prix).collect();
    storage.load_dataset(&dataset, &WriteContext::now()).await.context("loading the stores and products")?;
    let stores: Vec<StoreId> = dataset.stores.iter().map(|s| s.id).collect();
    drop(dataset);
    let actor = Actor::Service;
    if behaviour == Behaviour::Rules {
        for (s, &store) in stores.iter().enumerate() {
            let rules = (0..demand.products())
                .map(|p| {
                    let daily = demand.expected(s, p);
                    RuleInput {
                        produit: ProductId(p as i64 + 1),
                        min: units(3.0 * daily) + 1,
                        max: units(10.0 * daily) + 2,
                        multiple: 1,
                        mode: "automatique".into(),
                    }
                })
                .collect();
            services.set_rules(&actor, store, rules, None).await.context("setting a store's rules")?;
        }
    }
    let mut outcome = Outcome::default();
    let mut held_total = 0.0;
    let mut value_total = 0.0;
    for day in 0..days {
        if day % 7 == 0 {
            outcome.receipts += receive_week(services, demand, day).await?;
        }
        if behaviour == Behaviour::HandMade && day % 7 == 0 {
            for (s, &store) in stores.iter().enumerate() {
                let lines: Vec<RequestLine> = (0..demand.products())
                    .map(|p| RequestLine {
                        produit: ProductId(p as i64 + 1),
                        quantite: (7.0 * demand.expected(s, p)).round() as i64,
                    })
                    .filter(|l| l.quantite > 0)
                    .collect();
                let request = services
                    .request_replenishment(&actor, store, lines, RequestForm::Lines)
                    .await
                    .context("asking for the week")?;
                approve(services, request.id).await?;
            }
        }
        let wanted = demand.day(day);
        let mut stockouts = 0;
        for (s, &store) in stores.iter().enumerate() {
            let shelf = held(services, store).await?;
            let mut lines = Vec::new();
            for (p, &asked) in wanted[s].iter().enumerate() {
                let product = ProductId(p as i64 + 1);
                let on_shelf = shelf.get(&product).copied().unwrap_or(0);
                let sold = asked.min(on_shelf);
                if asked > on_shelf {
                    stockouts += 1;
                    outcome.lost_units += asked - sold;
                    outcome.lost_revenue = Money(outcome.lost_revenue.0 + (asked - sold) * prices[p].0);
                }
                if sold > 0 {
                    outcome.sold_units += sold;
                    lines.push(LineRequest { produit: product, quantite: sold });
                }
            }
            for chunk in lines.chunks(MAX_LINES) {
                let sale = SaleRequest { magasin: store, lignes: chunk.to_vec(), paiement: None };
                services.record_sale(&actor, sale, None, None).await.context("recording a sale")?;
            }
            bar.inc(1);
        }
        if behaviour == Behaviour::Rules {
            for id in requests(services, Some(ReplenishmentStatus::Pending)).await? {
                approve(services, id).await?;
            }
        }
        let mut units_held = 0;
        for &store in &stores {
            for (product, quantity) in held(services, store).await? {
                units_held += quantity;
                value_total += quantity as f64 * prices[product.0 as usize - 1].0 as f64;
            }
        }
        held_total += units_held as f64;
        outcome.stockout_days += stockouts;
        outcome.daily_stockouts.push(stockouts);
        outcome.daily_units_held.push(units_held);
        if bar.is_hidden() && ((day + 1) % 10 == 0 || day + 1 == days) {
            eprintln!("{}: day {}/{days}", behaviour.label(), day + 1);
        }
    }
    let days = f64::from(days.max(1));
    outcome.average_units_held = held_total / days;
    outcome.average_value_held = value_total / days;
    outcome.requests = requests(services, None).await?.len() as u64;
    Ok(outcome)
}

/// The week's delivery at the warehouse: a week of every store's average demand and a margin,
/// in receipts of at most [`MAX_LINES`] lines. How many receipts.
async fn receive_week(services: &Services, demand: &Demand, day: u32) -> Result<u64> {
    let lines: Vec<ReceiptLineRequest> = (0..demand.products())
        .map(|p| {
            let week: f64 = (0..demand.stores()).map(|s| 7.0 * demand.expected(s, p)).sum();
            ReceiptLineRequest { produit: ProductId(p as i64 + 1), quantite: units(SUPPLY_MARGIN * week) }
        })
        .collect();
    let mut receipts = 0;
    for (i, chunk) in lines.chunks(MAX_LINES).enumerate() {
        let receipt = ReceiptRequest {
            fournisseur: "Grossiste".into(),
            bon_livraison: format!("S{day:03}-{i:03}"),
            lignes: chunk.to_vec(),
            commande: None,
        };
        services.record_receipt(&Actor::Service, receipt, None, None).await.context("receiving goods")?;
        receipts += 1;
    }
    Ok(receipts)
}
