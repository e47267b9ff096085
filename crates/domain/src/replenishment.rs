//! Replenishment: a store asks the warehouse for goods; logistics approves (the goods move,
//! exactly once) or rejects.

use crate::ids::{ProductId, ReplenishmentId, StoreId};
use crate::paging::CursorRequest;
use crate::validation::{ValidationCode, ValidationErrors};
use chrono::{DateTime, Utc};

/// Largest quantity one request may ask for.
pub const MAX_REQUEST_QUANTITY: i64 = 1_000_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplenishmentStatus {
    Pending,
    Approved,
    Refused,
}

impl ReplenishmentStatus {
    pub const ALL: [ReplenishmentStatus; 3] = [Self::Pending, Self::Approved, Self::Refused];

    /// The lab's values.
    pub fn as_str(self) -> &'static str {
        match self {
            ReplenishmentStatus::Pending => "en_attente",
            ReplenishmentStatus::Approved => "approuvée",
            ReplenishmentStatus::Refused => "refusée",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewReplenishment {
    pub magasin: StoreId,
    pub produit: ProductId,
    pub quantite: i64,
    pub at: DateTime<Utc>,
}

/// A request must ask for a positive, bounded quantity.
pub fn validate_request(request: NewReplenishment) -> Result<NewReplenishment, ValidationErrors> {
    let mut errors = ValidationErrors::new();
    if !(1..=MAX_REQUEST_QUANTITY).contains(&request.quantite) {
        errors.add("quantite", ValidationCode::OutOfRange { min: 1, max: MAX_REQUEST_QUANTITY });
    }
    errors.into_result(request)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replenishment {
    pub id: ReplenishmentId,
    pub produit: ProductId,
    pub produit_nom: String,
    pub magasin: StoreId,
    pub magasin_nom: String,
    pub quantite: i64,
    pub date: DateTime<Utc>,
    pub statut: ReplenishmentStatus,
    pub date_decision: Option<DateTime<Utc>>,
    /// Why it was refused, when it was.
    pub motif: Option<String>,
    /// Who asked.
    pub demandeur: String,
    /// Who decided, once decided.
    pub decideur: Option<String>,
}

/// How an approval ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApprovalOutcome {
    /// The goods moved from the warehouse to the store.
    Approved(Replenishment),
    /// The warehouse lacked the quantity: the request is now refused, and says why.
    RefusedForLackOfStock { request: Replenishment, available: i64 },
}

/// The refusal reason written on a request the warehouse could not serve.
pub fn shortage_reason(available: i64, requested: i64) -> String {
    format!("Stock central insuffisant : {available} disponible(s), {requested} demandé(s).")
}

/// Filters of the request list, newest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplenishmentQuery {
    pub magasin: Option<StoreId>,
    pub statut: Option<ReplenishmentStatus>,
    pub cursor: CursorRequest,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantity_must_be_positive() {
        let request = |q| NewReplenishment { magasin: StoreId(1), produit: ProductId(1), quantite: q, at: Utc::now() };
        assert!(validate_request(request(0)).is_err());
        assert!(validate_request(request(-3)).is_err());
        assert!(validate_request(request(MAX_REQUEST_QUANTITY + 1)).is_err());
        assert!(validate_request(request(5)).is_ok());
    }

    #[test]
    fn statuses_are_the_labs() {
        assert_eq!(ReplenishmentStatus::parse("approuvée"), Some(ReplenishmentStatus::Approved));
        assert_eq!(ReplenishmentStatus::parse("approuvee"), None);
        assert_eq!(shortage_reason(3, 10), "Stock central insuffisant : 3 disponible(s), 10 demandé(s).");
    }
}
