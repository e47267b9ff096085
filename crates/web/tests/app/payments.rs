//! Payments, on SQLite and on PostgreSQL: a sale carries how it was paid (cash with the amount
//! tendered and the change, card, other); cash tendered below the total is a 400 and nothing is
//! sold; an idempotent retry must carry the same payment; a store's day adds up by method.

use crate::helpers::{TOKEN, TestApp, assert_error_body};
use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

magasin_store_sql::on_both_engines!(TestApp::start;
    a_cash_sale_records_what_was_tendered_and_the_change,
    bad_payments_are_refused_and_sell_nothing,
    a_day_adds_up_by_payment_method,
);

const SALES: &str = "/api/v1/sales/";

/// Two keyboards (89.99 each) at store 1, paid as `paiement` says.
fn two_keyboards(paiement: Value) -> Value {
    json!({"magasin": 1, "lignes": [{"produit": 1, "quantite": 2}], "paiement": paiement})
}

async fn a_cash_sale_records_what_was_tendered_and_the_change(app: TestApp) {
    let sold = app.post(SALES, two_keyboards(json!({"mode": "especes", "montant_remis": "200"}))).await;
    assert_eq!(sold.status, StatusCode::CREATED, "{}", sold.body);
    assert_eq!(sold.body["total"], "179.98");
    assert_eq!(sold.body["paiement"], json!({"mode": "especes", "montant_remis": "200.00", "rendu": "20.02"}));
    let read = app.get(&format!("{SALES}{}/", sold.body["id"])).await;
    assert_eq!(read.body["paiement"], sold.body["paiement"], "kept with the sale");
    let exact = app.post(SALES, two_keyboards(json!({"mode": "especes", "montant_remis": 179.98}))).await;
    assert_eq!(exact.body["paiement"]["rendu"], "0.00");
    let card = app.post(SALES, two_keyboards(json!({"mode": "carte"}))).await;
    assert_eq!(card.body["paiement"], json!({"mode": "carte", "montant_remis": null, "rendu": null}));
    let lab = app.post(SALES, json!({"magasin": 1, "lignes": [{"produit": 2, "quantite": 1}]})).await;
    assert_eq!((lab.status, &lab.body["paiement"]), (StatusCode::CREATED, &Value::Null), "the lab's body still sells");
}

async fn bad_payments_are_refused_and_sell_nothing(app: TestApp) {
    let stock = app.local_qty(1, 1).await;
    let short = app.post(SALES, two_keyboards(json!({"mode": "especes", "montant_remis": "100.00"}))).await;
    assert_eq!(short.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        short.body,
        json!({"paiement.montant_remis": ["Less than the total (179.98): the customer still owes the rest."]})
    );
    for (paiement, field) in [
        (json!({"mode": "cheque"}), "paiement.mode"),
        (json!({"mode": "carte", "montant_remis": "200"}), "paiement.montant_remis"),
        (json!({"mode": "especes", "montant_remis": "-1"}), "paiement.montant_remis"),
        (json!({"mode": "especes", "montant_remis": "12.345"}), "paiement.montant_remis"),
        (json!({"mode": "especes", "montant_remis": true}), "paiement.montant_remis"),
    ] {
        let refused = app.post(SALES, two_keyboards(paiement.clone())).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{paiement}");
        assert!(refused.body[field].is_array(), "{paiement}: {}", refused.body);
    }
    let unknown_field = app.post(SALES, two_keyboards(json!({"mode": "carte", "pourboire": 1}))).await;
    assert_eq!(unknown_field.status, StatusCode::BAD_REQUEST);
    assert_eq!(app.local_qty(1, 1).await, stock, "nothing was sold");
    // A retry with the same key must carry the same payment: another is another sale.
    let key = [("idempotency-key", "till-9-1")];
    let cash = two_keyboards(json!({"mode": "especes", "montant_remis": "200"})).to_string();
    let first = app.send_raw(Method::POST, SALES, cash.clone(), Some(TOKEN), &key).await;
    assert_eq!(first.status, StatusCode::CREATED);
    let again = app.send_raw(Method::POST, SALES, cash, Some(TOKEN), &key).await;
    assert_eq!((again.status, &again.body["id"]), (StatusCode::CREATED, &first.body["id"]));
    let by_card = two_keyboards(json!({"mode": "carte"})).to_string();
    assert_error_body(&app.send_raw(Method::POST, SALES, by_card, Some(TOKEN), &key).await, 409, SALES);
}

