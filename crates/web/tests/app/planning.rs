//! Replenishment planning through the API, on SQLite and on PostgreSQL: requests with several
//! lines, approval in full, in part or as far as the warehouse holds (and every refusal, with
//! nothing written), the suggestions turned into one request per store once a day, and the
//! automatic request a sale raises, never twice while one is pending; and the warehouse's own
//! rules, turned into draft purchase orders once a day.

use crate::helpers::{TOKEN, TestApp, assert_error_body};
use axum::http::{Method, StatusCode};
use magasin_service::domain::accounts::Role;
use serde_json::{Value, json};

magasin_store_sql::on_both_engines!(TestApp::start;
    a_request_carries_several_lines_and_moves_them_all_on_approval,
    short_requests_are_refused_the_labs_way_or_granted_in_part_with_terms,
    bad_lines_and_terms_are_refused_and_write_nothing,
    suggestions_become_one_request_per_store_once_a_day,
    an_automatic_rule_raises_a_request_after_the_sale_that_crosses_its_minimum,
    concurrent_sales_crossing_a_minimum_raise_exactly_one_request,
    the_warehouse_orders_from_its_own_rules_once_a_day,
    bad_warehouse_rules_and_orders_are_refused_and_write_nothing,
);

const REQUESTS: &str = "/api/v1/replenishments/";
const APPLY: &str = "/api/v1/replenishments/suggestions/apply/";

async fn ask(app: &TestApp, magasin: i64, lines: &[(i64, i64)]) -> Value {
    let lignes: Vec<Value> = lines.iter().map(|(p, q)| json!({"produit": p, "quantite": q})).collect();
    let reply = app.post(REQUESTS, json!({"magasin": magasin, "lignes": lignes})).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    reply.body
}

fn approve_path(request: &Value) -> String {
    format!("{REQUESTS}{}/approve/", request["id"])
}

fn granted(request: &Value) -> Vec<Option<i64>> {
    request["lignes"].as_array().expect("lines").iter().map(|l| l["accordee"].as_i64()).collect()
}

async fn set_rules(app: &TestApp, store: i64, regles: Value) {
    let path = format!("/api/v1/stores/{store}/rules/");
    let reply = app.send(Method::PUT, &path, json!({ "regles": regles })).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
}

async fn requests_of(app: &TestApp, store: i64) -> Vec<Value> {
    let reply = app.get(&format!("{REQUESTS}?magasin={store}")).await;
    reply.body["results"].as_array().expect("results").clone()
}

async fn sell(app: &TestApp, store: i64, product: i64, quantity: i64) {
    let body = json!({"magasin": store, "lignes": [{"produit": product, "quantite": quantity}]});
    let reply = app.post("/api/v1/sales/", body).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
}

async fn a_request_carries_several_lines_and_moves_them_all_on_approval(app: TestApp) {
    let created = ask(&app, 2, &[(1, 10), (11, 5)]).await;
    assert_eq!((created["produit"].as_i64(), created["quantite"].as_i64()), (Some(1), Some(10)), "the first line");
    assert_eq!((created["statut"].as_str(), created["origine"].as_str()), (Some("en_attente"), Some("manuelle")));
    assert_eq!(granted(&created), [None, None]);
    let lines = created["lignes"].as_array().expect("lines");
    assert_eq!((lines[1]["ligne"].as_i64(), lines[1]["produit"].as_i64()), (Some(2), Some(11)));
    let read = app.get(&format!("{REQUESTS}{}/", created["id"])).await.body;
    assert_eq!(read["lignes"], created["lignes"]);

    let approved = app.send_raw(Method::POST, &approve_path(&created), String::new(), Some(TOKEN), &[]).await;
    assert_eq!(approved.status, StatusCode::OK, "{}", approved.body);
    assert_eq!(
        (approved.body["statut"].as_str(), approved.body["partielle"].as_bool()),
        (Some("approuvée"), Some(false))
    );
    assert_eq!(granted(&approved.body), [Some(10), Some(5)]);
    assert_eq!((app.warehouse_qty(1).await, app.warehouse_qty(11).await), (190, 75));
    assert_eq!((app.local_qty(2, 1).await, app.local_qty(2, 11).await), (Some(28), Some(5)));
    let ledger = app.get("/api/v1/warehouse/ledger/?produit=11").await.body;
    assert_eq!(ledger["results"][0]["demande"], created["id"], "{ledger}");
    assert!(app.ledger_discrepancies().await.is_empty());
}

