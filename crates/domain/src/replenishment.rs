//! Replenishment: a store asks the warehouse for goods; logistics approves (the goods move,
//! exactly once) or rejects.

use crate::ids::{ProductId, ReplenishmentId, StoreId};
use crate::paging::CursorRequest;
use crate::validation::{ValidationCode, ValidationErrors};
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, BTreeSet};

/// Largest quantity one request line may ask for.
pub const MAX_REQUEST_QUANTITY: i64 = 1_000_000;
/// Most lines one request may carry: a store's whole catalogue, twice over.
pub const MAX_REQUEST_LINES: usize = 5_000;

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

/// One product asked for, and how many.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestLine {
    pub produit: ProductId,
    pub quantite: i64,
}

/// Where a request came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RequestOrigin {
    /// Typed by a person.
    #[default]
    Manual,
    /// Made from the suggestions, once per store and day.
    Suggestion,
    /// Raised by magasin after a sale took a product with an automatic rule below its minimum.
    Automatic,
}

impl RequestOrigin {
    pub const ALL: [RequestOrigin; 3] = [Self::Manual, Self::Suggestion, Self::Automatic];

    pub fn as_str(self) -> &'static str {
        match self {
            RequestOrigin::Manual => "manuelle",
            RequestOrigin::Suggestion => "suggestion",
            RequestOrigin::Automatic => "automatique",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|o| o.as_str() == text)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewReplenishment {
    pub magasin: StoreId,
    /// At least one; each product once.
    pub lignes: Vec<RequestLine>,
    pub at: DateTime<Utc>,
}

impl NewReplenishment {
    /// A request for one product, as the lab writes it.
    pub fn one(magasin: StoreId, produit: ProductId, quantite: i64, at: DateTime<Utc>) -> Self {
        Self { magasin, lignes: vec![RequestLine { produit, quantite }], at }
    }
}

/// How the request was written: the lab's one product (fields `produit`, `quantite`) or lines
/// (fields `lignes[i].produit`, `lignes[i].quantite`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestForm {
    Lab,
    Lines,
}

/// A request asks for 1 to [`MAX_REQUEST_LINES`] products, each once, each a positive, bounded
/// quantity.
pub fn validate_request(request: NewReplenishment, form: RequestForm) -> Result<NewReplenishment, ValidationErrors> {
    let mut errors = ValidationErrors::new();
    if request.lignes.is_empty() || request.lignes.len() > MAX_REQUEST_LINES {
        errors.add("lignes", ValidationCode::RequestLineCount { max: MAX_REQUEST_LINES });
    }
    let mut seen = BTreeSet::new();
    for (i, line) in request.lignes.iter().enumerate() {
        let field = |name: &str| match form {
            RequestForm::Lab => name.to_string(),
            RequestForm::Lines => format!("lignes[{i}].{name}"),
        };
        if !seen.insert(line.produit) {
            errors.add(field("produit"), ValidationCode::Duplicate);
        }
        if !(1..=MAX_REQUEST_QUANTITY).contains(&line.quantite) {
            errors.add(field("quantite"), ValidationCode::OutOfRange { min: 1, max: MAX_REQUEST_QUANTITY });
        }
    }
    errors.into_result(request)
}

/// A line of a request: what was asked, and what approval granted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplenishmentLine {
    /// From 1, in the order asked.
    pub ligne: i64,
    pub produit: ProductId,
    pub produit_nom: String,
    pub quantite: i64,
    /// What moved (or, with goods in transit, was reserved); none while pending, 0 on a refusal.
    pub accordee: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replenishment {
    pub id: ReplenishmentId,
    /// The first line's product, quantity and name, as the lab reads a request.
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
    pub origine: RequestOrigin,
    /// The shipment that delivers it, when approval reserved the goods rather than moving them.
    pub expedition: Option<crate::ids::ShipmentId>,
    /// Every line, the first included.
    pub lignes: Vec<ReplenishmentLine>,
}

impl Replenishment {
    /// Approved with less than asked on some line.
    pub fn is_partial(&self) -> bool {
        self.statut == ReplenishmentStatus::Approved && self.lignes.iter().any(|l| l.accordee < Some(l.quantite))
    }
}

/// How logistics approves: the lab's way (every line in full, or the request is refused for
/// lack of stock), or with terms: some lines granted less than asked (`lignes`, by product;
/// the others in full) and, with `what_is_available`, each line capped by what the warehouse
/// holds. With terms, a shortfall leaves the request pending (a conflict, nothing written).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ApprovalTerms {
    pub lignes: Vec<RequestLine>,
    pub what_is_available: bool,
    /// Reserve the granted goods at the warehouse and prepare their shipment (goods in
    /// transit), rather than moving them into the store at once.
    pub via_transit: bool,
}

