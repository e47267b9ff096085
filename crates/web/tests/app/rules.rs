//! Reordering rules through the API, on SQLite and on PostgreSQL: set in bulk (JSON and CSV),
//! read, replaced, removed; every refusal (nothing written); who may set them.

use crate::helpers::{TOKEN, TestApp, assert_error_body};
use axum::http::{Method, StatusCode};
use magasin_service::domain::StoreId;
use magasin_service::domain::accounts::{Actor, NewUser, Role, StoreScope};
use serde_json::{Value, json};

magasin_store_sql::on_both_engines!(TestApp::start;
    rules_are_set_read_replaced_and_removed,
    bad_rules_are_refused_and_write_nothing,
    rules_are_loaded_from_csv_and_refusals_name_the_line,
    managers_and_logistics_set_rules,
    the_dashboard_counts_against_the_rules_when_asked,
    suggestions_ask_up_to_max_in_multiples_with_the_days_of_cover,
);

const RULES: &str = "/api/v1/stores/1/rules/";
const CSV: &str = "/api/v1/stores/1/rules/csv/";

async fn put(app: &TestApp, path: &str, regles: Value) -> crate::helpers::Reply {
    app.send(Method::PUT, path, json!({ "regles": regles })).await
}

async fn csv(app: &TestApp, text: &str) -> crate::helpers::Reply {
    app.send_raw(Method::POST, CSV, text.to_string(), Some(TOKEN), &[]).await
}

async fn rules_are_set_read_replaced_and_removed(app: TestApp) {
    let set = put(
        &app,
        RULES,
        json!([
            {"produit": 1, "min": 2, "max": 10, "multiple": 6, "mode": "automatique"},
            {"produit": 2, "min": 0, "max": 5}
        ]),
    )
    .await;
    assert_eq!((set.status, &set.body), (StatusCode::OK, &json!({"regles": 2})), "{}", set.body);
    let rules = app.get(RULES).await.body;
    assert_eq!(rules.as_array().map(Vec::len), Some(2), "{rules}");
    let first = &rules[0];
    assert_eq!((first["produit"].as_i64(), first["produit_nom"].as_str()), (Some(1), Some("Clavier mécanique")));
    assert_eq!(
        (first["min"].as_i64(), first["max"].as_i64(), first["multiple"].as_i64()),
        (Some(2), Some(10), Some(6))
    );
    assert_eq!((first["mode"].as_str(), first["modifiee_par"].as_str()), (Some("automatique"), Some("service")));
    assert_eq!((rules[1]["multiple"].as_i64(), rules[1]["mode"].as_str()), (Some(1), Some("manuel")), "the defaults");

    put(&app, RULES, json!([{"produit": 1, "min": 3, "max": 12}])).await;
    let rules = app.get(RULES).await.body;
    assert_eq!((rules[0]["min"].as_i64(), rules[0]["mode"].as_str()), (Some(3), Some("manuel")), "replaced whole");
    assert_eq!(rules[1]["max"], 5, "the other rule stays");
    assert_eq!(app.get("/api/v1/stores/2/rules/").await.body, json!([]), "a store's rules are its own");

    let delete = app.send(Method::DELETE, "/api/v1/stores/1/rules/2/", Value::Null).await;
    assert_eq!(delete.status, StatusCode::NO_CONTENT);
    assert_eq!(app.get(RULES).await.body.as_array().map(Vec::len), Some(1));
    let again = app.send(Method::DELETE, "/api/v1/stores/1/rules/2/", Value::Null).await;
    assert_error_body(&again, 404, "/api/v1/stores/1/rules/2/");
    let audit = app.get_with_token("/api/v1/audit/?action=regles_reapprovisionnement").await.body;
    assert_eq!(audit["results"].as_array().map(Vec::len), Some(3), "{audit}");
}