async fn short_requests_are_refused_the_labs_way_or_granted_in_part_with_terms(app: TestApp) {
    // The lab's approval: the whole request is refused, and says which line is short.
    let short = ask(&app, 2, &[(11, 100), (1, 10)]).await;
    let refused = app.post(&approve_path(&short), Value::Null).await;
    assert_error_body(&refused, 409, &approve_path(&short));
    let now = app.get(&format!("{REQUESTS}{}/", short["id"])).await.body;
    assert_eq!(now["statut"], "refusée");
    let motif = now["motif"].as_str().expect("reason");
    assert!(motif.contains("80 disponible(s), 100 demandé(s)") && !motif.contains("200"), "{motif}");
    assert_eq!(granted(&now), [Some(0), Some(0)]);
    assert_eq!((app.warehouse_qty(11).await, app.warehouse_qty(1).await), (80, 200));

    // With terms, a shortfall leaves the request pending and moves nothing.
    let again = ask(&app, 2, &[(11, 100), (1, 10)]).await;
    let less = json!({"lignes": [{"produit": 11, "quantite": 90}]});
    assert_error_body(&app.post(&approve_path(&again), less).await, 409, &approve_path(&again));
    assert_eq!(app.get(&format!("{REQUESTS}{}/", again["id"])).await.body["statut"], "en_attente");
    assert_eq!(app.warehouse_qty(11).await, 80);

    // What is available: 80 of the 100, the 10 in full.
    let available = app.post(&approve_path(&again), json!({"selon_stock": true})).await;
    assert_eq!(available.status, StatusCode::OK, "{}", available.body);
    assert_eq!(granted(&available.body), [Some(80), Some(10)]);
    assert_eq!(available.body["partielle"], true);
    assert_eq!((app.warehouse_qty(11).await, app.local_qty(2, 11).await), (0, Some(80)));

    // Nothing left to grant: still a conflict, still pending.
    let empty = ask(&app, 2, &[(11, 5)]).await;
    assert_error_body(&app.post(&approve_path(&empty), json!({"selon_stock": true})).await, 409, &approve_path(&empty));
    assert_eq!(app.get(&format!("{REQUESTS}{}/", empty["id"])).await.body["statut"], "en_attente");

    // Less than asked, by hand.
    let by_hand = ask(&app, 3, &[(1, 10), (2, 4)]).await;
    let three = app.post(&approve_path(&by_hand), json!({"lignes": [{"produit": 1, "quantite": 3}]})).await;
    assert_eq!(granted(&three.body), [Some(3), Some(4)], "{}", three.body);
    assert_eq!((app.local_qty(3, 1).await, app.warehouse_qty(1).await), (Some(3), 190 - 3));
    assert!(app.ledger_discrepancies().await.is_empty());
}

