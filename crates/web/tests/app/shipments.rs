//! Goods in transit through the API, on SQLite and on PostgreSQL: with `transit`, an approval
//! reserves the warehouse's goods (no sale, adjustment or other request can take them) and
//! prepares a shipment, which ships into transit and is received with its missing and damaged
//! units, each step once; a cancel releases the reserve; transfers between stores follow the
//! same steps; and at every step the ledger adds up to warehouse + stores + transit.

use crate::helpers::{TOKEN, TestApp, assert_error_body};
use axum::http::{Method, StatusCode};
use magasin_service::Settings;
use magasin_service::domain::accounts::Role;
use serde_json::{Value, json};

magasin_store_sql::on_both_engines!(TestApp::start;
    an_approval_reserves_then_ships_then_receives_with_one_missing_unit,
    each_step_happens_once_and_in_order,
    a_cancel_before_shipping_releases_the_reserve,
    a_transfer_reserves_at_its_store_and_sales_cannot_take_the_reserve,
    bad_transfers_and_receptions_are_refused_and_write_nothing,
    only_the_origin_ships_and_only_the_store_receives,
    racing_approvals_shipments_receptions_transfers_and_sales_keep_the_ledger_whole,
    goods_on_their_way_count_as_asked_in_the_suggestions,
);

const SHIPMENTS: &str = "/api/v1/shipments/";

fn in_transit(app: &TestApp) -> TestApp {
    app.clone().with_settings(Settings { transit: true, ..Settings::default() })
}

fn step(id: &Value, what: &str) -> String {
    format!("{SHIPMENTS}{id}/{what}/")
}

/// A request of store 2 for `lines`, approved: its shipment.
async fn approved_shipment(app: &TestApp, lines: &[(i64, i64)]) -> Value {
    let lignes: Vec<Value> = lines.iter().map(|(p, q)| json!({"produit": p, "quantite": q})).collect();
    let asked = app.post("/api/v1/replenishments/", json!({"magasin": 2, "lignes": lignes})).await;
    assert_eq!(asked.status, StatusCode::CREATED, "{}", asked.body);
    let approved = app.post(&format!("/api/v1/replenishments/{}/approve/", asked.body["id"]), Value::Null).await;
    assert_eq!(approved.status, StatusCode::OK, "{}", approved.body);
    assert_eq!(approved.body["statut"], "approuvée");
    let shipment = app.get(&format!("{SHIPMENTS}{}/", approved.body["expedition"])).await;
    assert_eq!(shipment.status, StatusCode::OK, "{}", shipment.body);
    shipment.body
}

async fn warehouse_reserve(app: &TestApp, product: i64) -> i64 {
    let listed = app.get("/api/v1/warehouse/stock/?page_size=100").await;
    let rows = listed.body["results"].as_array().expect("rows").clone();
    let row = rows.iter().find(|r| r["produit"] == product).expect("the product's row");
    row["reserve"].as_i64().expect("reserve")
}

async fn ledger_adds_up(app: &TestApp) {
    assert_eq!(app.ledger_discrepancies().await, vec![], "warehouse + stores + transit = the ledger");
}

