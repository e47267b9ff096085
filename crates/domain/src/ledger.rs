//! The stock ledger: every change of a quantity, append-only, written in the same transaction as
//! the change. For every location and product, the sum of its entries is the current quantity.

use crate::ids::{LedgerEntryId, ProductId, ReceiptId, ReplenishmentId, SaleId};
use crate::paging::CursorRequest;
use crate::stock::Location;
use chrono::{DateTime, Utc};

/// Why a quantity changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LedgerReason {
    /// Opening balance loaded by seeding.
    Opening,
    /// Opening warehouse stock given when a product is created.
    ProductCreated,
    /// Goods sold in a store.
    Sale,
    /// A cancelled sale put back into the store's stock.
    SaleCancelled,
    /// Goods leaving the warehouse for a store.
    ReplenishmentOut,
    /// Goods arriving in a store from the warehouse.
    ReplenishmentIn,
    /// Goods received at the warehouse from a supplier.
    Receipt,
}

impl LedgerReason {
    pub const ALL: [LedgerReason; 7] = [
        LedgerReason::Opening,
        LedgerReason::ProductCreated,
        LedgerReason::Sale,
        LedgerReason::SaleCancelled,
        LedgerReason::ReplenishmentOut,
        LedgerReason::ReplenishmentIn,
        LedgerReason::Receipt,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            LedgerReason::Opening => "ouverture",
            LedgerReason::ProductCreated => "creation_produit",
            LedgerReason::Sale => "vente",
            LedgerReason::SaleCancelled => "annulation_vente",
            LedgerReason::ReplenishmentOut => "reapprovisionnement_sortie",
            LedgerReason::ReplenishmentIn => "reapprovisionnement_entree",
            LedgerReason::Receipt => "reception",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == text)
    }
}

/// The document that caused a change, when there is one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceDocument {
    Sale(SaleId),
    Replenishment(ReplenishmentId),
    Receipt(ReceiptId),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerEntry {
    pub id: LedgerEntryId,
    pub location: Location,
    pub produit: ProductId,
    pub produit_nom: String,
    /// Signed change: negative when goods leave the location.
    pub quantite: i64,
    pub solde: i64,
    pub motif: LedgerReason,
    pub document: Option<SourceDocument>,
    /// Id of the API request that made the change, when it came from one.
    pub request_id: Option<String>,
    pub date: DateTime<Utc>,
    /// Who made the change (see [`crate::WriteContext::actor`]).
    pub acteur: String,
}

/// Entries of one location, optionally one product, newest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerQuery {
    pub location: Location,
    pub produit: Option<ProductId>,
    pub cursor: CursorRequest,
}

/// A location and product whose ledger does not add up to its quantity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerDiscrepancy {
    pub location: Location,
    pub produit: ProductId,
    pub quantite: i64,
    pub ledger_sum: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_round_trip() {
        for r in LedgerReason::ALL {
            assert_eq!(LedgerReason::parse(r.as_str()), Some(r));
        }
        assert_eq!(LedgerReason::parse("vol"), None);
    }
}
