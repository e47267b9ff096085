//! Stock: the warehouse's and each store's quantities, and how lists of them are filtered.

use crate::ids::{ProductId, StoreId};
use crate::paging::PageRequest;

/// Where stock is held.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Location {
    /// The central logistics warehouse.
    Warehouse,
    /// A store's local stock.
    Store(StoreId),
}

/// One product's quantity in a store, as `/stores/{id}/stock/` lists it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StockItem {
    pub produit_id: ProductId,
    pub nom: String,
    pub quantite: i64,
}

/// One local stock row with its names, as `/stores/{id}/stock/list/` pages it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StoreStockRow {
    pub id: i64,
    pub produit: ProductId,
    pub magasin: StoreId,
    pub quantite: i64,
    pub produit_nom: String,
    pub magasin_nom: String,
}

/// One warehouse stock row.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct WarehouseStockRow {
    pub produit: ProductId,
    pub produit_nom: String,
    pub quantite: i64,
    /// Reserved for prepared shipments: approvals, adjustments and counts may use only
    /// `quantite - reserve`.
    pub reserve: i64,
    /// Still due from suppliers: what sent or partly received purchase orders have not received.
    pub attendu: i64,
}

/// Sort orders of a stock list (the lab's `ordering` values).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StockOrdering {
    #[default]
    NameAsc,
    NameDesc,
    QuantityAsc,
    QuantityDesc,
}

impl StockOrdering {
    /// The lab's `ordering` parameter; an unknown field is ignored (default order), as DRF does.
    pub fn parse(value: &str) -> Self {
        match value.trim() {
            "quantite" => Self::QuantityAsc,
            "-quantite" => Self::QuantityDesc,
            "-produit__nom" => Self::NameDesc,
            _ => Self::NameAsc,
        }
    }
}

/// Filters and page of a stock list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StockQuery {
    /// Case-insensitive substring of the product name (already lowercased by [`crate::catalogue::search_key`]).
    pub name_contains: Option<String>,
    pub quantite: Option<i64>,
    pub quantite_gte: Option<i64>,
    pub quantite_lte: Option<i64>,
    pub ordering: StockOrdering,
    pub page: PageRequest,
}

impl StockQuery {
    pub fn all(page: PageRequest) -> Self {
        Self {
            name_contains: None,
            quantite: None,
            quantite_gte: None,
            quantite_lte: None,
            ordering: StockOrdering::default(),
            page,
        }
    }
}

/// The dashboard's stock thresholds: a stock-out is `quantite <= stockout`, overstock `quantite >
/// overstock`. With `per_product`, a product with a reordering rule is counted against its rule
/// instead: a stock-out when empty or below its minimum, overstock above its maximum.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StockThresholds {
    pub stockout: i64,
    pub overstock: i64,
    pub per_product: bool,
}

impl StockThresholds {
    /// The lab's definitions (`--stockout-threshold`, `--overstock-threshold`) for every product.
    pub fn global(stockout: i64, overstock: i64) -> Self {
        Self { stockout, overstock, per_product: false }
    }

    /// These thresholds where a product has no rule, its rule where it has one.
    pub fn with_rules(self) -> Self {
        Self { per_product: true, ..self }
    }
}

impl Default for StockThresholds {
    /// The lab's definitions: a stock-out is a quantity of 0, overstock is more than 10.
    fn default() -> Self {
        Self::global(0, 10)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordering_follows_the_lab_and_ignores_unknown_fields() {
        assert_eq!(StockOrdering::parse("-quantite"), StockOrdering::QuantityDesc);
        assert_eq!(StockOrdering::parse("quantite"), StockOrdering::QuantityAsc);
        assert_eq!(StockOrdering::parse("produit__nom"), StockOrdering::NameAsc);
        assert_eq!(StockOrdering::parse("-produit__nom"), StockOrdering::NameDesc);
        assert_eq!(StockOrdering::parse("prix"), StockOrdering::NameAsc);
    }
}