impl ApprovalTerms {
    /// The lab's approval: no terms.
    pub fn lab() -> Self {
        Self::default()
    }

    pub fn is_lab(&self) -> bool {
        self.lignes.is_empty() && !self.what_is_available
    }
}

/// Checks terms against the request's lines: each product once and on the request, each grant
/// from 0 to what its line asked. Fields are `lignes[i].produit` and `lignes[i].quantite`.
pub fn validate_terms(terms: ApprovalTerms, request: &Replenishment) -> Result<ApprovalTerms, ValidationErrors> {
    let mut errors = ValidationErrors::new();
    if terms.lignes.len() > MAX_REQUEST_LINES {
        errors.add("lignes", ValidationCode::RequestLineCount { max: MAX_REQUEST_LINES });
    }
    let mut seen = BTreeSet::new();
    for (i, grant) in terms.lignes.iter().enumerate() {
        let field = |name: &str| format!("lignes[{i}].{name}");
        let Some(line) = request.lignes.iter().find(|l| l.produit == grant.produit) else {
            let choices = request.lignes.iter().map(|l| l.produit.0.to_string()).collect();
            errors.add(field("produit"), ValidationCode::NotAChoice { choices });
            continue;
        };
        if !seen.insert(grant.produit) {
            errors.add(field("produit"), ValidationCode::Duplicate);
        }
        if !(0..=line.quantite).contains(&grant.quantite) {
            errors.add(field("quantite"), ValidationCode::OutOfRange { min: 0, max: line.quantite });
        }
    }
    let zero = |l: &ReplenishmentLine| terms.lignes.iter().any(|g| g.produit == l.produit && g.quantite == 0);
    if errors.0.is_empty() && request.lignes.iter().all(zero) {
        errors.add("lignes", ValidationCode::NotZero);
    }
    errors.into_result(terms)
}

/// A line the warehouse cannot serve in full.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shortfall {
    pub produit_nom: String,
    pub available: i64,
    pub requested: i64,
}

/// What approving gives each line, in the request's order, from what the warehouse holds of
/// each product (`available`, by product; absent is 0). `Err` lists the lines short of stock
/// when the terms do not take what is available, or when nothing at all could be granted.
pub fn grants(
    lines: &[ReplenishmentLine],
    terms: &ApprovalTerms,
    available: &BTreeMap<ProductId, i64>,
) -> Result<Vec<i64>, Vec<Shortfall>> {
    let wanted = lines.iter().map(|line| {
        let asked = terms.lignes.iter().find(|g| g.produit == line.produit).map_or(line.quantite, |g| g.quantite);
        (line, asked, available.get(&line.produit).copied().unwrap_or(0).max(0))
    });
    let (mut granted, mut short) = (Vec::with_capacity(lines.len()), Vec::new());
    for (line, asked, held) in wanted {
        if held < asked {
            short.push(Shortfall { produit_nom: line.produit_nom.clone(), available: held, requested: asked });
        }
        granted.push(if terms.what_is_available { asked.min(held) } else { asked });
    }
    if !short.is_empty() && (!terms.what_is_available || granted.iter().all(|&g| g == 0)) {
        return Err(short);
    }
    Ok(granted)
}

/// How an approval ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApprovalOutcome {
    /// The goods moved from the warehouse to the store (each line as granted).
    Approved(Replenishment),
    /// The warehouse lacked the quantity: the request is now refused, and says why.
    RefusedForLackOfStock { request: Replenishment, available: i64 },
}

