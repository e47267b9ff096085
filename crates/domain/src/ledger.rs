//! The stock ledger: every change of a quantity, append-only, written in the same transaction as
//! the change. For every location and product, the sum of its entries is the current quantity.

use crate::adjustments::AdjustmentReason;
use crate::ids::{AdjustmentId, LedgerEntryId, ProductId, ReceiptId, ReplenishmentId, ReturnId, SaleId, ShipmentId};
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
    /// A correction, for its reason.
    Adjustment(AdjustmentReason),
    /// Resellable goods a customer brought back to the store.
    Return,
    /// Goods of a shipment leaving its origin (the warehouse or a store).
    ShipmentOut,
    /// Goods of a shipment entering transit to its store.
    TransitIn,
    /// Goods of a shipment leaving transit on reception.
    TransitOut,
    /// Goods of a shipment entering its store's stock.
    ShipmentIn,
    /// Units of a shipment that never arrived.
    TransitMissing,
    /// Units of a shipment that arrived unsellable.
    TransitDamaged,
}

impl LedgerReason {
    pub const ALL: [LedgerReason; 21] = [
        LedgerReason::Opening,
        LedgerReason::ProductCreated,
        LedgerReason::Sale,
        LedgerReason::SaleCancelled,
        LedgerReason::ReplenishmentOut,
        LedgerReason::ReplenishmentIn,
        LedgerReason::Receipt,
        LedgerReason::Adjustment(AdjustmentReason::Broken),
        LedgerReason::Adjustment(AdjustmentReason::Theft),
        LedgerReason::Adjustment(AdjustmentReason::Expired),
        LedgerReason::Adjustment(AdjustmentReason::EntryError),
        LedgerReason::Adjustment(AdjustmentReason::Sample),
        LedgerReason::Adjustment(AdjustmentReason::Other),
        LedgerReason::Adjustment(AdjustmentReason::CountVariance),
        LedgerReason::Return,
        LedgerReason::ShipmentOut,
        LedgerReason::TransitIn,
        LedgerReason::TransitOut,
        LedgerReason::ShipmentIn,
        LedgerReason::TransitMissing,
        LedgerReason::TransitDamaged,
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
            LedgerReason::Adjustment(AdjustmentReason::Broken) => "ajustement_casse",
            LedgerReason::Adjustment(AdjustmentReason::Theft) => "ajustement_vol",
            LedgerReason::Adjustment(AdjustmentReason::Expired) => "ajustement_peremption",
            LedgerReason::Adjustment(AdjustmentReason::EntryError) => "ajustement_erreur_saisie",
            LedgerReason::Adjustment(AdjustmentReason::Sample) => "ajustement_echantillon",
            LedgerReason::Adjustment(AdjustmentReason::Other) => "ajustement_autre",
            LedgerReason::Adjustment(AdjustmentReason::CountVariance) => "ajustement_inventaire",
            LedgerReason::Return => "retour",
            LedgerReason::ShipmentOut => "expedition_sortie",
            LedgerReason::TransitIn => "transit_entree",
            LedgerReason::TransitOut => "transit_sortie",
            LedgerReason::ShipmentIn => "expedition_entree",
            LedgerReason::TransitMissing => "transit_manquant",
            LedgerReason::TransitDamaged => "transit_endommage",
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
    Adjustment(AdjustmentId),
    Return(ReturnId),
    Shipment(ShipmentId),
}

/// A source document split by kind: at most one is set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DocumentIds {
    pub sale: Option<i64>,
    pub replenishment: Option<i64>,
    pub receipt: Option<i64>,
    pub adjustment: Option<i64>,
    pub sale_return: Option<i64>,
    pub shipment: Option<i64>,
}

impl DocumentIds {
    pub fn of(document: Option<SourceDocument>) -> Self {
        let mut ids = DocumentIds::default();
        match document {
            Some(SourceDocument::Sale(id)) => ids.sale = Some(id.0),
            Some(SourceDocument::Replenishment(id)) => ids.replenishment = Some(id.0),
            Some(SourceDocument::Receipt(id)) => ids.receipt = Some(id.0),
            Some(SourceDocument::Adjustment(id)) => ids.adjustment = Some(id.0),
            Some(SourceDocument::Return(id)) => ids.sale_return = Some(id.0),
            Some(SourceDocument::Shipment(id)) => ids.shipment = Some(id.0),
            None => {}
        }
        ids
    }
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
    /// The goods on their way to the store `location` names, rather than its stock.
    pub en_transit: bool,
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
        for r in AdjustmentReason::ALL {
            assert!(LedgerReason::ALL.contains(&LedgerReason::Adjustment(r)), "{r} has its ledger reason");
        }
    }
}
