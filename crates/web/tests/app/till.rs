//! The till, on SQLite and on PostgreSQL: its search (a barcode, a SKU or part of a name, with
//! what the store can sell), and the `/caisse` screen without script — scans add lines, a second
//! scan adds one, a name offers choices, a line is removed, cash pays with change due, a double
//! submit records one sale, and every refusal is said on the screen with nothing sold.

use crate::helpers::{TestApp, assert_error_body};
use axum::http::StatusCode;
use serde_json::json;

magasin_store_sql::on_both_engines!(TestApp::start;
    a_barcode_or_a_sku_names_one_product_and_a_name_several,
    bad_searches_are_refused,
);

const SEARCH: &str = "/api/v1/stores/1/till-search/";

async fn a_barcode_or_a_sku_names_one_product_and_a_name_several(app: TestApp) {
    let by_barcode = app.get(&format!("{SEARCH}?q=2000000000039")).await;
    assert_eq!(by_barcode.status, StatusCode::OK);
    assert_eq!(
        by_barcode.body,
        json!([{"id": 3, "nom": "Tapis de souris XL", "prix": "19.99", "sku": "MAG-00003",
                "code_barres": "2000000000039", "disponible": 15, "code_exact": true}])
    );
    let by_sku = app.get(&format!("{SEARCH}?q=%20mag-00003%20")).await;
    assert_eq!(by_sku.body, by_barcode.body, "a SKU in any case, trimmed");
    // "so": the name that starts with it first, then those that contain it, by name.
    let names: Vec<String> = app
        .get(&format!("{SEARCH}?q=so"))
        .await
        .body
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["nom"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(names.first().map(String::as_str), Some("Souris optique"), "{names:?}");
    assert!(names.contains(&"Tapis de souris XL".to_string()) && names.len() <= 8, "{names:?}");
    // What the store can sell: store 2 holds no mouse.
    let store2 = app.get("/api/v1/stores/2/till-search/?q=2000000000022").await;
    assert_eq!((store2.body[0]["id"].as_i64(), store2.body[0]["disponible"].as_i64()), (Some(2), Some(0)));
    // A sale lowers it at once: the search is never cached.
    let sold = app.post("/api/v1/sales/", json!({"magasin": 1, "lignes": [{"produit": 3, "quantite": 2}]})).await;
    assert_eq!(sold.status, StatusCode::CREATED);
    assert_eq!(app.get(&format!("{SEARCH}?q=2000000000039")).await.body[0]["disponible"], 13);
    assert_eq!(app.get(&format!("{SEARCH}?q=zzzz")).await.body, json!([]));
    assert_eq!(app.get(&format!("{SEARCH}?q=x")).await.body, json!([]), "one letter: a SKU at most");
}

async fn bad_searches_are_refused(app: TestApp) {
    let wrong_digit = app.get(&format!("{SEARCH}?q=2000000000038")).await;
    assert_eq!(wrong_digit.status, StatusCode::BAD_REQUEST);
    assert_eq!(wrong_digit.body, json!({"q": ["Wrong check digit: it should be 9."]}));
    let too_long = "a".repeat(65);
    for q in ["", "%20%20", too_long.as_str(), "a%00b"] {
        let refused = app.get(&format!("{SEARCH}?q={q}")).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{q:?}");
        assert!(refused.body["q"].is_array(), "{q:?}: {}", refused.body);
    }
    assert_eq!(app.get(SEARCH).await.status, StatusCode::BAD_REQUEST, "no q");
    assert_error_body(&app.get("/api/v1/stores/99/till-search/?q=ab").await, 404, "/api/v1/stores/99/till-search/");
    assert_eq!(app.get("/api/v1/stores/x/till-search/?q=ab").await.status, StatusCode::BAD_REQUEST);
}

/// The `/caisse` screen, each action a form post (the page without script).
mod screen {
    use crate::ui::{Browser, Page, value_of_input};
    use axum::http::StatusCode;
    use magasin_service::domain::accounts::Role;

    magasin_store_sql::on_both_engines!(Browser::start;
        scans_add_lines_and_cash_pays_with_change_once,
        refusals_are_said_on_the_screen_and_sell_nothing,
        a_cashier_sells_in_their_own_store,
    );

    /// The screen's fields as posted: its key and store, then each line.
    fn screen_fields(page: &Page) -> Vec<(String, String)> {
        let mut fields = vec![
            ("cle".to_string(), value_of_input(&page.html, "cle").expect("key")),
            ("magasin".to_string(), value_of_input(&page.html, "magasin").expect("store")),
        ];
        for index in 1..=100 {
            let Some(produit) = value_of_input(&page.html, &format!("produit-{index}")) else { continue };
            let quantite = value_of_input(&page.html, &format!("quantite-{index}")).unwrap_or_default();
            fields.push((format!("produit-{index}"), produit));
            fields.push((format!("quantite-{index}"), quantite));
        }
        fields
    }

    /// Posts the screen as it is, with `extra` fields (which replace those of the same name).
    async fn act(b: &mut Browser, page: &Page, extra: &[(&str, &str)]) -> Page {
        let mut fields = screen_fields(page);
        fields.retain(|(name, _)| !extra.iter().any(|(n, _)| n == name));
        let mut all: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        all.extend_from_slice(extra);
        b.post("/caisse", &all).await
    }

    fn lines(page: &Page) -> Vec<(String, String)> {
        (1..=100)
            .filter_map(|i| {
                Some((
                    value_of_input(&page.html, &format!("produit-{i}"))?,
                    value_of_input(&page.html, &format!("quantite-{i}")).unwrap_or_default(),
                ))
            })
            .collect()
    }

    fn pair(p: &str, q: &str) -> (String, String) {
        (p.to_string(), q.to_string())
    }

    /// The sales recorded so far (fewer than a page in these tests).
    async fn sales_count(b: &Browser) -> usize {
        let page = b.app.get("/api/v1/sales/?page_size=100").await.body;
        assert!(page["next"].is_null(), "one page");
        page["results"].as_array().map_or(0, Vec::len)
    }

    async fn scans_add_lines_and_cash_pays_with_change_once(mut b: Browser) {
        b.sign_in().await;
        let page = b.get("/caisse?magasin=1").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.has("id=\"code\"") && page.has("autofocus"), "the input waits for the first scan");
        let key = value_of_input(&page.html, "cle").expect("a key made when the screen opens");
        let cache = page.headers.get("cache-control").and_then(|v| v.to_str().ok());
        assert_eq!(cache, Some("no-store"), "Back opens a new screen, never a recorded sale's key");
        // Keyboard (89.99) by barcode, mouse (25.50) by SKU, the keyboard again: one more.
        let page = act(&mut b, &page, &[("code", "2000000000015"), ("action", "ajouter")]).await;
        let page = act(&mut b, &page, &[("code", "mag-00002"), ("action", "ajouter")]).await;
        let page = act(&mut b, &page, &[("code", "2000000000015"), ("action", "ajouter")]).await;
        assert_eq!(lines(&page), [pair("1", "2"), pair("2", "1")]);
        assert_eq!(value_of_input(&page.html, "cle"), Some(key.clone()), "the key travels with the screen");
        assert!(page.has("205,48"), "running total 2 × 89.99 + 25.50");
        // Part of a name: several products, offered to pick from.
        let page = act(&mut b, &page, &[("code", "caf"), ("action", "ajouter")]).await;
        assert!(page.has("id=\"choices\"") && page.has("value=\"4\""), "coffees offered");
        let page = act(&mut b, &page, &[("ajouter_produit", "4"), ("action", "actualiser")]).await;
        assert_eq!(lines(&page).len(), 3);
        // Remove the coffee, set the mouse to 3: 2 × 89.99 + 3 × 25.50 = 256.48.
        let page = act(&mut b, &page, &[("retirer", "3"), ("action", "actualiser")]).await;
        let page = act(&mut b, &page, &[("quantite-2", "3"), ("action", "actualiser")]).await;
        assert_eq!(lines(&page), [pair("1", "2"), pair("2", "3")]);
        assert!(page.has("256,48"), "total recounted");
        let with_change = act(&mut b, &page, &[("paiement.montant_remis", "300"), ("action", "actualiser")]).await;
        assert!(with_change.has("43,52"), "change due shown before paying");
        let (keyboards, mice, before) =
            (b.app.local_qty(1, 1).await, b.app.local_qty(1, 2).await, sales_count(&b).await);
        let pay = [("paiement.mode", "especes"), ("paiement.montant_remis", "300"), ("action", "encaisser")];
        let paid = act(&mut b, &page, &pay).await;
        assert_eq!(paid.status, StatusCode::SEE_OTHER, "{}", paid.html);
        let receipt_path = paid.location.clone().expect("the receipt");
        // The same screen posted again (a double click, a retry after a network error): the
        // same sale, nothing more sold.
        let again = act(&mut b, &page, &pay).await;
        assert_eq!((again.status, again.location.as_deref()), (StatusCode::SEE_OTHER, Some(receipt_path.as_str())));
        assert_eq!(sales_count(&b).await, before + 1);
        assert_eq!(b.app.local_qty(1, 1).await, keyboards.map(|q| q - 2));
        assert_eq!(b.app.local_qty(1, 2).await, mice.map(|q| q - 3));
        let receipt = b.get(&receipt_path).await;
        assert!(receipt.has("Espèces") && receipt.has("300,00") && receipt.has("43,52"), "{}", receipt.html);
        assert!(receipt.has("id=\"print-ticket\""), "a print button");
        let next = b.get("/caisse").await;
        assert_ne!(value_of_input(&next.html, "cle"), Some(key), "a new screen, a new sale, a new key");
    }

    async fn refusals_are_said_on_the_screen_and_sell_nothing(mut b: Browser) {
        b.sign_in().await;
        let before = sales_count(&b).await;
        let page = b.get("/caisse?magasin=1").await;
        let wrong = act(&mut b, &page, &[("code", "2000000000018"), ("action", "ajouter")]).await;
        assert!(wrong.has("Clé de contrôle erronée : elle devrait être 5."), "a misread scan adds nothing");
        assert!(lines(&wrong).is_empty());
        let none = act(&mut b, &page, &[("code", "zzzz"), ("action", "ajouter")]).await;
        assert!(none.has("Aucun produit pour « zzzz »."));
        let empty = act(&mut b, &page, &[("action", "encaisser")]).await;
        assert_eq!(empty.status, StatusCode::BAD_REQUEST);
        // Two keyboards paid with 100: below the total, said next to the amount.
        let page = act(&mut b, &page, &[("code", "2000000000015"), ("action", "ajouter")]).await;
        let page = act(&mut b, &page, &[("quantite-1", "2"), ("action", "actualiser")]).await;
        let short = act(
            &mut b,
            &page,
            &[("paiement.mode", "especes"), ("paiement.montant_remis", "100"), ("action", "encaisser")],
        )
        .await;
        assert_eq!(short.status, StatusCode::BAD_REQUEST);
        assert!(short.has("Moins que le total (179,98"), "{}", short.html);
        let card = act(
            &mut b,
            &page,
            &[("paiement.mode", "carte"), ("paiement.montant_remis", "200"), ("action", "encaisser")],
        )
        .await;
        assert_eq!(card.status, StatusCode::BAD_REQUEST);
        assert!(card.has("Seul un paiement en espèces a un montant remis."));
        // More than the store holds: warned on the line, refused when paying.
        let too_many = act(&mut b, &page, &[("quantite-1", "999"), ("action", "actualiser")]).await;
        assert!(too_many.has("Stock insuffisant : 20 disponible(s)."), "{}", too_many.html);
        let refused = act(&mut b, &too_many, &[("paiement.mode", "carte"), ("action", "encaisser")]).await;
        assert_eq!(refused.status, StatusCode::CONFLICT);
        assert!(refused.flash().is_some_and(|f| f.contains("Clavier")), "{:?}", refused.flash());
        let bad_quantity =
            act(&mut b, &page, &[("quantite-1", "deux"), ("paiement.mode", "carte"), ("action", "encaisser")]).await;
        assert_eq!(bad_quantity.status, StatusCode::BAD_REQUEST);
        let low = act(&mut b, &page, &[("quantite-1", "18"), ("action", "actualiser")]).await;
        assert!(low.has("Stock bas : il en restera 2."));
        assert_eq!(sales_count(&b).await, before, "nothing sold");
        assert_eq!(b.app.local_qty(1, 1).await, Some(20));
        // Lines naming no product or a product the catalogue lacks.
        let unknown = b
            .post("/caisse", &[("magasin", "1"), ("produit-1", "999"), ("quantite-1", "1"), ("action", "actualiser")])
            .await;
        assert_eq!(unknown.status, StatusCode::OK);
        assert!(lines(&unknown).is_empty(), "an unknown product leaves the screen");
        assert!(unknown.flash().is_some_and(|f| f.contains("999")));
    }

    async fn a_cashier_sells_in_their_own_store(mut b: Browser) {
        b.app.token_for("lucie", Role::Caissier, 2).await;
        let signed = b.sign_in_as("lucie", "a long enough password").await;
        assert_eq!(signed.status, StatusCode::SEE_OTHER);
        let page = b.get("/caisse").await;
        assert_eq!(value_of_input(&page.html, "magasin").as_deref(), Some("2"), "her store, preselected");
        assert!(!page.has("id=\"till-store\""), "one store: nothing to choose");
        // Asking for another store's till opens hers.
        let other = b.get("/caisse?magasin=1").await;
        assert_eq!(value_of_input(&other.html, "magasin").as_deref(), Some("2"));
        let page = act(&mut b, &page, &[("code", "MAG-00004"), ("action", "ajouter")]).await;
        let paid = act(&mut b, &page, &[("paiement.mode", "carte"), ("action", "encaisser")]).await;
        assert_eq!(paid.status, StatusCode::SEE_OTHER, "{}", paid.html);
        // A post naming another store is refused: she does not sell there.
        let forged = b
            .post(
                "/caisse",
                &[
                    ("magasin", "1"),
                    ("produit-1", "1"),
                    ("quantite-1", "1"),
                    ("paiement.mode", "carte"),
                    ("action", "encaisser"),
                ],
            )
            .await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN, "{}", forged.html);
        assert_eq!(b.app.local_qty(1, 1).await, Some(20));
    }
}
