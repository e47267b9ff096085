//! Goods received at the warehouse through the API, on SQLite and on PostgreSQL: recording,
//! replays, every refusal (nothing written), the ledger rows, listing and reading.

use crate::helpers::{TOKEN, TestApp, assert_error_body};
use axum::http::{Method, StatusCode};
use magasin_service::domain::accounts::{Actor, NewUser, Role, StoreScope};
use serde_json::{Value, json};

magasin_store_sql::on_both_engines!(TestApp::start;
    a_receipt_raises_the_warehouse_and_names_itself_in_the_ledger,
    a_receipt_sent_again_with_its_key_is_recorded_once,
    bad_receipts_are_refused_and_write_nothing,
    only_logistics_and_administrators_receive_goods,
    receipts_are_listed_by_product_and_day_and_read_one_by_one,
);

const PATH: &str = "/api/v1/warehouse/receipts/";

fn delivery(lines: Value) -> Value {
    json!({"fournisseur": "Grossiste Rhône", "bon_livraison": "BL-77", "lignes": lines})
}

async fn a_receipt_raises_the_warehouse_and_names_itself_in_the_ledger(app: TestApp) {
    let before = app.warehouse_qty(2).await;
    let reply = app.post(PATH, delivery(json!([{"produit": 2, "quantite": 24}, {"produit": 2, "quantite": 6}]))).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let body = &reply.body;
    assert_eq!(
        (body["fournisseur"].as_str(), body["bon_livraison"].as_str()),
        (Some("Grossiste Rhône"), Some("BL-77"))
    );
    assert_eq!(body["acteur"], "service");
    assert_eq!(body["lignes"][0], json!({"produit": 2, "produit_nom": "Souris optique", "quantite": 24}));
    assert_eq!(app.warehouse_qty(2).await, before + 30);
    let ledger = app.get("/api/v1/warehouse/ledger/?produit=2&page_size=2").await.body;
    let last = &ledger["results"][0];
    assert_eq!((last["motif"].as_str(), last["quantite"].as_i64()), (Some("reception"), Some(6)));
    assert_eq!(last["solde"].as_i64(), Some(before + 30));
    assert_eq!(last["reception"], body["id"]);
    assert_eq!(last["acteur"], "service");
    assert!(last["request_id"].as_str().is_some_and(|r| !r.is_empty()), "the request id beside the actor");
    let audit = app.get_with_token("/api/v1/audit/?action=reception").await.body;
    assert_eq!(audit["results"][0]["entite_id"], body["id"], "{audit}");
}

async fn a_receipt_sent_again_with_its_key_is_recorded_once(app: TestApp) {
    let before = app.warehouse_qty(1).await;
    let body = delivery(json!([{"produit": 1, "quantite": 3}])).to_string();
    let key = [("idempotency-key", "bl-77-quai-2")];
    let first = app.send_raw(Method::POST, PATH, body.clone(), Some(TOKEN), &key).await;
    assert_eq!(first.status, StatusCode::CREATED);
    let again = app.send_raw(Method::POST, PATH, body, Some(TOKEN), &key).await;
    assert_eq!(again.status, StatusCode::CREATED);
    assert_eq!(again.headers.get("idempotent-replayed").and_then(|v| v.to_str().ok()), Some("true"));
    assert_eq!(again.body, first.body);
    assert_eq!(app.warehouse_qty(1).await, before + 3, "received once");
    let other = delivery(json!([{"produit": 1, "quantite": 4}])).to_string();
    let reused = app.send_raw(Method::POST, PATH, other, Some(TOKEN), &key).await;
    assert_error_body(&reused, 409, PATH);
    assert_eq!(app.warehouse_qty(1).await, before + 3);
}

