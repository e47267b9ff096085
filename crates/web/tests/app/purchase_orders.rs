//! Purchase orders through the API, on SQLite and on PostgreSQL: a draft, sent, received in
//! several deliveries, what is still due beside the warehouse's stock, over-receipt and its
//! tolerance, closing and cancelling, every refusal (nothing written), who may order.

use crate::helpers::{TOKEN, TestApp, assert_error_body};
use axum::http::{Method, StatusCode};
use magasin_service::domain::StoreId;
use magasin_service::domain::accounts::{Actor, NewUser, Role, StoreScope};
use serde_json::{Value, json};

magasin_store_sql::on_both_engines!(TestApp::start;
    an_order_is_sent_then_received_in_two_deliveries,
    receiving_more_than_ordered_is_refused_unless_the_tolerance_allows_it,
    a_receipt_names_an_order_waiting_for_its_products,
    a_delivery_sent_again_with_its_key_is_counted_once,
    orders_are_closed_with_their_remainder_or_cancelled_while_empty,
    bad_orders_are_refused_and_write_nothing,
    only_logistics_and_administrators_order,
);

const ORDERS: &str = "/api/v1/warehouse/purchase-orders/";
const RECEIPTS: &str = "/api/v1/warehouse/receipts/";

/// Creates an order of `lines` with `tolerance`; its id.
async fn draft(app: &TestApp, lines: &[(i64, i64)], tolerance: i64) -> i64 {
    let lignes: Vec<Value> = lines.iter().map(|(p, q)| json!({"produit": p, "quantite": q})).collect();
    let reply =
        app.post(ORDERS, json!({"fournisseur": "Grossiste Rhône", "lignes": lignes, "tolerance": tolerance})).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    reply.body["id"].as_i64().expect("id")
}

async fn sent(app: &TestApp, lines: &[(i64, i64)], tolerance: i64) -> i64 {
    let id = draft(app, lines, tolerance).await;
    let reply = app.post(&format!("{ORDERS}{id}/send/"), Value::Null).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    id
}

fn delivery(order: i64, lines: &[(i64, i64)]) -> Value {
    let lignes: Vec<Value> = lines.iter().map(|(p, q)| json!({"produit": p, "quantite": q})).collect();
    json!({"fournisseur": "Grossiste Rhône", "bon_livraison": "BL-1", "lignes": lignes, "commande": order})
}

async fn order(app: &TestApp, id: i64) -> Value {
    app.get(&format!("{ORDERS}{id}/")).await.body
}

async fn expected(app: &TestApp, product: i64) -> i64 {
    let rows = app.get("/api/v1/warehouse/stock/?page_size=100").await.body["results"].clone();
    let rows = rows.as_array().expect("rows").clone();
    rows.iter().find(|r| r["produit"] == product).and_then(|r| r["attendu"].as_i64()).expect("warehouse row")
}

async fn an_order_is_sent_then_received_in_two_deliveries(app: TestApp) {
    let id = draft(&app, &[(2, 10), (3, 4)], 0).await;
    let created = order(&app, id).await;
    assert_eq!((created["statut"].as_str(), created["acteur"].as_str()), (Some("brouillon"), Some("service")));
    assert_eq!(
        created["lignes"][0],
        json!({"produit": 2, "produit_nom": "Souris optique", "commandee": 10, "recue": 0, "restante": 10})
    );
    assert_eq!(expected(&app, 2).await, 0, "a draft is not expected yet");
    assert_error_body(&app.post(RECEIPTS, delivery(id, &[(2, 1)])).await, 409, RECEIPTS);

    let sent = app.post(&format!("{ORDERS}{id}/send/"), Value::Null).await;
    assert_eq!((sent.body["statut"].as_str(), sent.body["modifiee_par"].as_str()), (Some("envoyee"), Some("service")));
    assert_eq!((expected(&app, 2).await, expected(&app, 3).await), (10, 4));
    let stock = app.warehouse_qty(2).await;

    let first = app.post(RECEIPTS, delivery(id, &[(2, 6)])).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    assert_eq!(first.body["commande"], id);
    let partly = order(&app, id).await;
    assert_eq!(partly["statut"], "partiellement_recue");
    assert_eq!((partly["lignes"][0]["recue"].as_i64(), partly["lignes"][0]["restante"].as_i64()), (Some(6), Some(4)));
    assert_eq!((expected(&app, 2).await, app.warehouse_qty(2).await), (4, stock + 6));

    let second = app.post(RECEIPTS, delivery(id, &[(2, 4), (3, 4)])).await;
    assert_eq!(second.status, StatusCode::CREATED, "{}", second.body);
    assert_eq!(order(&app, id).await["statut"], "recue");
    assert_eq!((expected(&app, 2).await, expected(&app, 3).await), (0, 0));
    assert_error_body(&app.post(RECEIPTS, delivery(id, &[(2, 1)])).await, 409, RECEIPTS);
    let listed = app.get(&format!("{RECEIPTS}?produit=2")).await.body;
    assert_eq!(listed["results"][0]["commande"], id);
    let by_status = app.get(&format!("{ORDERS}?statut=recue")).await.body;
    assert_eq!(
        by_status["results"].as_array().map(|r| r.iter().map(|o| o["id"].clone()).collect::<Vec<_>>()),
        Some(vec![json!(id)])
    );
    assert!(app.ledger_discrepancies().await.is_empty());
}

