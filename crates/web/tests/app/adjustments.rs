//! Stock adjustments through the API, on SQLite and on PostgreSQL: a store's and the warehouse's,
//! replays, every refusal (nothing written), who may adjust where, the lists and the shrinkage
//! report.

use crate::helpers::{TOKEN, TestApp, assert_error_body};
use axum::http::{Method, StatusCode};
use magasin_service::domain::StoreId;
use magasin_service::domain::accounts::{Actor, NewUser, Role, StoreScope};
use serde_json::{Value, json};

magasin_store_sql::on_both_engines!(TestApp::start;
    an_adjustment_corrects_a_store_and_names_itself_in_the_ledger,
    the_warehouse_is_adjusted_by_logistics,
    no_adjustment_takes_a_quantity_below_zero,
    an_adjustment_sent_again_with_its_key_is_recorded_once,
    bad_adjustments_are_refused_and_write_nothing,
    managers_adjust_their_stores_and_logistics_the_warehouse,
    adjustments_are_listed_by_product_reason_and_day,
    shrinkage_adds_adjustments_up_per_reason,
);

const STORE_1: &str = "/api/v1/stores/1/adjustments/";
const WAREHOUSE: &str = "/api/v1/warehouse/adjustments/";
const SHRINKAGE: &str = "/api/v1/reports/shrinkage/";

fn adjustment(produit: i64, quantite: i64, motif: &str) -> Value {
    json!({"produit": produit, "quantite": quantite, "motif": motif, "note": "constaté en rayon"})
}

async fn user_token(app: &TestApp, login: &str, role: Role, store: i64) -> String {
    let services = app.services();
    let stores = StoreScope::Only([StoreId(store)].into_iter().collect());
    let user = NewUser::parse(login, login, role, stores).expect("valid user");
    let created = services.create_user(&Actor::Service, &user, "a long enough password").await.expect("user");
    services.issue_api_token(&Actor::Service, created.id, "t").await.expect("token").secret
}

async fn an_adjustment_corrects_a_store_and_names_itself_in_the_ledger(app: TestApp) {
    let before = app.local_qty(1, 1).await.expect("a stock row");
    let reply = app.post(STORE_1, adjustment(1, -2, "casse")).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let body = &reply.body;
    assert_eq!((body["magasin"].as_i64(), body["produit"].as_i64()), (Some(1), Some(1)));
    assert_eq!((body["quantite"].as_i64(), body["solde"].as_i64()), (Some(-2), Some(before - 2)));
    assert_eq!((body["motif"].as_str(), body["note"].as_str()), (Some("casse"), Some("constaté en rayon")));
    assert_eq!((body["produit_nom"].as_str(), body["acteur"].as_str()), (Some("Clavier mécanique"), Some("service")));
    assert!(body["prix_unitaire"].as_str().is_some_and(|p| p.contains('.')), "{body}");
    assert_eq!(app.local_qty(1, 1).await, Some(before - 2), "the stock answer changed (no stale cache)");
    let ledger = app.get("/api/v1/stores/1/ledger/?produit=1&page_size=1").await.body;
    let last = &ledger["results"][0];
    assert_eq!((last["motif"].as_str(), last["quantite"].as_i64()), (Some("ajustement_casse"), Some(-2)));
    assert_eq!((last["solde"].as_i64(), &last["ajustement"]), (Some(before - 2), &body["id"]));
    assert!(last["request_id"].as_str().is_some_and(|r| !r.is_empty()));
    let audit = app.get_with_token("/api/v1/audit/?action=ajustement").await.body;
    assert_eq!(audit["results"][0]["entite_id"], body["id"], "{audit}");

    // Found goods a store had no row for: the row is created.
    assert_eq!(app.local_qty(2, 2).await, None);
    let found = app.post("/api/v1/stores/2/adjustments/", adjustment(2, 3, "erreur_saisie")).await;
    assert_eq!(found.status, StatusCode::CREATED, "{}", found.body);
    assert_eq!(app.local_qty(2, 2).await, Some(3));
    let check = app.ledger_discrepancies().await;
    assert!(check.is_empty(), "every balance equals its ledger: {check:?}");
}