async fn bad_rules_are_refused_and_write_nothing(app: TestApp) {
    let cases: [(Value, &str); 6] = [
        (json!([{"produit": 1, "min": 8, "max": 5}]), "regles[0].max"),
        (json!([{"produit": 1, "min": 1, "max": 5}, {"produit": 1, "min": 1, "max": 6}]), "regles[1].produit"),
        (json!([{"produit": 1, "min": 1, "max": 5, "multiple": 0}]), "regles[0].multiple"),
        (json!([{"produit": 1, "min": 1, "max": 5, "mode": "souvent"}]), "regles[0].mode"),
        (json!([{"produit": 1, "min": -1, "max": 5}]), "regles[0].min"),
        (json!([]), "regles"),
    ];
    for (regles, field) in cases {
        let reply = put(&app, RULES, regles.clone()).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{regles}: {}", reply.body);
        assert!(reply.body.get(field).is_some(), "{field} in {}", reply.body);
    }
    let min_over_max = put(&app, RULES, json!([{"produit": 1, "min": 8, "max": 5}])).await;
    assert_eq!(min_over_max.body["regles[0].max"], json!(["Must not be below min (8)."]));
    let unknown_field =
        app.send(Method::PUT, RULES, json!({"regles": [{"produit": 1, "min": 1, "max": 2, "seuil": 1}]})).await;
    assert_error_body(&unknown_field, 400, RULES);
    assert_error_body(&put(&app, RULES, json!([{"produit": 999, "min": 1, "max": 2}])).await, 404, RULES);
    let elsewhere = "/api/v1/stores/999/rules/";
    assert_error_body(&put(&app, elsewhere, json!([{"produit": 1, "min": 1, "max": 2}])).await, 404, elsewhere);
    assert_error_body(&app.get(elsewhere).await, 404, elsewhere);
    assert_eq!(app.get(RULES).await.body, json!([]), "nothing written");
}

async fn rules_are_loaded_from_csv_and_refusals_name_the_line(app: TestApp) {
    let loaded = csv(&app, "produit,min,max,multiple,mode\n1,2,10,6,automatique\n2,0,5,,\n3,1,4,2,manuel\n").await;
    assert_eq!((loaded.status, &loaded.body), (StatusCode::OK, &json!({"regles": 3})), "{}", loaded.body);
    let rules = app.get(RULES).await.body;
    assert_eq!((rules[0]["multiple"].as_i64(), rules[0]["mode"].as_str()), (Some(6), Some("automatique")));
    assert_eq!((rules[1]["multiple"].as_i64(), rules[1]["mode"].as_str()), (Some(1), Some("manuel")));

    let max_below = csv(&app, "produit,min,max\n1,2,10\n2,9,5\n").await;
    assert_eq!(max_below.status, StatusCode::BAD_REQUEST, "{}", max_below.body);
    assert!(max_below.body.get("ligne 3.max").is_some(), "{}", max_below.body);
    let not_a_number = csv(&app, "produit,min,max\n1,deux,10\n").await;
    assert!(not_a_number.body.get("ligne 2.min").is_some(), "{}", not_a_number.body);
    let no_header = csv(&app, "nom,prix\nClavier,3\n").await;
    assert!(no_header.body.get("csv").is_some(), "{}", no_header.body);
    let binary =
        app.send_raw(Method::POST, CSV, String::from_utf8_lossy(&[0xff, 0xfe]).into_owned(), Some(TOKEN), &[]).await;
    assert_eq!(binary.status, StatusCode::BAD_REQUEST);
    let huge = format!("produit,min,max\n{}", "1,2,3\n".repeat(200_000));
    assert_error_body(&csv(&app, &huge).await, 413, CSV);
    let rules_after = app.get(RULES).await.body;
    assert_eq!(rules_after, rules, "refusals write nothing");
}

async fn managers_and_logistics_set_rules(app: TestApp) {
    let services = app.services();
    let mut tokens = Vec::new();
    for (login, role) in [("chef", Role::Gerant), ("quai", Role::Logistique), ("caisse", Role::Caissier)] {
        let user = NewUser::parse(login, login, role, StoreScope::Only([StoreId(1)].into_iter().collect()));
        let id = services
            .create_user(&Actor::Service, &user.expect("valid"), "a long enough password")
            .await
            .expect("user")
            .id;
        tokens.push(services.issue_api_token(&Actor::Service, id, "t").await.expect("token").secret);
    }
    let body = json!({"regles": [{"produit": 1, "min": 1, "max": 4}]}).to_string();
    let put_as = |token: usize, path: &'static str| {
        let (app, body, token) = (app.clone(), body.clone(), tokens[token].clone());
        async move { app.send_raw(Method::PUT, path, body, Some(&token), &[]).await }
    };
    assert_eq!(put_as(0, RULES).await.status, StatusCode::OK, "a manager in their store");
    let other = "/api/v1/stores/2/rules/";
    assert_error_body(&put_as(0, other).await, 403, other);
    assert_eq!(put_as(1, other).await.status, StatusCode::OK, "logistics in any store");
    assert_error_body(&put_as(2, RULES).await, 403, RULES);
    assert_error_body(&app.send_raw(Method::PUT, RULES, body.clone(), None, &[]).await, 401, RULES);
}