async fn receiving_more_than_ordered_is_refused_unless_the_tolerance_allows_it(app: TestApp) {
    let strict = sent(&app, &[(2, 10)], 0).await;
    let stock = app.warehouse_qty(2).await;
    let over = app.post(RECEIPTS, delivery(strict, &[(2, 6), (2, 5)])).await;
    assert_error_body(&over, 409, RECEIPTS);
    assert!(over.body["message"].as_str().is_some_and(|m| m.contains("exceed 10")), "{}", over.body);
    assert_eq!(app.warehouse_qty(2).await, stock, "nothing received");
    assert_eq!(order(&app, strict).await["lignes"][0]["recue"], 0);
    assert_eq!(
        app.post(RECEIPTS, delivery(strict, &[(2, 10)])).await.status,
        StatusCode::CREATED,
        "exactly what was ordered"
    );

    let tolerant = sent(&app, &[(2, 10)], 10).await;
    assert_eq!(app.post(RECEIPTS, delivery(tolerant, &[(2, 11)])).await.status, StatusCode::CREATED, "10 % more");
    let received = order(&app, tolerant).await;
    assert_eq!((received["statut"].as_str(), received["lignes"][0]["restante"].as_i64()), (Some("recue"), Some(0)));
    assert_eq!(app.warehouse_qty(2).await, stock + 21);
}

async fn a_receipt_names_an_order_waiting_for_its_products(app: TestApp) {
    let id = sent(&app, &[(2, 10)], 0).await;
    let stock = app.warehouse_qty(3).await;
    let other_product = app.post(RECEIPTS, delivery(id, &[(2, 1), (3, 1)])).await;
    assert_error_body(&other_product, 409, RECEIPTS);
    assert!(other_product.body["message"].as_str().is_some_and(|m| m.contains("not on order")));
    assert_error_body(&app.post(RECEIPTS, delivery(999_999, &[(2, 1)])).await, 404, RECEIPTS);
    assert_eq!(app.warehouse_qty(3).await, stock);
    assert_eq!(order(&app, id).await["lignes"][0]["recue"], 0, "all lines or none");
    assert_error_body(&app.get(&format!("{ORDERS}999999/")).await, 404, &format!("{ORDERS}999999/"));
}

async fn orders_are_closed_with_their_remainder_or_cancelled_while_empty(app: TestApp) {
    let id = sent(&app, &[(2, 10)], 0).await;
    assert_eq!(app.post(RECEIPTS, delivery(id, &[(2, 3)])).await.status, StatusCode::CREATED);
    let cancel = format!("{ORDERS}{id}/cancel/");
    let refused = app.post(&cancel, Value::Null).await;
    assert_error_body(&refused, 409, &cancel);
    assert!(refused.body["message"].as_str().is_some_and(|m| m.contains("close it instead")), "{}", refused.body);
    let close = format!("{ORDERS}{id}/close/");
    let closed = app.post(&close, Value::Null).await;
    assert_eq!(closed.body["statut"], "soldee", "{}", closed.body);
    assert_eq!(expected(&app, 2).await, 0, "the remainder is no longer expected");
    assert_error_body(&app.post(RECEIPTS, delivery(id, &[(2, 1)])).await, 409, RECEIPTS);
    assert_error_body(&app.post(&close, Value::Null).await, 409, &close);

    let empty = sent(&app, &[(2, 5)], 0).await;
    let cancelled = app.post(&format!("{ORDERS}{empty}/cancel/"), Value::Null).await;
    assert_eq!(cancelled.body["statut"], "annulee");
    let drafted = draft(&app, &[(2, 5)], 0).await;
    assert_eq!(app.post(&format!("{ORDERS}{drafted}/cancel/"), Value::Null).await.body["statut"], "annulee");
    let send = format!("{ORDERS}{drafted}/send/");
    assert_error_body(&app.post(&send, Value::Null).await, 409, &send);
    let audit = app.get_with_token("/api/v1/audit/?action=annulation_commande").await.body;
    assert_eq!(audit["results"].as_array().map(Vec::len), Some(2), "{audit}");
    let missing = format!("{ORDERS}999999/send/");
    assert_error_body(&app.post(&missing, Value::Null).await, 404, &missing);
}