/// The refusal reason written on a request the warehouse could not serve: the lab's sentence
/// for one line, one clause per product short for several.
pub fn shortage_reason(short: &[Shortfall], lines: usize) -> String {
    match short {
        [one] if lines == 1 => {
            format!("Stock central insuffisant : {} disponible(s), {} demandé(s).", one.available, one.requested)
        }
        _ => {
            let clauses: Vec<String> = short
                .iter()
                .map(|s| format!("{} : {} disponible(s), {} demandé(s)", s.produit_nom, s.available, s.requested))
                .collect();
            format!("Stock central insuffisant — {}.", clauses.join(" ; "))
        }
    }
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

    fn one(produit: i64, quantite: i64) -> NewReplenishment {
        NewReplenishment { magasin: StoreId(1), lignes: vec![line(produit, quantite)], at: Utc::now() }
    }

    fn line(produit: i64, quantite: i64) -> RequestLine {
        RequestLine { produit: ProductId(produit), quantite }
    }

    fn asked(lines: &[(i64, i64)]) -> Vec<ReplenishmentLine> {
        lines
            .iter()
            .enumerate()
            .map(|(i, &(p, q))| ReplenishmentLine {
                ligne: i as i64 + 1,
                produit: ProductId(p),
                produit_nom: format!("P{p}"),
                quantite: q,
                accordee: None,
            })
            .collect()
    }

    fn held(stock: &[(i64, i64)]) -> BTreeMap<ProductId, i64> {
        stock.iter().map(|&(p, q)| (ProductId(p), q)).collect()
    }

    #[test]
    fn quantity_must_be_positive() {
        assert!(validate_request(one(1, 0), RequestForm::Lab).is_err());
        assert!(validate_request(one(1, -3), RequestForm::Lab).is_err());
        assert!(validate_request(one(1, MAX_REQUEST_QUANTITY + 1), RequestForm::Lab).is_err());
        assert!(validate_request(one(1, 5), RequestForm::Lab).is_ok());
    }

    #[test]
    fn lines_are_named_by_their_place_and_each_product_comes_once() {
        let mut request = one(1, 5);
        request.lignes.extend([line(2, 0), line(1, 3)]);
        let errors = validate_request(request, RequestForm::Lines).unwrap_err();
        let fields: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["lignes[1].quantite", "lignes[2].produit"]);
        let empty = NewReplenishment { lignes: vec![], ..one(1, 1) };
        assert_eq!(validate_request(empty, RequestForm::Lines).unwrap_err().0[0].field, "lignes");
    }

    #[test]
    fn the_lab_approval_grants_everything_or_names_the_shortfall() {
        let lines = asked(&[(1, 10), (2, 4)]);
        assert_eq!(grants(&lines, &ApprovalTerms::lab(), &held(&[(1, 10), (2, 9)])), Ok(vec![10, 4]));
        let short = grants(&lines, &ApprovalTerms::lab(), &held(&[(1, 3), (2, 9)])).unwrap_err();
        assert_eq!(short, vec![Shortfall { produit_nom: "P1".into(), available: 3, requested: 10 }]);
        assert_eq!(shortage_reason(&short, 2), "Stock central insuffisant — P1 : 3 disponible(s), 10 demandé(s).");
        assert_eq!(shortage_reason(&short, 1), "Stock central insuffisant : 3 disponible(s), 10 demandé(s).");
    }

    #[test]
    fn terms_grant_less_or_what_is_available() {
        let lines = asked(&[(1, 10), (2, 4)]);
        let less = ApprovalTerms { lignes: vec![line(1, 2)], what_is_available: false, via_transit: false };
        assert_eq!(grants(&lines, &less, &held(&[(1, 3), (2, 4)])), Ok(vec![2, 4]));
        assert!(grants(&lines, &less, &held(&[(1, 1), (2, 4)])).is_err());
        let available = ApprovalTerms { lignes: vec![], what_is_available: true, via_transit: false };
        assert_eq!(grants(&lines, &available, &held(&[(1, 3)])), Ok(vec![3, 0]));
        assert!(grants(&lines, &available, &held(&[])).is_err(), "nothing to grant is a refusal");
    }

    #[test]
    fn terms_must_name_the_requests_products_within_what_they_asked() {
        let request = Replenishment {
            id: ReplenishmentId(1),
            produit: ProductId(1),
            produit_nom: "P1".into(),
            magasin: StoreId(1),
            magasin_nom: "M".into(),
            quantite: 10,
            date: Utc::now(),
            statut: ReplenishmentStatus::Pending,
            date_decision: None,
            motif: None,
            demandeur: "x".into(),
            decideur: None,
            origine: RequestOrigin::Manual,
            expedition: None,
            lignes: asked(&[(1, 10), (2, 4)]),
        };
        let terms = |lignes| ApprovalTerms { lignes, what_is_available: false, via_transit: false };
        assert!(validate_terms(terms(vec![line(1, 0), line(2, 4)]), &request).is_ok());
        let nothing = validate_terms(terms(vec![line(1, 0), line(2, 0)]), &request).unwrap_err();
        assert_eq!(nothing.0[0].field, "lignes", "granting nothing is a rejection");
        let errors = validate_terms(terms(vec![line(3, 1), line(2, 5), line(2, 1)]), &request).unwrap_err();
        let fields: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["lignes[0].produit", "lignes[1].quantite", "lignes[2].produit"]);
    }

    #[test]
    fn statuses_and_origins_are_the_labs_words() {
        assert_eq!(ReplenishmentStatus::parse("approuvée"), Some(ReplenishmentStatus::Approved));
        assert_eq!(ReplenishmentStatus::parse("approuvee"), None);
        assert_eq!(RequestOrigin::parse("automatique"), Some(RequestOrigin::Automatic));
    }
}
