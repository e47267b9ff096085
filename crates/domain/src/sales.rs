//! Sales: a sale has one or more lines, is recorded atomically, and can be cancelled once.

use crate::ids::{ProductId, SaleId, StoreId};
use crate::money::{MAX_PRICE, Money};
use crate::paging::CursorRequest;
use crate::validation::{ValidationCode, ValidationErrors};
use chrono::{DateTime, NaiveDate, Utc};

/// Most lines one sale may have.
pub const MAX_LINES: usize = 100;
/// Largest quantity on one line.
pub const MAX_LINE_QUANTITY: i64 = 1_000_000;
/// Largest total of one sale, at the prices of the moment of sale: the largest price, so one
/// unit of any product always sells. `i64::MAX / MAX_SALE_TOTAL` = 922,337,203: that many sales
/// at this total fit in one aggregate row (a store's, or a store and product's, figures in
/// cents), so no realistic history overflows them (docs/api.md).
pub const MAX_SALE_TOTAL: Money = MAX_PRICE;
const _: () = assert!(i64::MAX / MAX_SALE_TOTAL.0 > 900_000_000, "room for 9 × 10^8 sales at the bound");
/// Longest idempotency key.
pub const MAX_IDEMPOTENCY_KEY_CHARS: usize = 200;

/// One requested line: which product, how many.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineRequest {
    pub produit: ProductId,
    pub quantite: i64,
}

/// Largest amount a customer may tender in cash: ten times the largest sale.
pub const MAX_TENDERED: Money = Money(MAX_SALE_TOTAL.0 * 10);

/// How a sale was paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaymentMethod {
    Cash,
    Card,
    Other,
}

impl PaymentMethod {
    pub const ALL: [PaymentMethod; 3] = [Self::Cash, Self::Card, Self::Other];

    pub fn as_str(self) -> &'static str {
        match self {
            PaymentMethod::Cash => "especes",
            PaymentMethod::Card => "carte",
            PaymentMethod::Other => "autre",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.as_str() == text)
    }

    /// The methods as a validation code's choices.
    pub fn choices() -> ValidationCode {
        ValidationCode::NotAChoice { choices: Self::ALL.iter().map(|m| m.as_str().to_string()).collect() }
    }
}

/// The payment a till sends with a sale: the method and, for cash, what the customer handed over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Payment {
    pub mode: PaymentMethod,
    pub montant_remis: Option<Money>,
}

/// A sale's payment as recorded: for cash, what was tendered and the change given back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PaymentRecord {
    pub mode: PaymentMethod,
    pub montant_remis: Option<Money>,
    pub rendu: Option<Money>,
}

/// Checks a payment's shape (field `paiement.montant_remis`): an amount tendered is for cash,
/// from 0 to [`MAX_TENDERED`].
fn check_payment(payment: &Payment, errors: &mut ValidationErrors) {
    let field = "paiement.montant_remis";
    match (payment.mode, payment.montant_remis) {
        (PaymentMethod::Cash, Some(given)) if given < Money::ZERO || given > MAX_TENDERED => {
            errors.add(field, ValidationCode::TooHigh { max: MAX_TENDERED });
        }
        (PaymentMethod::Card | PaymentMethod::Other, Some(_)) => errors.add(field, ValidationCode::CashOnly),
        _ => {}
    }
}

/// The payment of a sale totalling `total`: cash tendered below the total is refused (field
/// `paiement.montant_remis`), otherwise the change is what was tendered beyond it.
pub fn settle(payment: &Payment, total: Money) -> Result<PaymentRecord, ValidationErrors> {
    let rendu = match payment.montant_remis {
        Some(given) if given < total => {
            return Err(ValidationErrors::single(
                "paiement.montant_remis",
                ValidationCode::TenderedBelowTotal { total },
            ));
        }
        Some(given) => Some(Money(given.0 - total.0)),
        None => None,
    };
    Ok(PaymentRecord { mode: payment.mode, montant_remis: payment.montant_remis, rendu })
}

/// What one store's sales of one day came to for one payment method (`None`: sales recorded
/// without a payment).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PaymentTotal {
    pub mode: Option<PaymentMethod>,
    pub ventes: i64,
    pub montant: Money,
}