async fn an_approval_reserves_then_ships_then_receives_with_one_missing_unit(app: TestApp) {
    let app = in_transit(&app);
    let (warehouse, store) = (app.warehouse_qty(1).await, app.local_qty(2, 1).await.unwrap_or(0));
    let shipment = approved_shipment(&app, &[(1, 10), (11, 4)]).await;
    assert_eq!((shipment["statut"].as_str(), shipment["origine"].as_i64()), (Some("preparee"), None));
    assert_eq!(app.warehouse_qty(1).await, warehouse, "reserved, not moved");
    assert_eq!(warehouse_reserve(&app, 1).await, 10, "the warehouse's stock shows the reserve");
    assert_eq!(app.local_qty(2, 1).await.unwrap_or(0), store);
    // The reserve is not available to another approval.
    let available = warehouse - 10;
    let greedy =
        app.post("/api/v1/replenishments/", json!({"magasin": 1, "produit": 1, "quantite": available + 1})).await;
    let refused = app.post(&format!("/api/v1/replenishments/{}/approve/", greedy.body["id"]), Value::Null).await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.body);
    ledger_adds_up(&app).await;

    let shipped = app.post(&step(&shipment["id"], "ship"), Value::Null).await;
    assert_eq!(
        (shipped.status, shipped.body["statut"].as_str()),
        (StatusCode::OK, Some("expediee")),
        "{}",
        shipped.body
    );
    assert_eq!(app.warehouse_qty(1).await, warehouse - 10, "left the warehouse");
    assert_eq!(warehouse_reserve(&app, 1).await, 0, "and its reserve");
    assert_eq!(app.local_qty(2, 1).await.unwrap_or(0), store, "not arrived yet");
    ledger_adds_up(&app).await;

    let report = json!({"lignes": [{"produit": 1, "manquante": 1}, {"produit": 11, "endommagee": 2}]});
    let received = app.post(&step(&shipment["id"], "receive"), report.clone()).await;
    assert_eq!(received.status, StatusCode::OK, "{}", received.body);
    assert_eq!(received.body["statut"], "recue");
    let lines: Vec<(i64, i64, i64)> = received.body["lignes"]
        .as_array()
        .expect("lines")
        .iter()
        .map(|l| {
            (
                l["recue"].as_i64().unwrap_or(-1),
                l["manquante"].as_i64().unwrap_or(-1),
                l["endommagee"].as_i64().unwrap_or(-1),
            )
        })
        .collect();
    assert_eq!(lines, vec![(9, 1, 0), (2, 0, 2)]);
    assert_eq!(app.local_qty(2, 1).await, Some(store + 9));
    assert_eq!(app.local_qty(2, 11).await, Some(2));
    ledger_adds_up(&app).await;
    let ledger = app.get("/api/v1/stores/2/ledger/?produit=1").await;
    let newest = &ledger.body["results"][0];
    assert_eq!((newest["motif"].as_str(), newest["quantite"].as_i64()), (Some("expedition_entree"), Some(9)));
    // A retry of the same reception changes nothing.
    let again = app.post(&step(&shipment["id"], "receive"), report).await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.headers.get("idempotent-replayed").map(|v| v.as_bytes()), Some(&b"true"[..]));
    assert_eq!(app.local_qty(2, 1).await, Some(store + 9));
}

async fn each_step_happens_once_and_in_order(app: TestApp) {
    let app = in_transit(&app);
    let shipment = approved_shipment(&app, &[(1, 3)]).await;
    let early = step(&shipment["id"], "receive");
    assert_error_body(&app.post(&early, Value::Null).await, 409, &early);
    let ship = step(&shipment["id"], "ship");
    assert_eq!(app.post(&ship, Value::Null).await.status, StatusCode::OK);
    let warehouse = app.warehouse_qty(1).await;
    let twice = app.post(&ship, Value::Null).await;
    assert_eq!(twice.status, StatusCode::OK, "a retry answers the shipment");
    assert_eq!(app.warehouse_qty(1).await, warehouse, "and ships nothing more");
    let cancel = step(&shipment["id"], "cancel");
    let late = app.post(&cancel, Value::Null).await;
    assert_error_body(&late, 409, &cancel);
    assert!(late.body["message"].as_str().is_some_and(|m| m.contains("no longer be cancelled")), "{}", late.body);
    let receive = step(&shipment["id"], "receive");
    assert_eq!(app.post(&receive, Value::Null).await.status, StatusCode::OK);
    let other = app.post(&receive, json!({"lignes": [{"produit": 1, "manquante": 1}]})).await;
    assert_error_body(&other, 409, &receive);
    ledger_adds_up(&app).await;
    let unknown = format!("{SHIPMENTS}999999/ship/");
    assert_error_body(&app.post(&unknown, Value::Null).await, 404, &unknown);
}

async fn a_cancel_before_shipping_releases_the_reserve(app: TestApp) {
    let app = in_transit(&app);
    let warehouse = app.warehouse_qty(11).await;
    let shipment = approved_shipment(&app, &[(11, warehouse)]).await;
    // Everything is reserved: the warehouse cannot be adjusted below it.
    let adjust = json!({"produit": 11, "quantite": -1, "motif": "casse"});
    let refused = app.post("/api/v1/warehouse/adjustments/", adjust.clone()).await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.body);
    let cancelled = app.post(&step(&shipment["id"], "cancel"), Value::Null).await;
    assert_eq!(cancelled.body["statut"], "annulee", "{}", cancelled.body);
    assert_eq!(app.warehouse_qty(11).await, warehouse);
    let ship = step(&shipment["id"], "ship");
    assert_error_body(&app.post(&ship, Value::Null).await, 409, &ship);
    let adjusted = app.post("/api/v1/warehouse/adjustments/", adjust).await;
    assert_eq!(adjusted.status, StatusCode::CREATED, "released: {}", adjusted.body);
    ledger_adds_up(&app).await;
}