async fn bad_lines_and_terms_are_refused_and_write_nothing(app: TestApp) {
    let field_of = |reply: &crate::helpers::Reply| {
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
        reply.body.as_object().expect("fields").keys().cloned().collect::<Vec<_>>()
    };
    let post = |body: Value| app.post(REQUESTS, body);
    assert_eq!(field_of(&post(json!({"magasin": 1, "lignes": []})).await), ["lignes"]);
    let twice = json!({"magasin": 1, "lignes": [{"produit": 1, "quantite": 1}, {"produit": 1, "quantite": 2}]});
    assert_eq!(field_of(&post(twice).await), ["lignes[1].produit"]);
    let zero = json!({"magasin": 1, "lignes": [{"produit": 1, "quantite": 1}, {"produit": 2, "quantite": 0}]});
    assert_eq!(field_of(&post(zero).await), ["lignes[1].quantite"]);
    let both = json!({"magasin": 1, "produit": 1, "quantite": 1, "lignes": [{"produit": 2, "quantite": 1}]});
    assert_eq!(field_of(&post(both).await), ["lignes"]);
    assert_eq!(field_of(&post(json!({"magasin": 1, "produit": 1})).await), ["quantite"]);
    assert_eq!(field_of(&post(json!({"magasin": 1})).await), ["produit"]);
    let many: Vec<Value> = (1..=5_001).map(|p| json!({"produit": p, "quantite": 1})).collect();
    assert_eq!(field_of(&post(json!({"magasin": 1, "lignes": many})).await), ["lignes"]);
    let unknown = json!({"magasin": 1, "lignes": [{"produit": 1, "quantite": 1}, {"produit": 99, "quantite": 1}]});
    assert_error_body(&post(unknown).await, 404, REQUESTS);
    assert_error_body(&post(json!({"magasin": 99, "lignes": [{"produit": 1, "quantite": 1}]})).await, 404, REQUESTS);
    let extra = json!({"magasin": 1, "lignes": [{"produit": 1, "quantite": 1, "prix": 3}]});
    assert_eq!(post(extra).await.status, StatusCode::BAD_REQUEST);
    assert!(requests_of(&app, 1).await.is_empty(), "nothing was written");

    let request = ask(&app, 2, &[(1, 10), (2, 4)]).await;
    let path = approve_path(&request);
    let terms = |body: Value| app.post(&path, body);
    assert_eq!(field_of(&terms(json!({"lignes": [{"produit": 3, "quantite": 1}]})).await), ["lignes[0].produit"]);
    assert_eq!(field_of(&terms(json!({"lignes": [{"produit": 1, "quantite": 11}]})).await), ["lignes[0].quantite"]);
    assert_eq!(field_of(&terms(json!({"lignes": [{"produit": 1, "quantite": -1}]})).await), ["lignes[0].quantite"]);
    let nothing = json!({"lignes": [{"produit": 1, "quantite": 0}, {"produit": 2, "quantite": 0}]});
    assert_eq!(field_of(&terms(nothing).await), ["lignes"], "granting nothing is a rejection");
    assert_eq!(terms(json!({"selon_stock": "oui"})).await.status, StatusCode::BAD_REQUEST);
    assert_eq!(terms(json!({"tout": true})).await.status, StatusCode::BAD_REQUEST);
    let malformed = app.send_raw(Method::POST, &path, "{\"lignes\":".into(), Some(TOKEN), &[]).await;
    assert_error_body(&malformed, 400, &path);
    assert_eq!(app.get(&format!("{REQUESTS}{}/", request["id"])).await.body["statut"], "en_attente");
    assert_eq!(app.warehouse_qty(1).await, 200);
    let missing = "/api/v1/replenishments/999/approve/";
    assert_error_body(&app.post(missing, json!({"selon_stock": true})).await, 404, missing);
    assert_eq!(terms(json!({"lignes": [{"produit": 1, "quantite": 2}]})).await.status, StatusCode::OK);
    assert_error_body(&terms(json!({"selon_stock": true})).await, 409, &path);
}