/// A sale as a till submits it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaleRequest {
    pub magasin: StoreId,
    pub lignes: Vec<LineRequest>,
    /// How it is paid, when the till says.
    pub paiement: Option<Payment>,
}

impl SaleRequest {
    /// What makes two submissions "the same sale" for an idempotency key: the SHA-256 (hex) of
    /// `{"magasin":…,"lignes":[{"produit":…,"quantite":…},…]}`, the request's canonical JSON
    /// (the bytes the API has always hashed, so keys stored before keep matching their retries).
    pub fn fingerprint(&self) -> String {
        use sha2::{Digest, Sha256};
        let lines: Vec<String> =
            self.lignes.iter().map(|l| format!(r#"{{"produit":{},"quantite":{}}}"#, l.produit, l.quantite)).collect();
        // A payment joins the canonical form only when there is one, so that keys of sales sent
        // without one keep their fingerprints.
        let payment = self.paiement.map_or(String::new(), |p| {
            let given = p.montant_remis.map_or("null".to_string(), |m| m.0.to_string());
            format!(r#","paiement":{{"mode":"{}","montant_remis":{given}}}"#, p.mode.as_str())
        });
        let canonical = format!(r#"{{"magasin":{},"lignes":[{}]{payment}}}"#, self.magasin, lines.join(","));
        Sha256::digest(canonical.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// A till's retry key and the fingerprint of the request it was first sent with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey {
    pub key: String,
    pub fingerprint: String,
}

impl IdempotencyKey {
    /// `key`, for `request`.
    pub fn new(key: String, request: &SaleRequest) -> Self {
        IdempotencyKey { key, fingerprint: request.fingerprint() }
    }
}

/// A checked sale, ready to be recorded at `at`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidSale {
    pub magasin: StoreId,
    pub lignes: Vec<LineRequest>,
    pub paiement: Option<Payment>,
    pub at: DateTime<Utc>,
    pub idempotency: Option<IdempotencyKey>,
}

/// Checks the shape of a sale; stock and prices are checked by the storage, atomically.
pub fn validate_sale(
    request: SaleRequest,
    at: DateTime<Utc>,
    idempotency: Option<IdempotencyKey>,
) -> Result<ValidSale, ValidationErrors> {
    let mut errors = ValidationErrors::new();
    if request.lignes.is_empty() {
        errors.add("lignes", ValidationCode::NoLines);
    }
    if request.lignes.len() > MAX_LINES {
        errors.add("lignes", ValidationCode::TooManyLines { max: MAX_LINES });
    }
    check_line_quantities(request.lignes.iter().map(|l| l.quantite), &mut errors);
    check_idempotency_key(idempotency.as_ref(), &mut errors);
    if let Some(payment) = &request.paiement {
        check_payment(payment, &mut errors);
    }
    let sale =
        ValidSale { magasin: request.magasin, lignes: request.lignes, paiement: request.paiement, at, idempotency };
    errors.into_result(sale)
}

/// Each line's quantity is 1 to [`MAX_LINE_QUANTITY`] (field `lignes[i].quantite`).
pub fn check_line_quantities(quantities: impl Iterator<Item = i64>, errors: &mut ValidationErrors) {
    for (i, quantite) in quantities.enumerate() {
        if !(1..=MAX_LINE_QUANTITY).contains(&quantite) {
            errors.add(format!("lignes[{i}].quantite"), ValidationCode::OutOfRange { min: 1, max: MAX_LINE_QUANTITY });
        }
    }
}

/// An idempotency key is 1 to [`MAX_IDEMPOTENCY_KEY_CHARS`] characters, none a control character.
pub fn check_idempotency_key(key: Option<&IdempotencyKey>, errors: &mut ValidationErrors) {
    if let Some(key) = key {
        let chars = key.key.chars().count();
        if chars == 0 || chars > MAX_IDEMPOTENCY_KEY_CHARS || key.key.chars().any(char::is_control) {
            errors.add("Idempotency-Key", ValidationCode::BadKey { max: MAX_IDEMPOTENCY_KEY_CHARS });
        }
    }
}

/// The total of a sale's priced lines, refused (field `lignes`) above [`MAX_SALE_TOTAL`]. The
/// storage applies it inside the sale's transaction, to the prices it reads there.
pub fn sale_total(lignes: &[SaleLine]) -> Result<Money, ValidationErrors> {
    lignes
        .iter()
        .try_fold(Money::ZERO, |total, line| line.prix_unitaire.times(line.quantite).and_then(|a| total.checked_add(a)))
        .filter(|total| *total <= MAX_SALE_TOTAL)
        .ok_or_else(|| ValidationErrors::single("lignes", ValidationCode::SaleTotalTooHigh { max: MAX_SALE_TOTAL }))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SaleStatus {
    Recorded,
    Cancelled,
}

impl SaleStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            SaleStatus::Recorded => "validée",
            SaleStatus::Cancelled => "annulée",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "validée" => Some(SaleStatus::Recorded),
            "annulée" => Some(SaleStatus::Cancelled),
            _ => None,
        }
    }
}

/// A recorded line: the unit price is the product's price at the moment of sale.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaleLine {
    pub produit: ProductId,
    pub produit_nom: String,
    pub quantite: i64,
    pub prix_unitaire: Money,
}

impl SaleLine {
    /// Quantity × unit price; a recorded line is within [`MAX_SALE_TOTAL`], so this saturates
    /// (at [`Money::MAX`]) only for lines that were never accepted.
    pub fn amount(&self) -> Money {
        self.prix_unitaire.times(self.quantite).unwrap_or(Money::MAX)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sale {
    pub id: SaleId,
    pub magasin: StoreId,
    pub magasin_nom: String,
    pub date_vente: DateTime<Utc>,
    pub total: Money,
    pub statut: SaleStatus,
    pub date_annulation: Option<DateTime<Utc>>,
    pub lignes: Vec<SaleLine>,
    /// Who recorded it.
    pub acteur: String,
    /// Who cancelled it, when it was.
    pub annulee_par: Option<String>,
    /// How it was paid, when the till said.
    pub paiement: Option<PaymentRecord>,
}

/// What recording a sale gave: the sale, and whether it was an idempotent replay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedSale {
    pub sale: Sale,
    pub replayed: bool,
    /// The sold products whose automatic reordering rule the sale left below its minimum (read
    /// with the stock it locked): the store may need an automatic request. Empty for a replay.
    pub below_automatic_minimum: Vec<ProductId>,
}

/// Filters of the sales history, newest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaleQuery {
    pub magasin: Option<StoreId>,
    /// First day included (UTC).
    pub from: Option<NaiveDate>,
    /// Last day included (UTC).
    pub to: Option<NaiveDate>,
    pub cursor: CursorRequest,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(p: i64, q: i64) -> LineRequest {
        LineRequest { produit: ProductId(p), quantite: q }
    }

    #[test]
    fn a_sale_needs_lines_with_positive_quantities() {
        let at = Utc::now();
        let empty = SaleRequest { magasin: StoreId(1), lignes: vec![], paiement: None };
        assert_eq!(validate_sale(empty, at, None).unwrap_err().0[0].field, "lignes");
        let zero = SaleRequest { magasin: StoreId(1), lignes: vec![line(1, 2), line(2, 0)], paiement: None };
        assert_eq!(validate_sale(zero, at, None).unwrap_err().0[0].field, "lignes[1].quantite");
        let huge = SaleRequest { magasin: StoreId(1), lignes: vec![line(1, MAX_LINE_QUANTITY + 1)], paiement: None };
        assert!(validate_sale(huge, at, None).is_err());
        let ok = SaleRequest { magasin: StoreId(1), lignes: vec![line(1, 2), line(2, 1)], paiement: None };
        assert_eq!(validate_sale(ok, at, None).unwrap().lignes.len(), 2);
    }

    #[test]
    fn idempotency_keys_are_bounded() {
        let at = Utc::now();
        let request = SaleRequest { magasin: StoreId(1), lignes: vec![line(1, 1)], paiement: None };
        let key = |k: &str| Some(IdempotencyKey { key: k.into(), fingerprint: "f".into() });
        assert!(validate_sale(request.clone(), at, key("till-1-42")).is_ok());
        assert!(validate_sale(request.clone(), at, key("")).is_err());
        assert!(validate_sale(request, at, key(&"k".repeat(201))).is_err());
    }

    #[test]
    fn the_fingerprint_is_the_sha256_of_the_canonical_json() {
        let request = SaleRequest { magasin: StoreId(1), lignes: vec![line(1, 2), line(4, 1)], paiement: None };
        // sha256 of {"magasin":1,"lignes":[{"produit":1,"quantite":2},{"produit":4,"quantite":1}]}
        assert_eq!(request.fingerprint(), "af3189c09b507999fae153b7fede5074326932d0100ae9e3ac6dccb57b50d553");
        let mut other = request.clone();
        other.lignes[1].quantite = 2;
        assert_ne!(request.fingerprint(), other.fingerprint());
        let negative = SaleRequest { magasin: StoreId(-1), lignes: vec![line(-3, -2)], paiement: None };
        assert_ne!(negative.fingerprint(), request.fingerprint());
    }

    #[test]
    fn a_payment_keeps_old_fingerprints_and_gives_change() {
        let request = SaleRequest { magasin: StoreId(1), lignes: vec![line(1, 2), line(4, 1)], paiement: None };
        let cash = Payment { mode: PaymentMethod::Cash, montant_remis: Some(Money(2000)) };
        let paid = SaleRequest { paiement: Some(cash), ..request.clone() };
        assert_ne!(paid.fingerprint(), request.fingerprint(), "a payment is part of the sale");
        assert_eq!(request.fingerprint(), "af3189c09b507999fae153b7fede5074326932d0100ae9e3ac6dccb57b50d553");
        let record = settle(&cash, Money(1250)).unwrap();
        assert_eq!((record.rendu, record.montant_remis), (Some(Money(750)), Some(Money(2000))));
        let short = settle(&cash, Money(2001)).unwrap_err();
        assert_eq!(short.0[0].code, ValidationCode::TenderedBelowTotal { total: Money(2001) });
        let card = Payment { mode: PaymentMethod::Card, montant_remis: None };
        assert_eq!(settle(&card, Money(5)).unwrap().rendu, None);
        let card_with_cash =
            SaleRequest { paiement: Some(Payment { montant_remis: Some(Money(1)), ..card }), ..request };
        let refused = validate_sale(card_with_cash, Utc::now(), None).unwrap_err();
        assert_eq!(
            (refused.0[0].field.as_str(), &refused.0[0].code),
            ("paiement.montant_remis", &ValidationCode::CashOnly)
        );
        assert_eq!(PaymentMethod::parse("carte"), Some(PaymentMethod::Card));
    }

    #[test]
    fn a_line_amount_is_quantity_times_unit_price() {
        let l = SaleLine { produit: ProductId(1), produit_nom: "A".into(), quantite: 3, prix_unitaire: Money(250) };
        assert_eq!(l.amount(), Money(750));
    }

    #[test]
    fn a_sale_totals_at_most_the_largest_price() {
        let priced =
            |quantite, prix| SaleLine { produit: ProductId(1), produit_nom: "A".into(), quantite, prix_unitaire: prix };
        assert_eq!(sale_total(&[priced(1, MAX_SALE_TOTAL)]), Ok(MAX_SALE_TOTAL));
        assert_eq!(sale_total(&[priced(3, Money(250)), priced(2, Money(100))]), Ok(Money(950)));
        let refused = ValidationErrors::single("lignes", ValidationCode::SaleTotalTooHigh { max: MAX_SALE_TOTAL });
        assert_eq!(sale_total(&[priced(1, MAX_SALE_TOTAL), priced(1, Money(1))]), Err(refused.clone()));
        assert_eq!(sale_total(&[priced(MAX_LINE_QUANTITY, MAX_PRICE)]), Err(refused.clone()));
        let overflowing = vec![priced(MAX_LINE_QUANTITY, MAX_PRICE); MAX_LINES];
        assert_eq!(sale_total(&overflowing), Err(refused));
    }

    #[test]
    fn statuses_round_trip() {
        for s in [SaleStatus::Recorded, SaleStatus::Cancelled] {
            assert_eq!(SaleStatus::parse(s.as_str()), Some(s));
        }
    }
}