async fn the_warehouse_is_adjusted_by_logistics(app: TestApp) {
    let before = app.warehouse_qty(3).await;
    let token = user_token(&app, "quai", Role::Logistique, 1).await;
    let body = adjustment(3, -5, "peremption").to_string();
    let reply = app.send_raw(Method::POST, WAREHOUSE, body, Some(&token), &[]).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    assert_eq!((reply.body["magasin"].clone(), reply.body["acteur"].as_str()), (Value::Null, Some("quai")));
    assert_eq!(app.warehouse_qty(3).await, before - 5);
    let ledger = app.get("/api/v1/warehouse/ledger/?produit=3&page_size=1").await.body;
    assert_eq!(ledger["results"][0]["motif"], "ajustement_peremption");
    assert_eq!(ledger["results"][0]["acteur"], "quai");
    let listed = app.get(WAREHOUSE).await.body;
    assert_eq!(listed["results"][0]["id"], reply.body["id"]);
    assert_eq!(app.get(STORE_1).await.body["results"], json!([]), "a store's list holds its own only");
}

async fn no_adjustment_takes_a_quantity_below_zero(app: TestApp) {
    let before = app.local_qty(1, 1).await.expect("a stock row");
    let reply = app.post(STORE_1, adjustment(1, -(before + 1), "vol")).await;
    assert_error_body(&reply, 409, STORE_1);
    let warehouse = app.warehouse_qty(1).await;
    let reply = app.post(WAREHOUSE, adjustment(1, -(warehouse + 1), "vol")).await;
    assert_error_body(&reply, 409, WAREHOUSE);
    let no_row = app.post("/api/v1/stores/2/adjustments/", adjustment(2, -1, "vol")).await;
    assert_error_body(&no_row, 409, "/api/v1/stores/2/adjustments/");
    assert_eq!((app.local_qty(1, 1).await, app.warehouse_qty(1).await), (Some(before), warehouse));
    assert_eq!(app.local_qty(2, 2).await, None, "no row created by a refusal");
    let all_of_it = app.post(STORE_1, adjustment(1, -before, "vol")).await;
    assert_eq!(all_of_it.status, StatusCode::CREATED, "down to zero exactly");
    assert_eq!(all_of_it.body["solde"], 0);
    assert_eq!(app.get(STORE_1).await.body["results"].as_array().map(Vec::len), Some(1));
}

async fn an_adjustment_sent_again_with_its_key_is_recorded_once(app: TestApp) {
    let before = app.local_qty(1, 4).await.expect("a stock row");
    let body = adjustment(4, -1, "echantillon").to_string();
    let key = [("idempotency-key", "demo-salon-1")];
    let first = app.send_raw(Method::POST, STORE_1, body.clone(), Some(TOKEN), &key).await;
    assert_eq!(first.status, StatusCode::CREATED);
    let again = app.send_raw(Method::POST, STORE_1, body, Some(TOKEN), &key).await;
    assert_eq!(again.status, StatusCode::CREATED);
    assert_eq!(again.headers.get("idempotent-replayed").and_then(|v| v.to_str().ok()), Some("true"));
    assert_eq!(again.body, first.body);
    assert_eq!(app.local_qty(1, 4).await, Some(before - 1), "adjusted once");
    let other = adjustment(4, -2, "echantillon").to_string();
    assert_error_body(&app.send_raw(Method::POST, STORE_1, other, Some(TOKEN), &key).await, 409, STORE_1);
    let elsewhere = adjustment(4, -1, "echantillon").to_string();
    let path = "/api/v1/stores/2/adjustments/";
    assert_error_body(&app.send_raw(Method::POST, path, elsewhere, Some(TOKEN), &key).await, 409, path);
    assert_eq!(app.local_qty(1, 4).await, Some(before - 1));
}

