//! Returns through the API, on SQLite and on PostgreSQL: resellable units back into stock,
//! damaged ones recorded, the refund at the price paid, the report and dashboard net of returns,
//! every refusal (nothing written), replays, the window, who may take goods back.

use crate::helpers::{TOKEN, TestApp, assert_error_body};
use axum::http::{Method, StatusCode};
use magasin_service::Settings;
use magasin_service::domain::StoreId;
use magasin_service::domain::accounts::{Actor, NewUser, Role, StoreScope};
use magasin_service::domain::returns::ReturnWindow;
use serde_json::{Value, json};

magasin_store_sql::on_both_engines!(TestApp::start;
    a_return_restocks_resellable_units_and_refunds_the_price_paid,
    the_report_and_the_dashboard_count_returns_as_returns,
    no_line_gives_back_more_than_it_sold,
    a_returned_sale_cannot_be_cancelled_nor_a_cancelled_one_returned,
    a_return_sent_again_with_its_key_is_recorded_once,
    bad_returns_are_refused_and_write_nothing,
    returns_close_when_the_window_does,
    cashiers_take_back_the_goods_of_their_own_stores,
);

/// Records a sale at store 1 of `(product, quantity)` lines; its id.
async fn sale(app: &TestApp, lines: &[(i64, i64)]) -> i64 {
    let lignes: Vec<Value> = lines.iter().map(|(p, q)| json!({"produit": p, "quantite": q})).collect();
    let reply = app.post("/api/v1/sales/", json!({"magasin": 1, "lignes": lignes})).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    reply.body["id"].as_i64().expect("sale id")
}

fn returns_path(sale: i64) -> String {
    format!("/api/v1/sales/{sale}/returns/")
}

fn give_back(lines: &[(i64, i64, &str)]) -> Value {
    let lignes: Vec<Value> = lines.iter().map(|(l, q, e)| json!({"ligne": l, "quantite": q, "etat": e})).collect();
    json!({"lignes": lignes, "note": "le client a changé d'avis"})
}

fn price_of(sale: &Value, line: usize) -> f64 {
    sale["lignes"][line]["prix_unitaire"].as_str().and_then(|p| p.parse().ok()).expect("price")
}

async fn a_return_restocks_resellable_units_and_refunds_the_price_paid(app: TestApp) {
    let id = sale(&app, &[(1, 3), (4, 2)]).await;
    let sold = app.get(&format!("/api/v1/sales/{id}/")).await.body;
    let (keyboard, fourth) = (app.local_qty(1, 1).await.expect("row"), app.local_qty(1, 4).await.expect("row"));
    // The price changes after the sale: the refund is still what was paid.
    let repriced = app.send(Method::PATCH, "/api/v1/products/1/", json!({"prix": "1.00"})).await;
    assert_eq!(repriced.status, StatusCode::OK, "{}", repriced.body);

    let reply = app.post(&returns_path(id), give_back(&[(1, 2, "revendable"), (2, 1, "abime")])).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let body = &reply.body;
    let refund = 2.0 * price_of(&sold, 0) + price_of(&sold, 1);
    assert_eq!(body["montant"].as_str().and_then(|m| m.parse::<f64>().ok()), Some(refund), "{body}");
    assert_eq!(
        (body["vente"].as_i64(), body["magasin"].as_i64(), body["acteur"].as_str()),
        (Some(id), Some(1), Some("service"))
    );
    assert_eq!(body["note"], "le client a changé d'avis");
    assert_eq!(body["lignes"][0]["etat"], "revendable");
    assert_eq!(body["lignes"][0]["prix_unitaire"], sold["lignes"][0]["prix_unitaire"]);
    assert_eq!((body["lignes"][1]["produit"].as_i64(), body["lignes"][1]["etat"].as_str()), (Some(4), Some("abime")));

    assert_eq!(app.local_qty(1, 1).await, Some(keyboard + 2), "resellable units are back (no stale cache)");
    assert_eq!(app.local_qty(1, 4).await, Some(fourth), "damaged units are not");
    let ledger = app.get("/api/v1/stores/1/ledger/?produit=1&page_size=1").await.body;
    let last = &ledger["results"][0];
    assert_eq!((last["motif"].as_str(), last["quantite"].as_i64()), (Some("retour"), Some(2)));
    assert_eq!((last["solde"].as_i64(), &last["retour"]), (Some(keyboard + 2), &body["id"]));
    let untouched = app.get("/api/v1/stores/1/ledger/?produit=4&page_size=1").await.body;
    assert_eq!(untouched["results"][0]["motif"], "vente", "no ledger row for damaged units");
    let audit = app.get_with_token("/api/v1/audit/?action=retour").await.body;
    assert_eq!(audit["results"][0]["entite_id"], body["id"], "{audit}");

    let one = app.get(&format!("/api/v1/returns/{}/", body["id"])).await;
    assert_eq!(&one.body, body);
    let listed = app.get(&returns_path(id)).await;
    assert_eq!(listed.body, json!([body]));
    assert_error_body(&app.get("/api/v1/returns/999999/").await, 404, "/api/v1/returns/999999/");
    assert_error_body(&app.get(&returns_path(999_999)).await, 404, &returns_path(999_999));
    assert!(app.ledger_discrepancies().await.is_empty());
}