async fn suggestions_become_one_request_per_store_once_a_day(app: TestApp) {
    let nothing = app.post(APPLY, Value::Null).await;
    assert_eq!((nothing.status, &nothing.body), (StatusCode::OK, &json!({"creees": 0, "demandes": []})));
    // Store 1 holds 20 keyboards and 35 mice; store 2 holds 18 keyboards.
    set_rules(&app, 1, json!([{"produit": 1, "min": 25, "max": 40}, {"produit": 2, "min": 1, "max": 50}])).await;
    set_rules(&app, 2, json!([{"produit": 1, "min": 20, "max": 30, "multiple": 5}])).await;
    let applied = app.post(APPLY, json!({})).await;
    assert_eq!(applied.status, StatusCode::CREATED, "{}", applied.body);
    assert_eq!(applied.body["creees"], 2);
    let demandes = applied.body["demandes"].as_array().expect("requests").clone();
    let summary: Vec<(Option<i64>, Value)> = demandes
        .iter()
        .map(|d| {
            (
                d["magasin"].as_i64(),
                json!(
                    d["lignes"]
                        .as_array()
                        .expect("lines")
                        .iter()
                        .map(|l| (&l["produit"], &l["quantite"]))
                        .collect::<Vec<_>>()
                ),
            )
        })
        .collect();
    assert_eq!(summary, [(Some(1), json!([[1, 20]])), (Some(2), json!([[1, 15]]))], "12 rounded up to 3 × 5");
    assert!(demandes.iter().all(|d| d["origine"] == "suggestion" && d["statut"] == "en_attente"));

    let again = app.post(APPLY, json!({})).await;
    assert_eq!((again.status, &again.body["creees"]), (StatusCode::OK, &json!(0)), "{}", again.body);
    assert_eq!(requests_of(&app, 1).await.len(), 1, "no second request while the first covers the need");
    // Rejected, the need is back; but the store's request of the day was made.
    let first = &demandes[0];
    assert_eq!(app.post(&format!("{REQUESTS}{}/reject/", first["id"]), Value::Null).await.status, StatusCode::OK);
    let once = app.post(APPLY, json!({"magasin": 1})).await;
    assert_eq!((once.status, &once.body["creees"]), (StatusCode::OK, &json!(0)), "{}", once.body);
    assert_eq!(once.body["demandes"][0]["id"], first["id"], "the day's request, not a new one");
    assert_eq!(requests_of(&app, 1).await.len(), 1);

    let manager = app.token_for("chef-nord", Role::Gerant, 2).await;
    let as_manager = |body: &str| app.send_raw(Method::POST, APPLY, body.to_string(), Some(&manager), &[]);
    assert_eq!(as_manager("{\"magasin\": 2}").await.status, StatusCode::OK, "a manager, in their store");
    assert_error_body(&as_manager("{\"magasin\": 1}").await, 403, APPLY);
    assert_error_body(&as_manager("").await, 403, APPLY);
    let cashier = app.token_for("caisse-nord", Role::Caissier, 2).await;
    let by_cashier = app.send_raw(Method::POST, APPLY, "{\"magasin\": 2}".into(), Some(&cashier), &[]).await;
    assert_error_body(&by_cashier, 403, APPLY);
    assert_error_body(&app.send_raw(Method::POST, APPLY, String::new(), None, &[]).await, 401, APPLY);
    assert_error_body(&app.post(APPLY, json!({"magasin": 999})).await, 404, APPLY);
    assert_eq!(app.post(APPLY, json!({"magasin": "un"})).await.status, StatusCode::BAD_REQUEST);
    assert_eq!(app.post(APPLY, json!({"tous": true})).await.status, StatusCode::BAD_REQUEST);
}

async fn automatic_of(app: &TestApp, store: i64) -> Vec<Value> {
    requests_of(app, store).await.into_iter().filter(|r| r["origine"] == "automatique").collect()
}

