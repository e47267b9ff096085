//! Identifiers, one type per entity so they cannot be mixed up.

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! id_type {
    ($(#[$doc:meta] $name:ident),* $(,)?) => {$(
        #[$doc]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    )*};
}

id_type!(
    /// A store (*magasin*).
    StoreId,
    /// A product of the catalogue.
    ProductId,
    /// A recorded sale.
    SaleId,
    /// A replenishment request.
    ReplenishmentId,
    /// A row of the stock ledger.
    LedgerEntryId,
    /// A user account.
    UserId,
    /// A personal API token.
    ApiTokenId,
    /// Goods received at the warehouse.
    ReceiptId,
    /// A correction of a stock quantity.
    AdjustmentId,
    /// A physical count (inventaire).
    CountId,
    /// Goods a customer brought back (a return and its credit note).
    ReturnId,
    /// An order to a supplier (commande fournisseur).
    PurchaseOrderId,
    /// Goods on their way to a store (expédition).
    ShipmentId,
);