async fn the_dashboard_counts_against_the_rules_when_asked(app: TestApp) {
    let counts = |body: &Value| (body[0]["ruptures"].as_i64(), body[0]["surstock"].as_i64());
    let lab = counts(&app.get("/api/v1/dashboard/?magasin=1").await.body);
    let (Some(ruptures), Some(surstock)) = lab else { panic!("{lab:?}") };
    let stock_of = |p| app.local_qty(1, p);
    let (keyboard, mouse) = (stock_of(1).await.expect("row"), stock_of(2).await.expect("row"));
    assert!(keyboard > 10 && mouse > 10, "both overstock by the lab's threshold: {keyboard}, {mouse}");
    // The keyboard is short of its minimum; the mouse's maximum holds what it has.
    put(
        &app,
        RULES,
        json!([{"produit": 1, "min": keyboard + 1, "max": keyboard + 10}, {"produit": 2, "min": 0, "max": mouse}]),
    )
    .await;
    let by_rules = counts(&app.get("/api/v1/dashboard/?magasin=1&seuils=regles").await.body);
    assert_eq!(by_rules, (Some(ruptures + 1), Some(surstock - 2)), "lab {lab:?}");
    assert_eq!(counts(&app.get("/api/v1/dashboard/?magasin=1").await.body), lab, "the lab's dashboard is unchanged");
    assert_eq!(counts(&app.get("/api/v1/dashboard/?magasin=1&seuils=globaux").await.body), lab);
    let bad = "/api/v1/dashboard/?seuils=souvent";
    let reply = app.get(bad).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    assert!(reply.body.get("seuils").is_some(), "{}", reply.body);
}

async fn suggestions_ask_up_to_max_in_multiples_with_the_days_of_cover(app: TestApp) {
    const SUGGESTIONS: &str = "/api/v1/replenishments/suggestions/";
    assert_eq!(app.get(SUGGESTIONS).await.body, json!([]), "no rule, nothing suggested");
    let sold = app.post("/api/v1/sales/", json!({"magasin": 1, "lignes": [{"produit": 1, "quantite": 2}]})).await;
    assert_eq!(sold.status, StatusCode::CREATED);
    let held = app.local_qty(1, 1).await.expect("row");
    let request = json!({"magasin": 1, "produit": 1, "quantite": 3});
    assert_eq!(app.post("/api/v1/replenishments/", request).await.status, StatusCode::CREATED);
    put(
        &app,
        RULES,
        json!([
            {"produit": 1, "min": held + 5, "max": held + 20, "multiple": 6},
            {"produit": 2, "min": 0, "max": 50}
        ]),
    )
    .await;
    let warehouse = app.warehouse_qty(1).await;
    let reply = app.get(&format!("{SUGGESTIONS}?magasin=1")).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let list = reply.body.as_array().expect("list").clone();
    assert_eq!(list.len(), 1, "only the product below its minimum: {list:?}");
    let s = &list[0];
    assert_eq!(
        (s["produit"].as_i64(), s["disponible"].as_i64(), s["en_attente"].as_i64()),
        (Some(1), Some(held), Some(3))
    );
    let wanted = (20 - 3 + 5) / 6 * 6; // 17 missing, rounded up to 18
    assert_eq!(s["a_demander"].as_i64(), Some(wanted.min(warehouse / 6 * 6)), "{s}");
    assert_eq!(s["ventes_par_jour"].as_f64(), Some(0.07), "2 units over 28 days: {s}");
    let cover = s["jours_de_couverture"].as_f64().expect("days of cover");
    assert!((cover - held as f64 * 14.0).abs() < 0.1, "{held} units at 1/14 a day: {cover}");
    assert_eq!(app.get(SUGGESTIONS).await.body.as_array().map(Vec::len), Some(1), "every store");
    assert_error_body(&app.get(&format!("{SUGGESTIONS}?magasin=999")).await, 404, SUGGESTIONS);
    assert_eq!(app.get(&format!("{SUGGESTIONS}?magasin=un")).await.status, StatusCode::BAD_REQUEST);
}
