//! Goods in transit. A shipment takes goods to a store from the warehouse (an approved
//! replenishment request, when approvals reserve instead of moving at once) or from another
//! store (a transfer), in steps that each happen once:
//! - **prepared**: the goods are reserved at the origin (what a sale, an adjustment or a count
//!   may use there is the quantity held less the reserve);
//! - **shipped**: they left the origin and are in transit to the store;
//! - **received**: the store took them in, each line with its missing and damaged units (the
//!   ledger gives the gap its reason);
//! - or **cancelled** before shipping: the reserve is released.
//!
//! Asking for a step already taken answers the shipment as it is (a retry is harmless); asking
//! for a step the shipment is past is a conflict.

use crate::ids::{ProductId, ReplenishmentId, ShipmentId, StoreId};
use crate::paging::CursorRequest;
use crate::replenishment::{NewReplenishment, RequestForm, RequestLine, validate_request};
use crate::stock::Location;
use crate::validation::{ValidationCode, ValidationErrors};
use chrono::{DateTime, Utc};
use std::collections::BTreeSet;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShipmentStatus {
    Prepared,
    Shipped,
    Received,
    Cancelled,
}

impl ShipmentStatus {
    pub const ALL: [ShipmentStatus; 4] = [Self::Prepared, Self::Shipped, Self::Received, Self::Cancelled];

    pub fn as_str(self) -> &'static str {
        match self {
            ShipmentStatus::Prepared => "preparee",
            ShipmentStatus::Shipped => "expediee",
            ShipmentStatus::Received => "recue",
            ShipmentStatus::Cancelled => "annulee",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// Whether the goods are still to arrive (reserved or in transit).
    pub fn is_open(self) -> bool {
        matches!(self, ShipmentStatus::Prepared | ShipmentStatus::Shipped)
    }
}

/// What a shipment carries, and once received, what did not arrive in a sellable state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShipmentLine {
    /// From 1.
    pub ligne: i64,
    pub produit: ProductId,
    pub produit_nom: String,
    pub quantite: i64,
    /// Units that never arrived; known once received.
    pub manquante: Option<i64>,
    /// Units that arrived unsellable; known once received.
    pub endommagee: Option<i64>,
}

impl ShipmentLine {
    /// Units the store took into its stock, once received.
    pub fn recue(&self) -> Option<i64> {
        Some(self.quantite - self.manquante? - self.endommagee.unwrap_or(0))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shipment {
    pub id: ShipmentId,
    /// The warehouse, or the store a transfer leaves.
    pub origine: Location,
    /// The store the goods go to.
    pub magasin: StoreId,
    pub magasin_nom: String,
    /// The replenishment request it delivers, for a shipment from the warehouse.
    pub demande: Option<ReplenishmentId>,
    pub statut: ShipmentStatus,
    pub date: DateTime<Utc>,
    /// Who prepared it (approved the request, or asked for the transfer).
    pub auteur: String,
    pub date_expedition: Option<DateTime<Utc>>,
    pub expediteur: Option<String>,
    pub date_reception: Option<DateTime<Utc>>,
    pub receptionnaire: Option<String>,
    pub date_annulation: Option<DateTime<Utc>>,
    pub annule_par: Option<String>,
    pub lignes: Vec<ShipmentLine>,
}

/// Goods one store sends another.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTransfer {
    pub origine: StoreId,
    pub magasin: StoreId,
    pub lignes: Vec<RequestLine>,
    pub at: DateTime<Utc>,
}

/// A transfer goes to another store and carries lines as a request does (fields `lignes[i].…`).
pub fn validate_transfer(transfer: NewTransfer) -> Result<NewTransfer, ValidationErrors> {
    let mut errors = ValidationErrors::new();
    if transfer.origine == transfer.magasin {
        errors.add("magasin", ValidationCode::SameAsOrigin);
    }
    let lines = NewReplenishment { magasin: transfer.magasin, lignes: transfer.lignes, at: transfer.at };
    let lignes = match validate_request(lines, RequestForm::Lines) {
        Ok(valid) => valid.lignes,
        Err(more) => {
            errors.extend(more);
            Vec::new()
        }
    };
    errors.into_result(NewTransfer { lignes, ..transfer })
}

/// What the store reports of one product on reception.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReceivedLine {
    pub produit: ProductId,
    pub manquante: i64,
    pub endommagee: i64,
}