async fn a_transfer_reserves_at_its_store_and_sales_cannot_take_the_reserve(app: TestApp) {
    // Store 1 holds 20 keyboards (product 1); store 2 holds 18.
    let key = [("idempotency-key", "transfer-1")];
    let body = json!({"origine": 1, "magasin": 2, "lignes": [{"produit": 1, "quantite": 15}]}).to_string();
    let created = app.send_raw(Method::POST, SHIPMENTS, body.clone(), Some(TOKEN), &key).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    assert_eq!((created.body["origine"].as_i64(), created.body["statut"].as_str()), (Some(1), Some("preparee")));
    let replayed = app.send_raw(Method::POST, SHIPMENTS, body, Some(TOKEN), &key).await;
    assert_eq!((replayed.status, &replayed.body["id"]), (StatusCode::OK, &created.body["id"]));
    let other = json!({"origine": 1, "magasin": 2, "lignes": [{"produit": 1, "quantite": 1}]}).to_string();
    let reused = app.send_raw(Method::POST, SHIPMENTS, other, Some(TOKEN), &key).await;
    assert_error_body(&reused, 409, SHIPMENTS);

    let sale = |q: i64| json!({"magasin": 1, "lignes": [{"produit": 1, "quantite": q}]});
    let short = app.post("/api/v1/sales/", sale(6)).await;
    assert_eq!(short.status, StatusCode::CONFLICT, "15 of 20 are reserved: {}", short.body);
    assert_eq!(app.post("/api/v1/sales/", sale(5)).await.status, StatusCode::CREATED);
    assert_eq!(app.local_qty(1, 1).await, Some(15));

    let id = &created.body["id"];
    assert_eq!(app.post(&step(id, "ship"), Value::Null).await.status, StatusCode::OK);
    assert_eq!(app.local_qty(1, 1).await, Some(0));
    assert_eq!(app.post(&step(id, "receive"), Value::Null).await.status, StatusCode::OK);
    assert_eq!(app.local_qty(2, 1).await, Some(18 + 15));
    ledger_adds_up(&app).await;
    let listed = app.get(&format!("{SHIPMENTS}?magasin=1&statut=recue")).await;
    assert_eq!(listed.body["results"][0]["id"], *id);
}

async fn bad_transfers_and_receptions_are_refused_and_write_nothing(app: TestApp) {
    let transfer =
        |origine: i64, magasin: i64, lignes: Value| json!({"origine": origine, "magasin": magasin, "lignes": lignes});
    let line = json!([{"produit": 1, "quantite": 1}]);
    let same = app.post(SHIPMENTS, transfer(1, 1, line.clone())).await;
    assert_eq!((same.status, same.body["magasin"].is_array()), (StatusCode::BAD_REQUEST, true), "{}", same.body);
    let empty = app.post(SHIPMENTS, transfer(1, 2, json!([]))).await;
    assert_eq!((empty.status, empty.body["lignes"].is_array()), (StatusCode::BAD_REQUEST, true), "{}", empty.body);
    let twice = app
        .post(SHIPMENTS, transfer(1, 2, json!([{"produit": 1, "quantite": 1}, {"produit": 1, "quantite": 2}])))
        .await;
    assert_eq!(twice.status, StatusCode::BAD_REQUEST, "{}", twice.body);
    assert!(twice.body["lignes[1].produit"].is_array(), "{}", twice.body);
    let zero = app.post(SHIPMENTS, transfer(1, 2, json!([{"produit": 1, "quantite": 0}]))).await;
    assert!(zero.body["lignes[0].quantite"].is_array(), "{}", zero.body);
    assert_error_body(&app.post(SHIPMENTS, transfer(1, 99, line.clone())).await, 404, SHIPMENTS);
    assert_error_body(
        &app.post(SHIPMENTS, transfer(1, 2, json!([{"produit": 9999, "quantite": 1}]))).await,
        404,
        SHIPMENTS,
    );
    let too_many = app.post(SHIPMENTS, transfer(2, 1, json!([{"produit": 1, "quantite": 1000}]))).await;
    assert_error_body(&too_many, 409, SHIPMENTS);
    let not_json = app.send_raw(Method::POST, SHIPMENTS, "{\"origine\":".into(), Some(TOKEN), &[]).await;
    assert_eq!(not_json.status, StatusCode::BAD_REQUEST);
    let bad_filter = app.get(&format!("{SHIPMENTS}?statut=perdue")).await;
    assert_eq!(bad_filter.status, StatusCode::BAD_REQUEST);
    assert_eq!(app.get(SHIPMENTS).await.body["results"], json!([]), "nothing was written");

    let app = in_transit(&app);
    let shipment = approved_shipment(&app, &[(1, 3)]).await;
    assert_eq!(app.post(&step(&shipment["id"], "ship"), Value::Null).await.status, StatusCode::OK);
    let receive = step(&shipment["id"], "receive");
    for (report, field) in [
        (json!({"lignes": [{"produit": 1, "manquante": 4}]}), "lignes[0].manquante"),
        (json!({"lignes": [{"produit": 1, "manquante": 2, "endommagee": 2}]}), "lignes[0].endommagee"),
        (json!({"lignes": [{"produit": 1, "manquante": -1}]}), "lignes[0].manquante"),
        (json!({"lignes": [{"produit": 2}]}), "lignes[0].produit"),
    ] {
        let refused = app.post(&receive, report).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
        assert!(refused.body[field].is_array(), "{field}: {}", refused.body);
    }
    assert_eq!(app.get(&format!("{SHIPMENTS}{}/", shipment["id"])).await.body["statut"], "expediee");
    ledger_adds_up(&app).await;
}

