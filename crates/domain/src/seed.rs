//! Data sets loaded into an empty database: the demo data and synthetic histories.

use crate::catalogue::Product;
use crate::ids::{ProductId, StoreId};
use crate::money::Money;
use crate::stores::Magasin;
use chrono::{DateTime, Utc};

/// Stores, products and opening stock balances, with their ids.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Dataset {
    pub stores: Vec<Magasin>,
    pub products: Vec<Product>,
    /// Opening warehouse quantity per product.
    pub warehouse: Vec<(ProductId, i64)>,
    /// Opening local quantity per store and product.
    pub local: Vec<(StoreId, ProductId, i64)>,
}

/// A past sale imported as history: it does not move stock (the opening balances are the stock
/// after it), but it counts in reports, dashboards and the sales list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoricSale {
    pub magasin: StoreId,
    pub date_vente: DateTime<Utc>,
    pub lignes: Vec<HistoricLine>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HistoricLine {
    pub produit: ProductId,
    pub quantite: i64,
    pub prix_unitaire: Money,
}