async fn a_day_adds_up_by_payment_method(app: TestApp) {
    let path = "/api/v1/stores/1/payments/";
    assert_eq!(app.get(path).await.body, json!([]), "nothing sold yet today");
    for paiement in
        [json!({"mode": "especes", "montant_remis": "200"}), json!({"mode": "carte"}), json!({"mode": "carte"})]
    {
        assert_eq!(app.post(SALES, two_keyboards(paiement)).await.status, StatusCode::CREATED);
    }
    let lab = app.post(SALES, json!({"magasin": 1, "lignes": [{"produit": 2, "quantite": 1}]})).await;
    let cancelled = app.post(SALES, two_keyboards(json!({"mode": "autre"}))).await;
    app.post(&format!("{SALES}{}/cancel/", cancelled.body["id"]), Value::Null).await;
    let totals = app.get(path).await.body;
    let rows: Vec<(String, i64, String)> = totals
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| {
            (
                r["mode"].as_str().unwrap_or("").to_string(),
                r["ventes"].as_i64().unwrap_or(-1),
                r["montant"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    let lab_total = lab.body["total"].as_str().unwrap_or("").to_string();
    let mut expected = vec![
        ("carte".to_string(), 2, "359.96".to_string()),
        ("especes".to_string(), 1, "179.98".to_string()),
        ("non_precise".to_string(), 1, lab_total),
    ];
    expected.sort();
    let mut rows = rows;
    rows.sort();
    assert_eq!(rows, expected, "the cancelled sale is left out");
    assert_eq!(app.get("/api/v1/stores/1/payments/?jour=2020-01-01").await.body, json!([]));
    assert_eq!(app.get("/api/v1/stores/1/payments/?jour=hier").await.status, StatusCode::BAD_REQUEST);
    assert_error_body(&app.get("/api/v1/stores/99/payments/").await, 404, "/api/v1/stores/99/payments/");
}

/// The receipt page, on both engines.
mod receipt {
    use super::{SALES, two_keyboards};
    use crate::ui::Browser;
    use serde_json::json;

    magasin_store_sql::on_both_engines!(Browser::start;
        the_receipt_prints_the_payment_and_the_change,
    );

    async fn the_receipt_prints_the_payment_and_the_change(mut b: Browser) {
        let sold = b.app.post(SALES, two_keyboards(json!({"mode": "especes", "montant_remis": "200"}))).await;
        b.sign_in().await;
        let page = b.get(&format!("/ventes/{}", sold.body["id"])).await;
        let payment: Vec<&str> =
            page.html.match_indices("<tr class=\"paiement\">").map(|(at, _)| &page.html[at..]).collect();
        assert_eq!(payment.len(), 3, "method, tendered, change");
        for (row, (label, value)) in
            payment.iter().zip([("Paiement", "Espèces"), ("Montant remis", "200,00"), ("Rendu", "20,02")])
        {
            let row = &row[..row.find("</tr>").unwrap_or(row.len())];
            assert!(row.contains(label) && row.contains(value), "{row}");
        }
        let card = b.app.post(SALES, two_keyboards(json!({"mode": "carte"}))).await;
        let page = b.get(&format!("/ventes/{}", card.body["id"])).await;
        assert_eq!(page.html.matches("<tr class=\"paiement\">").count(), 1, "a card payment has no change");
        assert!(page.has("Carte"));
    }
}