async fn only_the_origin_ships_and_only_the_store_receives(app: TestApp) {
    let app = in_transit(&app);
    let shipment = approved_shipment(&app, &[(1, 2)]).await;
    let manager_2 = app.token_for("gerant2", Role::Gerant, 2).await;
    let manager_1 = app.token_for("gerant1", Role::Gerant, 1).await;
    let logistics = app.token_for("logistique", Role::Logistique, 1).await;
    let as_user = |path: String, token: String| {
        let app = app.clone();
        async move { app.send_raw(Method::POST, &path, String::new(), Some(&token), &[]).await }
    };
    let ship = step(&shipment["id"], "ship");
    assert_error_body(&as_user(ship.clone(), manager_2.clone()).await, 403, &ship);
    assert_error_body(&app.send_raw(Method::POST, &ship, String::new(), None, &[]).await, 401, &ship);
    assert_eq!(as_user(ship, logistics.clone()).await.status, StatusCode::OK);
    let receive = step(&shipment["id"], "receive");
    assert_error_body(&as_user(receive.clone(), manager_1.clone()).await, 403, &receive);
    let received = as_user(receive, manager_2).await;
    assert_eq!(received.status, StatusCode::OK, "{}", received.body);
    assert_eq!(received.body["receptionnaire"], "gerant2");
    // A transfer from store 1: its manager, not another store's nor logistics.
    let body = json!({"origine": 1, "magasin": 2, "lignes": [{"produit": 2, "quantite": 1}]}).to_string();
    let by_logistics = app.send_raw(Method::POST, SHIPMENTS, body.clone(), Some(&logistics), &[]).await;
    assert_error_body(&by_logistics, 403, SHIPMENTS);
    let by_manager = app.send_raw(Method::POST, SHIPMENTS, body, Some(&manager_1), &[]).await;
    assert_eq!(by_manager.status, StatusCode::CREATED, "{}", by_manager.body);
}

