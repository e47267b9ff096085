//! Who did what: one entry per write, appended in the write's own transaction.

use crate::paging::CursorRequest;
use chrono::{DateTime, Utc};

/// What a write was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuditAction {
    SaleRecorded,
    SaleCancelled,
    ReplenishmentRequested,
    ReplenishmentApproved,
    /// Approved, but refused for lack of warehouse stock.
    ReplenishmentRefused,
    ReplenishmentRejected,
    ProductCreated,
    ProductUpdated,
    UserCreated,
    UserUpdated,
    TokenIssued,
    TokenRevoked,
    ReceiptRecorded,
    StockAdjusted,
    CountOpened,
    CountEntered,
    CountValidated,
    CountCancelled,
    ReturnRecorded,
    OrderCreated,
    OrderSent,
    OrderClosed,
    OrderCancelled,
    RulesChanged,
    WarehouseRulesChanged,
    ShipmentPrepared,
    ShipmentShipped,
    ShipmentReceived,
    ShipmentCancelled,
    /// A store's till closed for a day.
    DayClosed,
}

impl AuditAction {
    pub const ALL: [AuditAction; 30] = [
        AuditAction::SaleRecorded,
        AuditAction::SaleCancelled,
        AuditAction::ReplenishmentRequested,
        AuditAction::ReplenishmentApproved,
        AuditAction::ReplenishmentRefused,
        AuditAction::ReplenishmentRejected,
        AuditAction::ProductCreated,
        AuditAction::ProductUpdated,
        AuditAction::UserCreated,
        AuditAction::UserUpdated,
        AuditAction::TokenIssued,
        AuditAction::TokenRevoked,
        AuditAction::ReceiptRecorded,
        AuditAction::StockAdjusted,
        AuditAction::CountOpened,
        AuditAction::CountEntered,
        AuditAction::CountValidated,
        AuditAction::CountCancelled,
        AuditAction::ReturnRecorded,
        AuditAction::OrderCreated,
        AuditAction::OrderSent,
        AuditAction::OrderClosed,
        AuditAction::OrderCancelled,
        AuditAction::RulesChanged,
        AuditAction::WarehouseRulesChanged,
        AuditAction::ShipmentPrepared,
        AuditAction::ShipmentShipped,
        AuditAction::ShipmentReceived,
        AuditAction::ShipmentCancelled,
        AuditAction::DayClosed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::SaleRecorded => "vente",
            AuditAction::SaleCancelled => "annulation_vente",
            AuditAction::ReplenishmentRequested => "demande_reapprovisionnement",
            AuditAction::ReplenishmentApproved => "approbation",
            AuditAction::ReplenishmentRefused => "refus_stock",
            AuditAction::ReplenishmentRejected => "refus",
            AuditAction::ProductCreated => "creation_produit",
            AuditAction::ProductUpdated => "modification_produit",
            AuditAction::UserCreated => "creation_utilisateur",
            AuditAction::UserUpdated => "modification_utilisateur",
            AuditAction::TokenIssued => "creation_jeton",
            AuditAction::TokenRevoked => "revocation_jeton",
            AuditAction::ReceiptRecorded => "reception",
            AuditAction::StockAdjusted => "ajustement",
            AuditAction::CountOpened => "ouverture_inventaire",
            AuditAction::CountEntered => "saisie_inventaire",
            AuditAction::CountValidated => "validation_inventaire",
            AuditAction::CountCancelled => "annulation_inventaire",
            AuditAction::ReturnRecorded => "retour",
            AuditAction::OrderCreated => "creation_commande",
            AuditAction::OrderSent => "envoi_commande",
            AuditAction::OrderClosed => "solde_commande",
            AuditAction::OrderCancelled => "annulation_commande",
            AuditAction::RulesChanged => "regles_reapprovisionnement",
            AuditAction::WarehouseRulesChanged => "regles_entrepot",
            AuditAction::ShipmentPrepared => "preparation_expedition",
            AuditAction::ShipmentShipped => "expedition",
            AuditAction::ShipmentReceived => "reception_expedition",
            AuditAction::ShipmentCancelled => "annulation_expedition",
            AuditAction::DayClosed => "cloture_caisse",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        AuditAction::ALL.into_iter().find(|a| a.as_str() == s)
    }

    /// `s` as an action, or the choices.
    pub fn choose(s: &str) -> Result<Self, crate::ValidationCode> {
        AuditAction::parse(s).ok_or_else(|| crate::ValidationCode::NotAChoice {
            choices: AuditAction::ALL.iter().map(|a| a.as_str().to_string()).collect(),
        })
    }

    /// The kind of entity the action is about (`entite`).
    pub fn entity(self) -> &'static str {
        match self {
            AuditAction::SaleRecorded | AuditAction::SaleCancelled => "vente",
            AuditAction::ReplenishmentRequested
            | AuditAction::ReplenishmentApproved
            | AuditAction::ReplenishmentRefused
            | AuditAction::ReplenishmentRejected => "demande",
            AuditAction::ProductCreated | AuditAction::ProductUpdated => "produit",
            AuditAction::UserCreated | AuditAction::UserUpdated => "utilisateur",
            AuditAction::TokenIssued | AuditAction::TokenRevoked => "jeton",
            AuditAction::ReceiptRecorded => "reception",
            AuditAction::StockAdjusted => "ajustement",
            AuditAction::CountOpened
            | AuditAction::CountEntered
            | AuditAction::CountValidated
            | AuditAction::CountCancelled => "inventaire",
            AuditAction::ReturnRecorded => "retour",
            AuditAction::OrderCreated
            | AuditAction::OrderSent
            | AuditAction::OrderClosed
            | AuditAction::OrderCancelled => "commande",
            AuditAction::RulesChanged => "magasin",
            AuditAction::WarehouseRulesChanged => "entrepot",
            AuditAction::ShipmentPrepared
            | AuditAction::ShipmentShipped
            | AuditAction::ShipmentReceived
            | AuditAction::ShipmentCancelled => "expedition",
            AuditAction::DayClosed => "cloture",
        }
    }
}

/// One write, as the audit log keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub id: i64,
    pub date: DateTime<Utc>,
    pub acteur: String,
    pub action: AuditAction,
    /// The id of the entity of [`AuditAction::entity`].
    pub entite_id: i64,
    /// What it was before (JSON), for a change.
    pub avant: Option<String>,
    /// What it is after (JSON): the fields written.
    pub apres: Option<String>,
    pub request_id: Option<String>,
}

/// Entries, newest first, by actor, action and range of days.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditQuery {
    pub acteur: Option<String>,
    pub action: Option<AuditAction>,
    pub from: Option<chrono::NaiveDate>,
    pub to: Option<chrono::NaiveDate>,
    pub cursor: CursorRequest,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_reads_back_from_its_name() {
        for action in AuditAction::ALL {
            assert_eq!(AuditAction::parse(action.as_str()), Some(action));
        }
        assert_eq!(AuditAction::parse("vol"), None);
    }
}