async fn an_automatic_rule_raises_a_request_after_the_sale_that_crosses_its_minimum(app: TestApp) {
    // Store 1: 20 keyboards (1), 15 of product 3, 35 mice (2).
    set_rules(
        &app,
        1,
        json!([
            {"produit": 1, "min": 19, "max": 30, "mode": "automatique"},
            {"produit": 3, "min": 20, "max": 30, "mode": "manuel"}
        ]),
    )
    .await;
    sell(&app, 1, 3, 1).await;
    sell(&app, 1, 2, 1).await;
    assert!(automatic_of(&app, 1).await.is_empty(), "a manual rule only suggests; a product without rule asks nothing");
    sell(&app, 1, 1, 1).await;
    assert!(automatic_of(&app, 1).await.is_empty(), "19 is not below the minimum");
    sell(&app, 1, 1, 1).await;
    let raised = automatic_of(&app, 1).await;
    assert_eq!(raised.len(), 1, "18 is below 19");
    let request = &raised[0];
    assert_eq!((request["demandeur"].as_str(), request["statut"].as_str()), (Some("system"), Some("en_attente")));
    assert_eq!(
        request["lignes"],
        json!([{"ligne": 1, "produit": 1, "produit_nom": "Clavier mécanique", "quantite": 12, "accordee": null}])
    );
    sell(&app, 1, 1, 1).await;
    assert_eq!(automatic_of(&app, 1).await.len(), 1, "never a second one while one is pending");

    let approved = app.post(&approve_path(request), Value::Null).await;
    assert_eq!(approved.status, StatusCode::OK, "{}", approved.body);
    assert_eq!(app.local_qty(1, 1).await, Some(17 + 12));
    sell(&app, 1, 1, 1).await;
    assert_eq!(automatic_of(&app, 1).await.len(), 1, "28 is not below 19");
    set_rules(&app, 1, json!([{"produit": 1, "min": 40, "max": 50, "mode": "automatique"}])).await;
    sell(&app, 1, 1, 1).await;
    let both = automatic_of(&app, 1).await;
    assert_eq!(both.len(), 2, "the first was decided: a new one may be raised");
    assert_eq!(both[0]["lignes"][0]["quantite"], 50 - 27);
}

async fn concurrent_sales_crossing_a_minimum_raise_exactly_one_request(app: TestApp) {
    set_rules(&app, 1, json!([{"produit": 1, "min": 15, "max": 30, "mode": "automatique"}])).await;
    let sales = (0..8).map(|_| sell(&app, 1, 1, 1));
    futures::future::join_all(sales).await;
    assert_eq!(app.local_qty(1, 1).await, Some(12));
    let raised = automatic_of(&app, 1).await;
    assert_eq!(raised.len(), 1, "{raised:?}");
    assert!(raised[0]["lignes"][0]["quantite"].as_i64().is_some_and(|q| q >= 30 - 14), "{}", raised[0]);
}

const WAREHOUSE_RULES: &str = "/api/v1/warehouse/rules/";
const WAREHOUSE_SUGGESTIONS: &str = "/api/v1/warehouse/suggestions/";
const ORDER: &str = "/api/v1/warehouse/suggestions/apply/";

async fn the_warehouse_orders_from_its_own_rules_once_a_day(app: TestApp) {
    assert_eq!(app.get(WAREHOUSE_SUGGESTIONS).await.body, json!([]), "no rule, nothing to order");
    let nothing = app.post(ORDER, json!({"fournisseur": "Grossiste"})).await;
    assert_eq!((nothing.status, &nothing.body), (StatusCode::OK, &json!({"creees": 0, "commandes": []})));
    // The warehouse holds 200 keyboards and 80 webcams; 30 webcams are still due.
    let draft = app
        .post(
            "/api/v1/warehouse/purchase-orders/",
            json!({"fournisseur": "Avant", "lignes": [{"produit": 11, "quantite": 30}]}),
        )
        .await;
    let sent = app.post(&format!("/api/v1/warehouse/purchase-orders/{}/send/", draft.body["id"]), Value::Null).await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.body);
    let rules = json!({"regles": [
        {"produit": 1, "min": 100, "max": 150},
        {"produit": 11, "min": 120, "max": 200, "multiple": 12},
        {"produit": 2, "min": 100, "max": 400}
    ]});
    let set = app.send(Method::PUT, WAREHOUSE_RULES, rules).await;
    assert_eq!((set.status, &set.body), (StatusCode::OK, &json!({"regles": 3})), "{}", set.body);
    let read = app.get(WAREHOUSE_RULES).await.body;
    assert_eq!(read.as_array().map(Vec::len), Some(3));
    assert_eq!((&read[0]["produit"], &read[0]["modifiee_par"]), (&json!(1), &json!("service")));
    let suggestions = app.get(WAREHOUSE_SUGGESTIONS).await.body;
    assert_eq!(
        suggestions,
        json!([{"produit": 11, "produit_nom": "Webcam HD 1080p", "disponible": 80, "attendu": 30, "min": 120,
                "max": 200, "multiple": 12, "a_commander": 96}]),
        "80 + 30 below 120: 90 missing, rounded up to 8 × 12; the others hold enough"
    );
    let ordered = app.post(ORDER, json!({"fournisseur": "Grossiste Nord"})).await;
    assert_eq!(ordered.status, StatusCode::CREATED, "{}", ordered.body);
    assert_eq!(ordered.body["creees"], 1);
    let order = &ordered.body["commandes"][0];
    assert_eq!((order["statut"].as_str(), order["fournisseur"].as_str()), (Some("brouillon"), Some("Grossiste Nord")));
    assert_eq!(order["lignes"][0]["produit"], 11);
    assert_eq!(order["lignes"][0]["commandee"], 96);
    let again = app.post(ORDER, json!({"fournisseur": "Grossiste Nord"})).await;
    assert_eq!((again.status, &again.body["creees"]), (StatusCode::OK, &json!(0)), "{}", again.body);
    assert_eq!(again.body["commandes"][0]["id"], order["id"], "the day's draft, not a second one");
    let orders = app.get("/api/v1/warehouse/purchase-orders/?statut=brouillon").await.body;
    assert_eq!(orders["results"].as_array().map(Vec::len), Some(1));
}