/// Approvals (from the warehouse's keyboards), their shipments and receptions, transfers of
/// keyboards from store 1 and sales of keyboards at both stores, all at once and each step asked
/// twice: whatever wins, nothing is lost, nothing counted twice, no reserve goes negative, and
/// the ledger and the verifier's pass both find warehouse + stores + transit whole.
async fn racing_approvals_shipments_receptions_transfers_and_sales_keep_the_ledger_whole(app: TestApp) {
    let app = in_transit(&app);
    let total = |app: TestApp| async move {
        let warehouse = app.warehouse_qty(1).await;
        let stores = app.local_qty(1, 1).await.unwrap_or(0) + app.local_qty(2, 1).await.unwrap_or(0);
        warehouse + stores
    };
    let before = total(app.clone()).await;
    let mut requests = Vec::new();
    for _ in 0..6 {
        let asked = app.post("/api/v1/replenishments/", json!({"magasin": 2, "produit": 1, "quantite": 7})).await;
        requests.push(asked.body["id"].clone());
    }
    let approvals = requests.iter().flat_map(|id| {
        let path = format!("/api/v1/replenishments/{id}/approve/");
        [path.clone(), path]
    });
    let transfers = (0..4).map(|_| json!({"origine": 1, "magasin": 2, "lignes": [{"produit": 1, "quantite": 3}]}));
    let sales = (0..6).map(|i| json!({"magasin": 1 + i % 2, "lignes": [{"produit": 1, "quantite": 2}]}));
    let first = futures::future::join_all(
        approvals
            .map(|path| (path, Value::Null))
            .chain(transfers.map(|t| (SHIPMENTS.to_string(), t)))
            .chain(sales.map(|s| ("/api/v1/sales/".to_string(), s)))
            .map(|(path, body)| {
                let app = app.clone();
                async move { (path.clone(), app.post(&path, body).await) }
            }),
    )
    .await;
    let sold: i64 = first
        .iter()
        .filter(|(path, reply)| path.as_str() == "/api/v1/sales/" && reply.status == StatusCode::CREATED)
        .map(|_| 2)
        .sum();
    assert!(
        first.iter().all(|(_, r)| r.status.as_u16() < 500),
        "{:?}",
        first.iter().map(|(_, r)| r.status).collect::<Vec<_>>()
    );
    ledger_adds_up(&app).await;

    let open = app.get(&format!("{SHIPMENTS}?statut=preparee&page_size=100")).await;
    let ids: Vec<Value> = open.body["results"].as_array().expect("results").iter().map(|s| s["id"].clone()).collect();
    assert!(!ids.is_empty());
    let steps = |what: &'static str| {
        let app = app.clone();
        let ids = ids.clone();
        async move {
            let asks = ids.iter().flat_map(|id| [step(id, what), step(id, what)]).map(|path| {
                let app = app.clone();
                async move { app.post(&path, Value::Null).await }
            });
            futures::future::join_all(asks).await
        }
    };
    let more_sales = (0..4).map(|_| {
        let app = app.clone();
        async move { app.post("/api/v1/sales/", json!({"magasin": 1, "lignes": [{"produit": 1, "quantite": 1}]})).await }
    });
    let (shipped, sales) = futures::join!(steps("ship"), futures::future::join_all(more_sales));
    assert!(
        shipped.iter().all(|r| r.status == StatusCode::OK),
        "{:?}",
        shipped.iter().map(|r| &r.body).collect::<Vec<_>>()
    );
    let sold = sold + sales.iter().filter(|r| r.status == StatusCode::CREATED).count() as i64;
    ledger_adds_up(&app).await;
    let received = steps("receive").await;
    assert!(received.iter().all(|r| r.status == StatusCode::OK));
    ledger_adds_up(&app).await;
    assert_eq!(total(app.clone()).await, before - sold, "every keyboard is in the warehouse or a store, or was sold");
    // Twice: the first pass keeps the sums (transit included), the second compares against them.
    for _ in 0..2 {
        let report = app.services().verify_ledger(chrono::Duration::zero()).await.expect("pass").expect("not busy");
        assert!(report.stock.is_empty() && report.aggregates.is_empty(), "{report:?}");
    }
}

async fn goods_on_their_way_count_as_asked_in_the_suggestions(app: TestApp) {
    let app = in_transit(&app);
    // Store 2 holds 18 keyboards.
    let rules = json!({"regles": [{"produit": 1, "min": 25, "max": 40}]});
    assert_eq!(app.send(Method::PUT, "/api/v1/stores/2/rules/", rules).await.status, StatusCode::OK);
    let suggested = |app: TestApp| async move {
        let reply = app.get("/api/v1/replenishments/suggestions/?magasin=2").await;
        reply.body.as_array().expect("suggestions").iter().map(|s| s["a_demander"].as_i64()).collect::<Vec<_>>()
    };
    assert_eq!(suggested(app.clone()).await, vec![Some(22)]);
    let shipment = approved_shipment(&app, &[(1, 22)]).await;
    assert_eq!(suggested(app.clone()).await, vec![], "prepared: on its way");
    assert_eq!(app.post(&step(&shipment["id"], "ship"), Value::Null).await.status, StatusCode::OK);
    assert_eq!(suggested(app.clone()).await, vec![], "shipped: on its way");
    let report = json!({"lignes": [{"produit": 1, "manquante": 20}]});
    assert_eq!(app.post(&step(&shipment["id"], "receive"), report).await.status, StatusCode::OK);
    assert_eq!(suggested(app.clone()).await, vec![Some(20)], "20 never arrived: asked again");
}