async fn bad_orders_are_refused_and_write_nothing(app: TestApp) {
    let cases: [(Value, &str); 6] = [
        (json!({"fournisseur": "A", "lignes": []}), "lignes"),
        (
            json!({"fournisseur": "A", "lignes": [{"produit": 2, "quantite": 1}, {"produit": 2, "quantite": 2}]}),
            "lignes[1].produit",
        ),
        (json!({"fournisseur": "A", "lignes": [{"produit": 2, "quantite": 0}]}), "lignes[0].quantite"),
        (json!({"fournisseur": "A", "lignes": [{"produit": 2, "quantite": 1}], "tolerance": 101}), "tolerance"),
        (json!({"fournisseur": " ", "lignes": [{"produit": 2, "quantite": 1}]}), "fournisseur"),
        (json!({"fournisseur": "A", "lignes": [{"produit": 2, "quantite": 1}], "remise": 3}), ""),
    ];
    for (body, field) in cases {
        let reply = app.post(ORDERS, body.clone()).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{body}: {}", reply.body);
        if !field.is_empty() {
            assert!(reply.body.get(field).is_some(), "{field} in {}", reply.body);
        }
    }
    let unknown = app.post(ORDERS, json!({"fournisseur": "A", "lignes": [{"produit": 999, "quantite": 1}]})).await;
    assert_error_body(&unknown, 404, ORDERS);
    let status = format!("{ORDERS}?statut=perdue");
    assert_eq!(app.get(&status).await.status, StatusCode::BAD_REQUEST);
    assert_eq!(app.get(ORDERS).await.body["results"], json!([]), "nothing written");
}

async fn only_logistics_and_administrators_order(app: TestApp) {
    let services = app.services();
    let mut tokens = Vec::new();
    for (login, role) in [("quai", Role::Logistique), ("chef", Role::Gerant)] {
        let user = NewUser::parse(login, login, role, StoreScope::Only([StoreId(1)].into_iter().collect()));
        let created = services.create_user(&Actor::Service, &user.expect("valid"), "a long enough password").await;
        let id = created.expect("user").id;
        tokens.push(services.issue_api_token(&Actor::Service, id, "t").await.expect("token").secret);
    }
    let body = json!({"fournisseur": "A", "lignes": [{"produit": 2, "quantite": 1}]}).to_string();
    let refused = app.send_raw(Method::POST, ORDERS, body.clone(), Some(&tokens[1]), &[]).await;
    assert_error_body(&refused, 403, ORDERS);
    let made = app.send_raw(Method::POST, ORDERS, body, Some(&tokens[0]), &[]).await;
    assert_eq!((made.status, made.body["acteur"].as_str()), (StatusCode::CREATED, Some("quai")));
    let send = format!("{ORDERS}{}/send/", made.body["id"]);
    assert_error_body(&app.send_raw(Method::POST, &send, String::new(), Some(&tokens[1]), &[]).await, 403, &send);
    assert_eq!(order(&app, made.body["id"].as_i64().expect("id")).await["statut"], "brouillon");
}

async fn a_delivery_sent_again_with_its_key_is_counted_once(app: TestApp) {
    let id = sent(&app, &[(2, 10)], 0).await;
    let stock = app.warehouse_qty(2).await;
    let body = delivery(id, &[(2, 7)]).to_string();
    let key = [("idempotency-key", "bl-commande-7")];
    let first = app.send_raw(Method::POST, RECEIPTS, body.clone(), Some(TOKEN), &key).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    let again = app.send_raw(Method::POST, RECEIPTS, body, Some(TOKEN), &key).await;
    assert_eq!((again.status, &again.body), (StatusCode::CREATED, &first.body));
    assert_eq!(again.headers.get("idempotent-replayed").and_then(|v| v.to_str().ok()), Some("true"));
    assert_eq!(order(&app, id).await["lignes"][0]["recue"], 7, "received once, not 14 (which the order refuses)");
    assert_eq!(app.warehouse_qty(2).await, stock + 7);
    let other_order = sent(&app, &[(2, 10)], 0).await;
    let elsewhere = delivery(other_order, &[(2, 7)]).to_string();
    assert_error_body(&app.send_raw(Method::POST, RECEIPTS, elsewhere, Some(TOKEN), &key).await, 409, RECEIPTS);
}
