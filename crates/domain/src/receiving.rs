//! Goods received at the warehouse (réceptions): a supplier's delivery note and its lines. One
//! transaction raises the warehouse's stock and appends a ledger row per line (reason
//! `reception`, the receipt as source); an idempotency key makes a retry replay the receipt.

use crate::accounts::parse_label;
use crate::ids::{ProductId, PurchaseOrderId, ReceiptId};
use crate::paging::CursorRequest;
use crate::sales::{IdempotencyKey, MAX_LINES, check_idempotency_key, check_line_quantities};
use crate::validation::{ValidationCode, ValidationErrors};
use chrono::{DateTime, NaiveDate, Utc};

/// Longest supplier name.
pub const MAX_SUPPLIER_CHARS: usize = 200;
/// Longest delivery-note reference.
pub const MAX_REFERENCE_CHARS: usize = 100;

/// One received line: which product, how many units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReceiptLineRequest {
    pub produit: ProductId,
    pub quantite: i64,
}

/// A delivery as the warehouse records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiptRequest {
    pub fournisseur: String,
    pub bon_livraison: String,
    pub lignes: Vec<ReceiptLineRequest>,
    /// The purchase order it delivers, if any.
    pub commande: Option<PurchaseOrderId>,
}

impl ReceiptRequest {
    /// What makes two submissions "the same receipt" for an idempotency key: the SHA-256 (hex) of
    /// its supplier and reference (quoted and escaped), its lines, in order, and its purchase
    /// order when it has one (a receipt without one hashes as it always has).
    pub fn fingerprint(&self) -> String {
        use sha2::{Digest, Sha256};
        let lines: Vec<String> = self.lignes.iter().map(|l| format!("[{},{}]", l.produit, l.quantite)).collect();
        let mut canonical = format!("{:?}|{:?}|[{}]", self.fournisseur, self.bon_livraison, lines.join(","));
        if let Some(order) = self.commande {
            canonical.push_str(&format!("|{order}"));
        }
        Sha256::digest(canonical.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// A checked receipt, ready to be recorded at `at`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidReceipt {
    pub fournisseur: String,
    pub bon_livraison: String,
    pub lignes: Vec<ReceiptLineRequest>,
    pub commande: Option<PurchaseOrderId>,
    pub at: DateTime<Utc>,
    pub idempotency: Option<IdempotencyKey>,
}

/// Checks a receipt's shape: a supplier and a reference (trimmed, no control character), 1 to
/// [`MAX_LINES`] lines of 1 to [`crate::sales::MAX_LINE_QUANTITY`] units. Products are checked by the storage.
pub fn validate_receipt(
    request: ReceiptRequest,
    at: DateTime<Utc>,
    idempotency: Option<IdempotencyKey>,
) -> Result<ValidReceipt, ValidationErrors> {
    let mut errors = ValidationErrors::new();
    let fournisseur = parse_label(&request.fournisseur, MAX_SUPPLIER_CHARS).map_err(|c| errors.add("fournisseur", c));
    let bon_livraison =
        parse_label(&request.bon_livraison, MAX_REFERENCE_CHARS).map_err(|c| errors.add("bon_livraison", c));
    if request.lignes.is_empty() || request.lignes.len() > MAX_LINES {
        errors.add("lignes", ValidationCode::ReceiptLineCount { max: MAX_LINES });
    }
    check_line_quantities(request.lignes.iter().map(|l| l.quantite), &mut errors);
    check_idempotency_key(idempotency.as_ref(), &mut errors);
    match (fournisseur, bon_livraison) {
        (Ok(fournisseur), Ok(bon_livraison)) => {
            let commande = request.commande;
            errors.into_result(ValidReceipt {
                fournisseur,
                bon_livraison,
                lignes: request.lignes,
                commande,
                at,
                idempotency,
            })
        }
        _ => Err(errors),
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiptLine {
    pub produit: ProductId,
    pub produit_nom: String,
    pub quantite: i64,
}

/// A recorded receipt: who received what, when, from whom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    pub id: ReceiptId,
    pub fournisseur: String,
    pub bon_livraison: String,
    pub date: DateTime<Utc>,
    pub acteur: String,
    pub lignes: Vec<ReceiptLine>,
    /// The purchase order it delivered, if any.
    pub commande: Option<PurchaseOrderId>,
}

/// A receipt, and whether it was recorded by an earlier request with the same key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedReceipt {
    pub receipt: Receipt,
    pub replayed: bool,
}

/// Filters of the receipts, newest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiptQuery {
    /// Receipts with a line of this product.
    pub produit: Option<ProductId>,
    /// First day included (UTC).
    pub from: Option<NaiveDate>,
    /// Last day included (UTC).
    pub to: Option<NaiveDate>,
    pub cursor: CursorRequest,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(fournisseur: &str, lignes: &[(i64, i64)]) -> ReceiptRequest {
        ReceiptRequest {
            fournisseur: fournisseur.into(),
            bon_livraison: "BL-1".into(),
            lignes: lignes.iter().map(|&(p, q)| ReceiptLineRequest { produit: ProductId(p), quantite: q }).collect(),
            commande: None,
        }
    }

    #[test]
    fn a_receipt_needs_a_supplier_a_reference_and_positive_lines() {
        let at = Utc::now();
        let fields = |r| validate_receipt(r, at, None).unwrap_err().0.into_iter().map(|e| e.field).collect::<Vec<_>>();
        assert_eq!(fields(request(" ", &[(1, 2)])), ["fournisseur"]);
        assert_eq!(fields(request("Acme", &[])), ["lignes"]);
        assert_eq!(
            fields(request("Acme", &[(1, 0), (2, crate::sales::MAX_LINE_QUANTITY + 1)])),
            ["lignes[0].quantite", "lignes[1].quantite"]
        );
        assert_eq!(fields(request("Ac\u{1b}me", &[(1, 1)])), ["fournisseur"]);
        let ok = validate_receipt(request("  Acme  ", &[(1, 2)]), at, None).expect("valid");
        assert_eq!(ok.fournisseur, "Acme");
    }

    #[test]
    fn the_fingerprint_changes_with_any_field() {
        let base = request("Acme", &[(1, 2)]);
        assert_eq!(base.fingerprint(), request("Acme", &[(1, 2)]).fingerprint());
        assert_ne!(base.fingerprint(), request("Acme", &[(1, 3)]).fingerprint());
        assert_ne!(base.fingerprint(), request("Acne", &[(1, 2)]).fingerprint());
        let ordered = ReceiptRequest { commande: Some(PurchaseOrderId(4)), ..request("Acme", &[(1, 2)]) };
        assert_ne!(base.fingerprint(), ordered.fingerprint());
    }
}