async fn the_report_and_the_dashboard_count_returns_as_returns(app: TestApp) {
    let report = |app: TestApp| async move { app.get("/api/v1/reports/?magasin=1").await.body[0].clone() };
    let before = report(app.clone()).await;
    let revenue = |d: &Value| d[0]["chiffre_affaires"].as_str().and_then(|c| c.parse::<f64>().ok()).expect("revenue");
    let dashboard_before = revenue(&app.get("/api/v1/dashboard/?magasin=1").await.body);
    let id = sale(&app, &[(5, 4)]).await;
    let sold = app.get(&format!("/api/v1/sales/{id}/")).await.body;
    let name = sold["lignes"][0]["produit_nom"].as_str().expect("name").to_string();
    let price = price_of(&sold, 0);
    let returned = app.post(&returns_path(id), give_back(&[(1, 1, "revendable"), (1, 2, "abime")])).await;
    assert_eq!(returned.status, StatusCode::CREATED, "{}", returned.body);

    let after = report(app.clone()).await;
    let total = |r: &Value| r["total"].as_f64().expect("total");
    assert!((total(&after) - (total(&before) + price)).abs() < 0.005, "net of the 3 returned: {after}");
    assert!((after["retours"].as_f64().expect("retours") - 3.0 * price).abs() < 0.005, "{after}");
    assert_eq!(after["articles_retournes"], 3);
    let sold_before = before["produits_vendus"][&name].as_i64().unwrap_or(0);
    assert_eq!(after["produits_vendus"][&name].as_i64(), Some(sold_before + 1), "{after}");

    let dashboard = app.get("/api/v1/dashboard/?magasin=1").await.body;
    assert!((revenue(&dashboard) - (dashboard_before + price)).abs() < 0.005, "{dashboard}");
    assert_eq!(dashboard[0]["retours"].as_str().and_then(|r| r.parse::<f64>().ok()), Some(3.0 * price));
    let trend = dashboard[0]["tendances"].as_str().expect("trend");
    assert_eq!(trend, format!("{name} (1)"), "the demo data has no sales: 4 sold, 3 returned");

    // Dated: the return counts on its own day, in the report's days.
    let today = chrono::Utc::now().date_naive();
    let dated = app.get(&format!("/api/v1/reports/?magasin=1&date_debut={today}&date_fin={today}")).await.body;
    assert_eq!(dated[0]["articles_retournes"], 3, "{dated}");
    let yesterday = today.pred_opt().expect("a day before");
    let earlier = app.get(&format!("/api/v1/reports/?magasin=1&date_fin={yesterday}")).await.body;
    assert_eq!(earlier[0]["articles_retournes"], 0, "{earlier}");
}

async fn no_line_gives_back_more_than_it_sold(app: TestApp) {
    let id = sale(&app, &[(1, 3)]).await;
    let path = returns_path(id);
    assert_eq!(app.post(&path, give_back(&[(1, 2, "revendable")])).await.status, StatusCode::CREATED);
    let stock = app.local_qty(1, 1).await;
    let over = app.post(&path, give_back(&[(1, 1, "revendable"), (1, 1, "abime")])).await;
    assert_error_body(&over, 409, &path);
    assert!(over.body["message"].as_str().is_some_and(|m| m.contains("2 already returned")), "{}", over.body);
    assert_error_body(&app.post(&path, give_back(&[(2, 1, "revendable")])).await, 404, &path);
    let unknown = returns_path(999_999);
    assert_error_body(&app.post(&unknown, give_back(&[(1, 1, "revendable")])).await, 404, &unknown);
    assert_eq!(app.local_qty(1, 1).await, stock, "refusals write nothing");
    assert_eq!(app.get(&path).await.body.as_array().map(Vec::len), Some(1));
    assert_eq!(app.post(&path, give_back(&[(1, 1, "abime")])).await.status, StatusCode::CREATED, "the last unit");
    assert_error_body(&app.post(&path, give_back(&[(1, 1, "abime")])).await, 409, &path);
}

async fn a_returned_sale_cannot_be_cancelled_nor_a_cancelled_one_returned(app: TestApp) {
    let returned = sale(&app, &[(1, 2)]).await;
    assert_eq!(app.post(&returns_path(returned), give_back(&[(1, 1, "revendable")])).await.status, StatusCode::CREATED);
    let cancel = format!("/api/v1/sales/{returned}/cancel/");
    let refused = app.post(&cancel, json!({})).await;
    assert_error_body(&refused, 409, &cancel);
    assert!(refused.body["message"].as_str().is_some_and(|m| m.contains("returns")), "{}", refused.body);
    assert_eq!(app.get(&format!("/api/v1/sales/{returned}/")).await.body["statut"], "validée");

    let cancelled = sale(&app, &[(1, 2)]).await;
    assert_eq!(app.post(&format!("/api/v1/sales/{cancelled}/cancel/"), json!({})).await.status, StatusCode::OK);
    let stock = app.local_qty(1, 1).await;
    let path = returns_path(cancelled);
    assert_error_body(&app.post(&path, give_back(&[(1, 1, "revendable")])).await, 409, &path);
    assert_eq!(app.local_qty(1, 1).await, stock);
    assert!(app.ledger_discrepancies().await.is_empty());
}