/// What each line of a shipment lacked on arrival: `(line, missing, damaged)` for every line.
pub type Gaps = Vec<(i64, i64, i64)>;

/// Checks a reception report against the shipment's lines: each product once and on the
/// shipment, missing and damaged units from 0 and together at most what was shipped. Lines not
/// named arrived in full. Fields are `lignes[i].produit`, `.manquante`, `.endommagee`.
pub fn validate_reception(report: &[ReceivedLine], shipment: &Shipment) -> Result<Gaps, ValidationErrors> {
    let mut errors = ValidationErrors::new();
    if report.len() > crate::replenishment::MAX_REQUEST_LINES {
        errors.add("lignes", ValidationCode::RequestLineCount { max: crate::replenishment::MAX_REQUEST_LINES });
    }
    let mut gaps: Gaps = shipment.lignes.iter().map(|l| (l.ligne, 0, 0)).collect();
    let mut seen = BTreeSet::new();
    for (i, reported) in report.iter().enumerate() {
        let field = |name: &str| format!("lignes[{i}].{name}");
        let Some(at) = shipment.lignes.iter().position(|l| l.produit == reported.produit) else {
            let choices = shipment.lignes.iter().map(|l| l.produit.0.to_string()).collect();
            errors.add(field("produit"), ValidationCode::NotAChoice { choices });
            continue;
        };
        if !seen.insert(reported.produit) {
            errors.add(field("produit"), ValidationCode::Duplicate);
        }
        let shipped = shipment.lignes[at].quantite;
        if !(0..=shipped).contains(&reported.manquante) {
            errors.add(field("manquante"), ValidationCode::OutOfRange { min: 0, max: shipped });
        } else if !(0..=shipped - reported.manquante).contains(&reported.endommagee) {
            errors.add(field("endommagee"), ValidationCode::OutOfRange { min: 0, max: shipped - reported.manquante });
        }
        gaps[at] = (shipment.lignes[at].ligne, reported.manquante, reported.endommagee);
    }
    errors.into_result(gaps)
}

/// A step of a shipment's life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShipmentStep {
    Ship,
    Receive,
    Cancel,
}

impl ShipmentStep {
    pub fn as_str(self) -> &'static str {
        match self {
            ShipmentStep::Ship => "ship",
            ShipmentStep::Receive => "receive",
            ShipmentStep::Cancel => "cancel",
        }
    }
}

/// What asking for `step` does to a shipment in `status`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepDecision {
    /// The step happens now.
    Take,
    /// The step happened already: the shipment is answered as it is.
    AlreadyTaken,
    /// The shipment is past, or not yet at, this step.
    Refuse(String),
}

pub fn decide_step(id: ShipmentId, status: ShipmentStatus, step: ShipmentStep) -> StepDecision {
    use ShipmentStatus::*;
    use ShipmentStep::*;
    match (step, status) {
        (Ship, Prepared) | (Receive, Shipped) | (Cancel, Prepared) => StepDecision::Take,
        (Ship, Shipped | Received) | (Receive, Received) | (Cancel, Cancelled) => StepDecision::AlreadyTaken,
        (Ship | Receive, Cancelled) => StepDecision::Refuse(format!("Shipment {id} was cancelled.")),
        (Receive, Prepared) => StepDecision::Refuse(format!("Shipment {id} has not been shipped yet.")),
        (Cancel, Shipped | Received) => {
            StepDecision::Refuse(format!("Shipment {id} has left already: it can no longer be cancelled."))
        }
    }
}

/// Shipments to or from a store (or all), optionally of one status, newest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShipmentQuery {
    pub magasin: Option<StoreId>,
    pub statut: Option<ShipmentStatus>,
    pub cursor: CursorRequest,
}