async fn bad_adjustments_are_refused_and_write_nothing(app: TestApp) {
    let before = (app.local_qty(1, 1).await, app.warehouse_qty(1).await);
    let cases = [
        (adjustment(1, 0, "casse"), "quantite"),
        (adjustment(1, -1_000_001, "casse"), "quantite"),
        (adjustment(1, -1, "perdu"), "motif"),
        (json!({"produit": 1, "quantite": -1, "motif": "autre"}), "note"),
        (json!({"produit": 1, "quantite": -1, "motif": "vol", "note": "x".repeat(501)}), "note"),
        (json!({"produit": 1, "quantite": -1, "motif": "vol", "note": "a\u{0}b"}), "note"),
    ];
    for (body, field) in cases {
        for path in [STORE_1, WAREHOUSE] {
            let reply = app.post(path, body.clone()).await;
            assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{path} {field}");
            assert!(reply.body[field].is_array(), "the field is named: {field}: {}", reply.body);
        }
    }
    assert_eq!(app.post(STORE_1, adjustment(1, 0, "casse")).await.body["quantite"], json!(["Must not be zero."]));
    let choices = app.post(STORE_1, adjustment(1, -1, "perdu")).await.body;
    assert_eq!(choices["motif"], json!(["Select one of casse, vol, peremption, erreur_saisie, echantillon, autre."]));
    let unknown_field = app.post(STORE_1, json!({"produit": 1, "quantite": -1, "motif": "vol", "prix": 1})).await;
    assert_eq!(unknown_field.status, StatusCode::BAD_REQUEST);
    assert_error_body(&app.post(STORE_1, json!({"produit": 1, "quantite": "-1", "motif": "vol"})).await, 400, STORE_1);
    assert_error_body(&app.post(STORE_1, json!({"produit": 1, "motif": "vol"})).await, 400, STORE_1);
    let huge = adjustment(1, -1, "vol").to_string().replace("constaté", &"x".repeat(2 << 20));
    assert_error_body(&app.send_raw(Method::POST, STORE_1, huge, Some(TOKEN), &[]).await, 413, STORE_1);
    assert_error_body(&app.post(STORE_1, adjustment(999, -1, "vol")).await, 404, STORE_1);
    assert_error_body(&app.post(WAREHOUSE, adjustment(999, 1, "vol")).await, 404, WAREHOUSE);
    let unknown_store = "/api/v1/stores/999/adjustments/";
    assert_error_body(&app.post(unknown_store, adjustment(1, 1, "vol")).await, 404, unknown_store);
    let long = "k".repeat(201);
    let key = [("idempotency-key", long.as_str())];
    let bad_key = app.send_raw(Method::POST, STORE_1, adjustment(1, -1, "vol").to_string(), Some(TOKEN), &key).await;
    assert_eq!(bad_key.status, StatusCode::BAD_REQUEST);
    assert_eq!((app.local_qty(1, 1).await, app.warehouse_qty(1).await), before, "nothing adjusted");
    assert_eq!(app.get(STORE_1).await.body["results"], json!([]));
    assert_eq!(app.get(WAREHOUSE).await.body["results"], json!([]));
    assert_error_body(&app.get(unknown_store).await, 404, unknown_store);
    assert_error_body(&app.get(&format!("{STORE_1}?produit=999")).await, 404, STORE_1);
    for bad in ["motif=perdu", "date_debut=hier", "date_debut=2026-02-02&date_fin=2026-02-01", "produit=un"] {
        assert_eq!(app.get(&format!("{STORE_1}?{bad}")).await.status, StatusCode::BAD_REQUEST, "{bad}");
    }
}

async fn managers_adjust_their_stores_and_logistics_the_warehouse(app: TestApp) {
    let before = (app.local_qty(1, 1).await, app.local_qty(3, 2).await, app.warehouse_qty(1).await);
    let paths = [STORE_1, "/api/v1/stores/3/adjustments/", WAREHOUSE];
    // Each role, acting for store 1: which of store 1, store 3 and the warehouse it may adjust.
    let table = [
        (Role::Caissier, [false, false, false]),
        (Role::Gerant, [true, false, false]),
        (Role::Logistique, [false, false, true]),
        (Role::Siege, [false, false, false]),
        (Role::Admin, [true, true, true]),
    ];
    let mut expected = [0, 0, 0];
    for (role, allowed) in table {
        let token = user_token(&app, &format!("ajuste-{}", role.as_str()), role, 1).await;
        for ((path, allowed), count) in paths.iter().zip(allowed).zip(expected.iter_mut()) {
            let product = if path.contains("/3/") { 2 } else { 1 };
            let body = adjustment(product, -1, "casse").to_string();
            let reply = app.send_raw(Method::POST, path, body, Some(&token), &[]).await;
            if allowed {
                assert_eq!(reply.status, StatusCode::CREATED, "{role} {path}: {}", reply.body);
                *count += 1;
            } else {
                assert_error_body(&reply, 403, path);
            }
        }
    }
    let anonymous = app.send_raw(Method::POST, STORE_1, adjustment(1, -1, "casse").to_string(), None, &[]).await;
    assert_error_body(&anonymous, 401, STORE_1);
    let after = (app.local_qty(1, 1).await, app.local_qty(3, 2).await, app.warehouse_qty(1).await);
    assert_eq!(after.0, before.0.map(|q| q - expected[0]));
    assert_eq!(after.1, before.1.map(|q| q - expected[1]));
    assert_eq!(after.2, before.2 - expected[2]);
    assert_eq!(expected, [2, 1, 2]);
}