async fn a_return_sent_again_with_its_key_is_recorded_once(app: TestApp) {
    let id = sale(&app, &[(1, 3)]).await;
    let path = returns_path(id);
    let body = give_back(&[(1, 1, "revendable")]).to_string();
    let key = [("idempotency-key", "avoir-caisse-2-0042")];
    let first = app.send_raw(Method::POST, &path, body.clone(), Some(TOKEN), &key).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    let stock = app.local_qty(1, 1).await;
    let again = app.send_raw(Method::POST, &path, body, Some(TOKEN), &key).await;
    assert_eq!(again.status, StatusCode::CREATED);
    assert_eq!(again.headers.get("idempotent-replayed").and_then(|v| v.to_str().ok()), Some("true"));
    assert_eq!(again.body, first.body);
    assert_eq!(app.local_qty(1, 1).await, stock, "taken back once");
    let other = give_back(&[(1, 2, "revendable")]).to_string();
    assert_error_body(&app.send_raw(Method::POST, &path, other, Some(TOKEN), &key).await, 409, &path);
    assert_eq!(app.get(&path).await.body.as_array().map(Vec::len), Some(1));
}

async fn bad_returns_are_refused_and_write_nothing(app: TestApp) {
    let id = sale(&app, &[(1, 3)]).await;
    let path = returns_path(id);
    let stock = app.local_qty(1, 1).await;
    let cases: [(Value, &[&str]); 5] = [
        (json!({"lignes": []}), &["lignes"]),
        (give_back(&[(0, 1, "revendable")]), &["lignes[0].ligne"]),
        (give_back(&[(1, 0, "revendable")]), &["lignes[0].quantite"]),
        (give_back(&[(1, 1, "neuf")]), &["lignes[0].etat"]),
        (json!({"lignes": [{"ligne": 1, "quantite": 1, "etat": "abime"}], "note": "x".repeat(501)}), &["note"]),
    ];
    for (body, fields) in cases {
        let reply = app.post(&path, body.clone()).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{body}: {}", reply.body);
        for field in fields {
            assert!(reply.body.get(*field).is_some(), "{field} in {}", reply.body);
        }
    }
    let unknown_field = json!({"lignes": [{"ligne": 1, "quantite": 1, "etat": "abime"}], "remise": 1});
    assert_error_body(&app.post(&path, unknown_field).await, 400, &path);
    let body = give_back(&[(1, 1, "revendable")]).to_string();
    assert_error_body(&app.send_raw(Method::POST, &path, body, None, &[]).await, 401, &path);
    assert_eq!(app.local_qty(1, 1).await, stock);
    assert_eq!(app.get(&path).await.body, json!([]));
}

async fn returns_close_when_the_window_does(app: TestApp) {
    let id = sale(&app, &[(1, 2)]).await;
    let closed = app.clone().with_settings(Settings { return_window: ReturnWindow { days: 0 }, ..Settings::default() });
    let path = returns_path(id);
    let refused = closed.post(&path, give_back(&[(1, 1, "revendable")])).await;
    assert_error_body(&refused, 409, &path);
    assert!(refused.body["message"].as_str().is_some_and(|m| m.contains("0 days")), "{}", refused.body);
    let open = app.post(&path, give_back(&[(1, 1, "revendable")])).await;
    assert_eq!(open.status, StatusCode::CREATED, "within the default 30 days");
}

async fn cashiers_take_back_the_goods_of_their_own_stores(app: TestApp) {
    let id = sale(&app, &[(1, 2)]).await;
    let services = app.services();
    let mut tokens = Vec::new();
    for (login, role, store) in
        [("caisse1", Role::Caissier, 1), ("caisse2", Role::Caissier, 2), ("quai", Role::Logistique, 1)]
    {
        let stores = StoreScope::Only([StoreId(store)].into_iter().collect());
        let user = NewUser::parse(login, login, role, stores).expect("valid user");
        let created = services.create_user(&Actor::Service, &user, "a long enough password").await.expect("user");
        tokens.push(services.issue_api_token(&Actor::Service, created.id, "t").await.expect("token").secret);
    }
    let path = returns_path(id);
    let body = give_back(&[(1, 1, "revendable")]).to_string();
    for token in &tokens[1..] {
        assert_error_body(&app.send_raw(Method::POST, &path, body.clone(), Some(token), &[]).await, 403, &path);
    }
    let own = app.send_raw(Method::POST, &path, body, Some(&tokens[0]), &[]).await;
    assert_eq!(own.status, StatusCode::CREATED, "{}", own.body);
    assert_eq!(own.body["acteur"], "caisse1");
}