/// A shipment and whether the call changed it (false: the step had been taken, or the
/// transfer's key replayed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShipmentOutcome {
    pub shipment: Shipment,
    pub changed: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn shipment(lines: &[(i64, i64)]) -> Shipment {
        Shipment {
            id: ShipmentId(1),
            origine: Location::Warehouse,
            magasin: StoreId(2),
            magasin_nom: "B".into(),
            demande: None,
            statut: ShipmentStatus::Shipped,
            date: Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
            auteur: "a".into(),
            date_expedition: None,
            expediteur: None,
            date_reception: None,
            receptionnaire: None,
            date_annulation: None,
            annule_par: None,
            lignes: lines
                .iter()
                .zip(1..)
                .map(|(&(p, q), ligne)| ShipmentLine {
                    ligne,
                    produit: ProductId(p),
                    produit_nom: String::new(),
                    quantite: q,
                    manquante: None,
                    endommagee: None,
                })
                .collect(),
        }
    }

    #[test]
    fn every_step_happens_once_and_in_order() {
        use ShipmentStatus::*;
        use ShipmentStep::*;
        let id = ShipmentId(7);
        assert_eq!(decide_step(id, Prepared, Ship), StepDecision::Take);
        assert_eq!(decide_step(id, Shipped, Ship), StepDecision::AlreadyTaken);
        assert_eq!(decide_step(id, Shipped, Receive), StepDecision::Take);
        assert_eq!(decide_step(id, Received, Receive), StepDecision::AlreadyTaken);
        assert_eq!(decide_step(id, Prepared, Cancel), StepDecision::Take);
        assert_eq!(decide_step(id, Cancelled, Cancel), StepDecision::AlreadyTaken);
        assert!(
            matches!(decide_step(id, Prepared, Receive), StepDecision::Refuse(m) if m.contains("not been shipped"))
        );
        assert!(matches!(decide_step(id, Shipped, Cancel), StepDecision::Refuse(m) if m.contains("no longer")));
        assert!(matches!(decide_step(id, Cancelled, Ship), StepDecision::Refuse(_)));
    }

    #[test]
    fn a_reception_names_the_gap_of_each_line_and_the_rest_arrived() {
        let s = shipment(&[(1, 5), (2, 3)]);
        let report = [ReceivedLine { produit: ProductId(2), manquante: 1, endommagee: 2 }];
        assert_eq!(validate_reception(&report, &s).unwrap(), vec![(1, 0, 0), (2, 1, 2)]);
        assert_eq!(validate_reception(&[], &s).unwrap(), vec![(1, 0, 0), (2, 0, 0)]);
    }

    #[test]
    fn a_reception_cannot_lose_more_than_was_shipped() {
        let s = shipment(&[(1, 5)]);
        let errors = |report: &[ReceivedLine]| validate_reception(report, &s).unwrap_err().to_string();
        let line = |manquante, endommagee| ReceivedLine { produit: ProductId(1), manquante, endommagee };
        assert!(errors(&[line(6, 0)]).contains("lignes[0].manquante"));
        assert!(errors(&[line(-1, 0)]).contains("lignes[0].manquante"));
        assert!(errors(&[line(3, 3)]).contains("lignes[0].endommagee"));
        assert!(errors(&[line(0, 0), line(1, 0)]).contains("lignes[1].produit"));
        let unknown = ReceivedLine { produit: ProductId(9), manquante: 0, endommagee: 0 };
        assert!(errors(&[unknown]).contains("lignes[0].produit"));
        assert_eq!(validate_reception(&[line(3, 2)], &s).unwrap(), vec![(1, 3, 2)]);
    }

    #[test]
    fn a_transfer_goes_to_another_store() {
        let at = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        let line = RequestLine { produit: ProductId(1), quantite: 2 };
        let same = NewTransfer { origine: StoreId(1), magasin: StoreId(1), lignes: vec![line], at };
        assert!(validate_transfer(same).unwrap_err().to_string().contains("magasin"));
        let empty = NewTransfer { origine: StoreId(1), magasin: StoreId(2), lignes: vec![], at };
        assert!(validate_transfer(empty).unwrap_err().to_string().contains("lignes"));
        let good = NewTransfer { origine: StoreId(1), magasin: StoreId(2), lignes: vec![line], at };
        assert_eq!(validate_transfer(good.clone()).unwrap(), good);
    }
}