async fn bad_receipts_are_refused_and_write_nothing(app: TestApp) {
    let before = app.warehouse_qty(1).await;
    let cases = [
        (delivery(json!([])), "lignes"),
        (delivery(json!([{"produit": 1, "quantite": 0}])), "lignes[0].quantite"),
        (delivery(json!([{"produit": 1, "quantite": 1_000_001}])), "lignes[0].quantite"),
        (json!({"fournisseur": " ", "bon_livraison": "BL", "lignes": [{"produit": 1, "quantite": 1}]}), "fournisseur"),
        (
            json!({"fournisseur": "A", "bon_livraison": "B\u{0}", "lignes": [{"produit": 1, "quantite": 1}]}),
            "bon_livraison",
        ),
    ];
    for (body, field) in cases {
        let reply = app.post(PATH, body).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{field}");
        assert!(reply.body[field].is_array(), "the field is named, as the lab's 400s do: {field}: {}", reply.body);
    }
    let empty = app.post(PATH, delivery(json!([]))).await;
    assert_eq!(empty.body["lignes"], json!(["A receipt has 1 to 100 lines."]));
    let unknown_field =
        app.post(PATH, json!({"fournisseur": "A", "bon_livraison": "B", "lignes": [], "prix": 1})).await;
    assert_eq!(unknown_field.status, StatusCode::BAD_REQUEST);
    let wrong_type = app.post(PATH, delivery(json!([{"produit": 1, "quantite": "dix"}]))).await;
    assert_error_body(&wrong_type, 400, PATH);
    let missing = app.post(PATH, json!({"fournisseur": "A", "lignes": [{"produit": 1, "quantite": 1}]})).await;
    assert_error_body(&missing, 400, PATH);
    let huge = delivery(json!([{"produit": 1, "quantite": 1}])).to_string().replace("BL-77", &"x".repeat(2 << 20));
    let too_large = app.send_raw(Method::POST, PATH, huge, Some(TOKEN), &[]).await;
    assert_error_body(&too_large, 413, PATH);
    let unknown =
        app.post(PATH, delivery(json!([{"produit": 1, "quantite": 5}, {"produit": 999, "quantite": 1}]))).await;
    assert_error_body(&unknown, 404, PATH);
    let long = "k".repeat(201);
    let key = [("idempotency-key", long.as_str())];
    let bad_key = app
        .send_raw(Method::POST, PATH, delivery(json!([{"produit": 1, "quantite": 1}])).to_string(), Some(TOKEN), &key)
        .await;
    assert_eq!(bad_key.status, StatusCode::BAD_REQUEST);
    assert_eq!(app.warehouse_qty(1).await, before, "nothing received");
    let listed = app.get(PATH).await.body;
    assert_eq!(listed["results"], json!([]), "no receipt recorded");
    assert_error_body(&app.get(&format!("{PATH}999/")).await, 404, &format!("{PATH}999/"));
    assert_error_body(&app.get(&format!("{PATH}?produit=999")).await, 404, PATH);
    assert_eq!(app.get(&format!("{PATH}?date_debut=hier")).await.status, StatusCode::BAD_REQUEST);
}

async fn only_logistics_and_administrators_receive_goods(app: TestApp) {
    let services = app.services();
    let before = app.warehouse_qty(1).await;
    for (role, allowed) in
        [(Role::Caissier, false), (Role::Gerant, false), (Role::Siege, false), (Role::Logistique, true)]
    {
        let login = format!("recoit-{}", role.as_str());
        let stores = StoreScope::Only([magasin_service::domain::StoreId(1)].into_iter().collect());
        let user = NewUser::parse(&login, &login, role, stores).expect("valid user");
        let created = services.create_user(&Actor::Service, &user, "a long enough password").await.expect("user");
        let token = services.issue_api_token(&Actor::Service, created.id, "t").await.expect("token").secret;
        let body = delivery(json!([{"produit": 1, "quantite": 1}])).to_string();
        let reply = app.send_raw(Method::POST, PATH, body, Some(&token), &[]).await;
        if allowed {
            assert_eq!(reply.status, StatusCode::CREATED, "{role}");
            assert_eq!(reply.body["acteur"], login.as_str());
        } else {
            assert_error_body(&reply, 403, PATH);
        }
    }
    let anonymous =
        app.send_raw(Method::POST, PATH, delivery(json!([{"produit": 1, "quantite": 1}])).to_string(), None, &[]).await;
    assert_error_body(&anonymous, 401, PATH);
    assert_eq!(app.warehouse_qty(1).await, before + 1, "only the logistics clerk's receipt");
}

async fn receipts_are_listed_by_product_and_day_and_read_one_by_one(app: TestApp) {
    let mut ids = Vec::new();
    for lines in [
        json!([{"produit": 1, "quantite": 1}]),
        json!([{"produit": 2, "quantite": 2}]),
        json!([{"produit": 1, "quantite": 3}]),
    ] {
        ids.push(app.post(PATH, delivery(lines)).await.body["id"].as_i64().expect("id"));
    }
    let page = app.get(&format!("{PATH}?page_size=2")).await.body;
    let listed: Vec<i64> =
        page["results"].as_array().expect("results").iter().filter_map(|r| r["id"].as_i64()).collect();
    assert_eq!(listed, [ids[2], ids[1]], "newest first");
    let next = page["next"].as_str().expect("a next page");
    let rest = app.get(&next[next.find("/api/").expect("path")..]).await.body;
    assert_eq!(rest["results"][0]["id"].as_i64(), Some(ids[0]));
    let of_keyboards = app.get(&format!("{PATH}?produit=1")).await.body;
    let listed: Vec<i64> =
        of_keyboards["results"].as_array().expect("results").iter().filter_map(|r| r["id"].as_i64()).collect();
    assert_eq!(listed, [ids[2], ids[0]]);
    let today = chrono::Utc::now().date_naive();
    let that_day = app.get(&format!("{PATH}?date_debut={today}&date_fin={today}")).await.body;
    assert_eq!(that_day["results"].as_array().map(Vec::len), Some(3));
    let tomorrow = today.succ_opt().expect("a day");
    assert_eq!(app.get(&format!("{PATH}?date_debut={tomorrow}")).await.body["results"], json!([]));
    let one = app.get(&format!("{PATH}{}/", ids[1])).await;
    assert_eq!(one.status, StatusCode::OK);
    assert_eq!(one.body["lignes"], json!([{"produit": 2, "produit_nom": "Souris optique", "quantite": 2}]));
}
