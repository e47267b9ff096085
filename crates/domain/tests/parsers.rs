//! Every parser of client input in the domain, fed arbitrary input: it never panics, and what
//! it accepts reads back the same.

use chrono::{TimeZone, Utc};
use magasin_domain::catalogue::{
    ProductInput, has_control_character, parse_barcode, parse_sku, validate_new_product, validate_product_patch,
};
use magasin_domain::sales::{
    IdempotencyKey, LineRequest, MAX_TENDERED, Payment, PaymentMethod, SaleRequest, validate_sale,
};
use magasin_domain::{Money, ProductId, StoreId};
use proptest::prelude::*;

fn text() -> impl Strategy<Value = String> {
    prop_oneof![any::<String>(), "[0-9 .,+-]{0,12}", "\\PC{0,300}", ".{0,5}\u{0}.{0,5}"]
}

proptest! {
    #[test]
    fn a_price_either_is_refused_or_reads_back_as_written_by_us(input in text()) {
        if let Ok(price) = Money::parse_price(&input) {
            prop_assert!(price.cents() >= 0);
            prop_assert_eq!(Money::parse_price(&price.to_string()), Ok(price));
        }
    }

    #[test]
    fn any_sale_is_judged_without_panicking_and_what_is_accepted_is_within_bounds(
        magasin in any::<i64>(),
        lines in prop::collection::vec((any::<i64>(), prop_oneof![any::<i64>(), -5i64..2000]), 0..120),
        key in prop::option::of(text()),
        paid in prop::option::of((0usize..3, prop::option::of(any::<i64>()))),
    ) {
        let paiement = paid.map(|(mode, given)| Payment { mode: PaymentMethod::ALL[mode], montant_remis: given.map(Money) });
        let request = SaleRequest {
            magasin: StoreId(magasin),
            lignes: lines.iter().map(|&(p, q)| LineRequest { produit: ProductId(p), quantite: q }).collect(),
            paiement,
        };
        let idempotency = key.map(|k| IdempotencyKey::new(k, &request));
        let at = Utc.with_ymd_and_hms(2026, 3, 10, 14, 0, 0).single().expect("instant");
        if let Ok(sale) = validate_sale(request.clone(), at, idempotency) {
            prop_assert!(!sale.lignes.is_empty());
            // An accepted amount tendered is cash, and bounded.
            prop_assert!(sale.paiement.iter().all(|p| p.montant_remis.is_none()
                || (p.mode == PaymentMethod::Cash && p.montant_remis.is_some_and(|m| m >= Money::ZERO && m <= MAX_TENDERED))));
            prop_assert!(sale.lignes.iter().all(|l| l.quantite > 0));
            prop_assert_eq!(sale.lignes.len(), request.lignes.len());
        }
    }

    #[test]
    fn the_same_sale_has_the_same_fingerprint(
        magasin in any::<i64>(),
        lines in prop::collection::vec((any::<i64>(), any::<i64>()), 0..20),
    ) {
        let request = |lines: &[(i64, i64)]| SaleRequest {
            paiement: None,
            magasin: StoreId(magasin),
            lignes: lines.iter().map(|&(p, q)| LineRequest { produit: ProductId(p), quantite: q }).collect(),
        };
        prop_assert_eq!(request(&lines).fingerprint(), request(&lines).fingerprint());
        let mut other = lines.clone();
        other.push((1, 1));
        prop_assert_ne!(request(&lines).fingerprint(), request(&other).fingerprint());
    }

    #[test]
    fn any_product_is_judged_without_panicking_and_stored_text_is_plain(
        nom in prop::option::of(text()),
        categorie in prop::option::of(text()),
        prix in prop::option::of(text()),
        description in prop::option::of(prop::option::of(text())),
        stock_initial in prop::option::of(any::<i64>()),
        sku in prop::option::of(prop::option::of(text())),
        code_barres in prop::option::of(prop::option::of(prop_oneof![text(), "[0-9]{11,14}"])),
    ) {
        let input = ProductInput { nom, categorie, prix, description, stock_initial, sku, code_barres };
        if let Ok(product) = validate_new_product(input.clone()) {
            prop_assert!(!has_control_character(&product.nom) && !product.nom.trim().is_empty());
            prop_assert!(!has_control_character(&product.categorie));
            prop_assert!(product.prix.cents() >= 0 && product.stock_initial >= 0);
            // A stored barcode is 13 digits with its check digit; a stored SKU is plain uppercase.
            prop_assert!(product.code_barres.iter().all(|c| parse_barcode(c).as_deref() == Ok(c.as_str())));
            prop_assert!(product.sku.iter().all(|s| parse_sku(s).as_deref() == Ok(s.as_str())));
        }
        if let Ok(patch) = validate_product_patch(input) {
            prop_assert!(patch.nom.iter().all(|n| !has_control_character(n)));
        }
    }
}