async fn adjustments_are_listed_by_product_reason_and_day(app: TestApp) {
    let mut ids = Vec::new();
    for (product, quantity, reason) in [(1, -1, "casse"), (2, -1, "vol"), (1, 2, "erreur_saisie")] {
        ids.push(app.post(STORE_1, adjustment(product, quantity, reason)).await.body["id"].as_i64().expect("id"));
    }
    let ids_of = |page: &Value| -> Vec<i64> {
        page["results"].as_array().expect("results").iter().filter_map(|r| r["id"].as_i64()).collect()
    };
    let page = app.get(&format!("{STORE_1}?page_size=2")).await.body;
    assert_eq!(ids_of(&page), [ids[2], ids[1]], "newest first");
    let next = page["next"].as_str().expect("a next page");
    assert_eq!(ids_of(&app.get(&next[next.find("/api/").expect("path")..]).await.body), [ids[0]]);
    assert_eq!(ids_of(&app.get(&format!("{STORE_1}?produit=1")).await.body), [ids[2], ids[0]]);
    assert_eq!(ids_of(&app.get(&format!("{STORE_1}?motif=vol")).await.body), [ids[1]]);
    let today = chrono::Utc::now().date_naive();
    assert_eq!(ids_of(&app.get(&format!("{STORE_1}?date_debut={today}&date_fin={today}")).await.body).len(), 3);
    let tomorrow = today.succ_opt().expect("a day");
    assert_eq!(app.get(&format!("{STORE_1}?date_debut={tomorrow}")).await.body["results"], json!([]));
}

async fn shrinkage_adds_adjustments_up_per_reason(app: TestApp) {
    let empty = app.get(SHRINKAGE).await;
    assert_eq!(empty.status, StatusCode::OK);
    assert_eq!(empty.body["motifs"].as_array().map(Vec::len), Some(7), "every reason listed");
    assert_eq!(empty.body["total"]["ajustements"], 0);
    let price = |reply: &Value| -> i64 {
        let text = reply["prix_unitaire"].as_str().expect("price");
        let (units, cents) = text.split_once('.').expect("two places");
        units.parse::<i64>().expect("units") * 100 + cents.parse::<i64>().expect("cents")
    };
    let broken = app.post(STORE_1, adjustment(1, -3, "casse")).await.body;
    let stolen = app.post("/api/v1/stores/3/adjustments/", adjustment(2, -1, "vol")).await.body;
    let recount = app.post(STORE_1, adjustment(2, 4, "erreur_saisie")).await.body;
    let found = app.post(WAREHOUSE, adjustment(1, 1, "casse")).await.body;
    let report = app.get(SHRINKAGE).await.body;
    let line = |report: &Value, motif: &str| -> Value {
        report["motifs"].as_array().expect("lines").iter().find(|l| l["motif"] == motif).cloned().expect(motif)
    };
    let cents = |v: &Value| -> i64 {
        let (units, cents) = v.as_str().expect("decimal").split_once('.').expect("two places");
        units.parse::<i64>().expect("units") * 100 + cents.parse::<i64>().expect("cents")
    };
    let casse = line(&report, "casse");
    assert_eq!((casse["ajustements"].as_i64(), casse["unites_sorties"].as_i64()), (Some(2), Some(3)));
    assert_eq!((casse["unites_entrees"].as_i64(), casse["unites_nettes"].as_i64()), (Some(1), Some(2)));
    assert_eq!(cents(&casse["valeur_sorties"]), 3 * price(&broken));
    assert_eq!(cents(&casse["valeur_nette"]), 3 * price(&broken) - price(&found));
    assert_eq!(line(&report, "vol")["unites_nettes"], 1);
    assert_eq!(line(&report, "erreur_saisie")["unites_nettes"], -4);
    let total = &report["total"];
    assert_eq!((total["ajustements"].as_i64(), total["unites_nettes"].as_i64()), (Some(3), Some(3)), "{report}");
    assert_eq!(cents(&total["valeur_nette"]), 3 * price(&broken) - price(&found) + price(&stolen));
    assert!(price(&recount) > 0);

    let store_1 = app.get(&format!("{SHRINKAGE}?magasin=1")).await.body;
    assert_eq!(line(&store_1, "casse")["unites_nettes"], 3);
    assert_eq!(line(&store_1, "vol")["ajustements"], 0);
    let warehouse = app.get(&format!("{SHRINKAGE}?magasin=entrepot")).await.body;
    assert_eq!(line(&warehouse, "casse")["unites_nettes"], -1);
    let tomorrow = chrono::Utc::now().date_naive().succ_opt().expect("a day");
    assert_eq!(app.get(&format!("{SHRINKAGE}?date_debut={tomorrow}")).await.body["total"]["ajustements"], 0);
    for bad in ["magasin=abc", "date_fin=demain", "date_debut=2026-02-02&date_fin=2026-02-01"] {
        assert_eq!(app.get(&format!("{SHRINKAGE}?{bad}")).await.status, StatusCode::BAD_REQUEST, "{bad}");
    }
    assert_error_body(&app.get(&format!("{SHRINKAGE}?magasin=999")).await, 404, SHRINKAGE);
}