async fn bad_warehouse_rules_and_orders_are_refused_and_write_nothing(app: TestApp) {
    let put = |regles: Value| app.send(Method::PUT, WAREHOUSE_RULES, json!({ "regles": regles }));
    let fields = |reply: &crate::helpers::Reply| {
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
        reply.body.as_object().expect("fields").keys().cloned().collect::<Vec<_>>()
    };
    assert_eq!(fields(&put(json!([{"produit": 1, "min": 5, "max": 4}])).await), ["regles[0].max"]);
    assert_eq!(
        fields(&put(json!([{"produit": 1, "min": 1, "max": 4, "mode": "automatique"}])).await),
        ["regles[0].mode"]
    );
    assert_eq!(fields(&put(json!([])).await), ["regles"]);
    assert_error_body(&put(json!([{"produit": 99, "min": 1, "max": 4}])).await, 404, WAREHOUSE_RULES);
    assert_eq!(app.get(WAREHOUSE_RULES).await.body, json!([]), "nothing was written");
    assert_eq!(fields(&app.post(ORDER, json!({"fournisseur": "  "})).await), ["fournisseur"]);
    assert_eq!(app.post(ORDER, json!({})).await.status, StatusCode::BAD_REQUEST);
    assert_eq!(app.post(ORDER, json!({"fournisseur": "G", "tolerance": 5})).await.status, StatusCode::BAD_REQUEST);

    let manager = app.token_for("chef-centre", Role::Gerant, 1).await;
    let body = json!({"regles": [{"produit": 1, "min": 1, "max": 4}]}).to_string();
    let by_manager = app.send_raw(Method::PUT, WAREHOUSE_RULES, body.clone(), Some(&manager), &[]).await;
    assert_error_body(&by_manager, 403, WAREHOUSE_RULES);
    let ordered = app.send_raw(Method::POST, ORDER, "{\"fournisseur\": \"G\"}".into(), Some(&manager), &[]).await;
    assert_error_body(&ordered, 403, ORDER);
    assert_error_body(&app.send_raw(Method::PUT, WAREHOUSE_RULES, body, None, &[]).await, 401, WAREHOUSE_RULES);
    let logistics = app.token_for("quai", Role::Logistique, 1).await;
    let rule = json!({"regles": [{"produit": 1, "min": 1, "max": 4}]}).to_string();
    let by_logistics = app.send_raw(Method::PUT, WAREHOUSE_RULES, rule, Some(&logistics), &[]).await;
    assert_eq!(by_logistics.status, StatusCode::OK, "{}", by_logistics.body);
}
