//! API v1, written once and run on SQLite and on PostgreSQL.

use crate::helpers::{Reply, TOKEN, TestApp, assert_error_body};
use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

magasin_store_sql::on_both_engines!(TestApp::start;
    report_has_the_labs_shape,
    dashboard_has_the_labs_shape,
    store_stock_lists_every_product_and_404s_unknown_stores,
    stock_list_pages_like_drf,
    stock_list_filters_and_sorts,
    paths_work_without_the_final_slash,
    product_read_has_the_labs_exact_shape,
    product_update_needs_the_token,
    product_update_validates_each_field,
    products_are_created_and_searched,
    product_bodies_refuse_unknown_fields_and_updates_change_what_they_name,
    control_characters_are_refused_in_products_and_match_nothing_in_filters,
    a_sale_with_two_lines_is_recorded_listed_and_cancelled,
    sale_errors_are_clear_and_write_nothing,
    the_same_idempotency_key_records_one_sale,
    replenishment_is_approved_once_and_moves_stock,
    replenishment_without_warehouse_stock_is_refused_with_a_reason,
    replenishment_requests_are_rejected_listed_and_validated,
    ledger_is_readable_and_carries_the_request_id,
    a_request_id_that_is_not_plain_is_replaced,
    report_and_dashboard_accept_store_and_date_filters,
    date_filters_are_plain_days_in_a_sane_range,
    sales_are_listed_by_store_and_date_with_cursor_links,
    errors_from_the_router_have_the_contract_body,
    openapi_describes_every_endpoint_and_swagger_is_served,
    every_answer_carries_the_security_headers,
    forwarded_headers_from_an_unknown_peer_are_ignored,
    swagger_ui_loads_only_files_of_this_site_under_its_policy,
    a_sale_total_is_bounded_and_reads_stay_whole,
);

async fn sale(app: &TestApp, store: i64, lines: &[(i64, i64)]) -> Reply {
    let lignes: Vec<Value> = lines.iter().map(|(p, q)| json!({"produit": p, "quantite": q})).collect();
    app.post("/api/v1/sales/", json!({"magasin": store, "lignes": lignes})).await
}

async fn report_has_the_labs_shape(app: TestApp) {
    let reply = app.get("/api/v1/reports/?date=2024-01-01").await;
    assert_eq!(reply.status, StatusCode::OK);
    let stores = reply.body.as_array().expect("array");
    assert_eq!(stores.len(), 5);
    let first = &stores[0];
    assert_eq!(first["magasin"], "Magasin Centre-Ville");
    assert!(first["total"].is_number(), "total is a number: {first}");
    assert_eq!(first["total"].as_f64(), Some(0.0));
    assert_eq!(first["produits_vendus"], json!({}));
    assert_eq!(first["stock_local"].as_object().expect("map").len(), 15);
    assert_eq!(first["stock_local"]["Clavier mécanique"], 20);
    sale(&app, 1, &[(1, 2), (4, 1)]).await;
    let reply = app.get("/api/v1/reports/").await;
    let first = &reply.body[0];
    assert_eq!(first["total"].as_f64(), Some(195.97));
    assert_eq!(first["produits_vendus"], json!({"Café Premium Bio": 1, "Clavier mécanique": 2}));
    assert_eq!(first["stock_local"]["Clavier mécanique"], 18);
}

async fn dashboard_has_the_labs_shape(app: TestApp) {
    let reply = app.get("/api/v1/dashboard/").await;
    assert_eq!(reply.status, StatusCode::OK);
    let first = &reply.body[0];
    assert_eq!(first["magasin"], "Magasin Centre-Ville");
    assert_eq!(first["chiffre_affaires"], "0.00");
    assert_eq!(first["ruptures"], 0);
    // Store 1 quantities above 10: 20 35 15 30 25 18 12 22 28 14 42 16.
    assert_eq!(first["surstock"], 12);
    assert_eq!(first["tendances"], "");
    sale(&app, 1, &[(11, 5), (4, 3), (1, 1)]).await;
    sale(&app, 1, &[(4, 2), (13, 4)]).await;
    let first = &app.get("/api/v1/dashboard/").await.body[0];
    assert_eq!(first["tendances"], "Café Premium Bio (5), Webcam HD 1080p (5), Câble USB-C 2m (4)");
    assert_eq!(first["ruptures"], 1, "the webcam is sold out");
    assert_eq!(first["chiffre_affaires"], "621.85");
}

async fn store_stock_lists_every_product_and_404s_unknown_stores(app: TestApp) {
    let reply = app.get("/api/v1/stores/2/stock/").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body[0], json!({"produit_id": 1, "nom": "Clavier mécanique", "quantite": 18}));
    assert_eq!(reply.body.as_array().expect("array").len(), 5);
    let reply = app.get("/api/v1/stores/999/stock/").await;
    assert_error_body(&reply, 404, "/api/v1/stores/999/stock/");
    let reply = app.get("/api/v1/stores/999/stock/list/").await;
    assert_error_body(&reply, 404, "/api/v1/stores/999/stock/list/");
}

async fn stock_list_pages_like_drf(app: TestApp) {
    let reply = app.get("/api/v1/stores/1/stock/list/").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body["count"], 15);
    assert_eq!(reply.body["next"], "http://testserver/api/v1/stores/1/stock/list/?page=2");
    assert_eq!(reply.body["previous"], Value::Null);
    let results = reply.body["results"].as_array().expect("results");
    assert_eq!(results.len(), 10);
    let keys: Vec<&str> = results[0].as_object().expect("object").keys().map(String::as_str).collect();
    assert_eq!(keys.len(), 6);
    for key in ["id", "produit", "magasin", "quantite", "produit_nom", "magasin_nom"] {
        assert!(keys.contains(&key), "{key} missing from {keys:?}");
    }
    assert_eq!(results[0]["produit_nom"], "Café Espresso Intenso", "default order is by name");
    let page2 = app.get("/api/v1/stores/1/stock/list/?page=2&ordering=-quantite").await;
    assert_eq!(page2.body["results"].as_array().expect("results").len(), 5);
    assert_eq!(page2.body["next"], Value::Null);
    assert_eq!(page2.body["previous"], "http://testserver/api/v1/stores/1/stock/list/?ordering=-quantite");
    for bad in ["3", "0", "abc", "-1"] {
        let reply = app.get(&format!("/api/v1/stores/1/stock/list/?page={bad}")).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "page={bad}");
        assert_eq!(reply.body, json!({"detail": "Invalid page."}));
    }
}

async fn stock_list_filters_and_sorts(app: TestApp) {
    let names = |reply: &Reply| -> Vec<String> {
        reply.body["results"]
            .as_array()
            .expect("results")
            .iter()
            .map(|r| r["produit_nom"].as_str().unwrap_or("").to_string())
            .collect()
    };
    let encoded = app.get("/api/v1/stores/1/stock/list/?produit__nom=caf%C3%A9").await;
    assert_eq!(names(&encoded), vec!["Café Espresso Intenso", "Café Premium Bio"]);
    let upper = app.get("/api/v1/stores/1/stock/list/?produit__nom=CAF%C3%89").await;
    assert_eq!(upper.body["count"], 2, "case-insensitive beyond ASCII");
    let no_accent = app.get("/api/v1/stores/1/stock/list/?produit__nom=cafe").await;
    assert_eq!(no_accent.body["count"], 0, "accents matter");
    let desc = app.get("/api/v1/stores/1/stock/list/?ordering=-quantite").await;
    assert_eq!(desc.body["results"][0]["quantite"], 42);
    let asc = app.get("/api/v1/stores/1/stock/list/?ordering=quantite").await;
    assert_eq!(asc.body["results"][0]["quantite"], 5);
    let unknown = app.get("/api/v1/stores/1/stock/list/?ordering=prix").await;
    assert_eq!(unknown.body["results"][0]["produit_nom"], "Café Espresso Intenso");
    let gte = app.get("/api/v1/stores/1/stock/list/?quantite__gte=10").await;
    assert_eq!(gte.body["count"], 12);
    let range = app.get("/api/v1/stores/1/stock/list/?quantite__gte=10&quantite__lte=20").await;
    assert_eq!(range.body["count"], 6);
    let exact = app.get("/api/v1/stores/1/stock/list/?quantite=42").await;
    assert_eq!(names(&exact), vec!["Câble USB-C 2m"]);
    let bad = app.get("/api/v1/stores/1/stock/list/?quantite=beaucoup").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body["quantite"].is_array(), "{}", bad.body);
}

async fn paths_work_without_the_final_slash(app: TestApp) {
    for path in [
        "/api/v1/reports",
        "/api/v1/dashboard",
        "/api/v1/stores/1/stock",
        "/api/v1/stores/1/stock/list",
        "/api/v1/products/1",
    ] {
        assert_eq!(app.get(path).await.status, StatusCode::OK, "{path}");
    }
}

async fn product_read_has_the_labs_exact_shape(app: TestApp) {
    let reply = app.get("/api/v1/products/1/").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        reply.body,
        json!({"nom": "Clavier mécanique", "categorie": "Informatique", "prix": "89.99", "description": "Clavier rétroéclairé RGB"})
    );
    assert_error_body(&app.get("/api/v1/products/999/").await, 404, "/api/v1/products/999/");
}

async fn product_update_needs_the_token(app: TestApp) {
    let body = json!({"prix": "1.00"}).to_string();
    let none = app.send_raw(Method::PUT, "/api/v1/products/1/", body.clone(), None, &[]).await;
    assert_error_body(&none, 401, "/api/v1/products/1/");
    let wrong = app.send_raw(Method::PUT, "/api/v1/products/1/", body.clone(), Some("token-430"), &[]).await;
    assert_error_body(&wrong, 401, "/api/v1/products/1/");
    let bearer = app
        .send_raw(Method::PUT, "/api/v1/products/1/", body, None, &[("authorization", &format!("Bearer {TOKEN}"))])
        .await;
    assert_eq!(bearer.status, StatusCode::UNAUTHORIZED);
    assert_eq!(app.get("/api/v1/products/1/").await.body["prix"], "89.99", "nothing changed");
    let ok = app.send(Method::PUT, "/api/v1/products/1/", json!({"prix": 79.9, "description": "Nouveau"})).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    assert_eq!(
        ok.body,
        json!({"nom": "Clavier mécanique", "categorie": "Informatique", "prix": "79.90", "description": "Nouveau"})
    );
    let patch = app.send(Method::PATCH, "/api/v1/products/1/", json!({"nom": "Clavier"})).await;
    assert_eq!(patch.body["nom"], "Clavier");
    assert_eq!(patch.body["prix"], "79.90");
}

async fn product_update_validates_each_field(app: TestApp) {
    let reply = app.send(Method::PUT, "/api/v1/products/1/", json!({"prix": "abc", "nom": "x".repeat(101)})).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.body["prix"][0], "A valid number is required.");
    assert_eq!(reply.body["nom"][0], "Ensure this field has no more than 100 characters.");
    let reply = app.send(Method::PUT, "/api/v1/products/1/", json!({"prix": -5})).await;
    assert_eq!(reply.body["prix"][0], "Ensure this value is greater than or equal to 0.");
    let reply = app.send(Method::PUT, "/api/v1/products/1/", json!({"prix": "1.999"})).await;
    assert_eq!(reply.body["prix"][0], "Ensure that there are no more than 2 decimal places.");
    let reply = app.send(Method::PUT, "/api/v1/products/1/", json!({"prix": 1e300})).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "out of range: {}", reply.body);
    let reply = app.send(Method::PUT, "/api/v1/products/1/", json!({"nom": 12})).await;
    assert_eq!(reply.body["nom"][0], "Not a valid string.");
    let reply = app.send(Method::PUT, "/api/v1/products/1/", json!({"nom": "Souris optique"})).await;
    assert_error_body(&reply, 409, "/api/v1/products/1/");
    let reply = app.send(Method::PUT, "/api/v1/products/999/", json!({"prix": "1"})).await;
    assert_error_body(&reply, 404, "/api/v1/products/999/");
    let reply = app.send_raw(Method::PUT, "/api/v1/products/1/", "{\"prix\": ".into(), Some(TOKEN), &[]).await;
    assert_error_body(&reply, 400, "/api/v1/products/1/");
    assert!(reply.body["message"].as_str().unwrap_or("").contains("Malformed JSON"), "{}", reply.body);
    let reply = app.send(Method::PUT, "/api/v1/products/1/", json!([1, 2])).await;
    assert_error_body(&reply, 400, "/api/v1/products/1/");
    assert_eq!(app.get("/api/v1/products/1/").await.body["prix"], "89.99", "nothing was written");
}

async fn products_are_created_and_searched(app: TestApp) {
    let created = app
        .post(
            "/api/v1/products/",
            json!({"nom": "Café Moka", "categorie": "Épicerie", "prix": "9.90", "stock_initial": 60}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    assert_eq!(created.body["id"], 16);
    assert_eq!(app.warehouse_qty(16).await, 60);
    let missing = app.post("/api/v1/products/", json!({"nom": "Sans prix"})).await;
    assert_eq!(missing.status, StatusCode::BAD_REQUEST);
    assert_eq!(missing.body["prix"][0], "This field is required.");
    assert_eq!(missing.body["categorie"][0], "This field is required.");
    let found = app.get("/api/v1/products/?search=caf%C3%A9").await;
    assert_eq!(found.body["count"], 3);
    assert_eq!(found.body["results"][2]["nom"], "Café Moka");
    let paged = app.get("/api/v1/products/?page_size=5&page=2").await;
    assert_eq!(paged.body["results"][0]["id"], 6);
    assert_eq!(paged.body["count"], 16);
    let too_big = app.get("/api/v1/products/?page_size=1000").await;
    assert_eq!(too_big.status, StatusCode::BAD_REQUEST);
}

async fn product_bodies_refuse_unknown_fields_and_updates_change_what_they_name(app: TestApp) {
    let create = json!({"nom": "Café Moka", "categorie": "Épicerie", "prix": "9.90", "couleur": "brun"});
    let created = app.post("/api/v1/products/", create).await;
    assert_error_body(&created, 400, "/api/v1/products/");
    assert!(created.body["message"].as_str().is_some_and(|m| m.contains("`couleur`")), "{}", created.body);
    assert_eq!(app.get("/api/v1/products/?page_size=100").await.body["count"], 15, "nothing created");
    let before = app.get("/api/v1/products/1/").await.body;
    for (method, body) in [
        (Method::PUT, json!({"prix": "10.00", "quantite_stock": 5})),
        (Method::PATCH, json!({"nom": "Clavier", "id": 1})),
        (Method::PUT, json!({"Prix": "10.00"})),
    ] {
        let reply = app.send(method.clone(), "/api/v1/products/1/", body.clone()).await;
        assert_error_body(&reply, 400, "/api/v1/products/1/");
        assert!(reply.body["message"].as_str().is_some_and(|m| m.starts_with("Unknown field `")), "{method} {body}");
    }
    assert_eq!(app.get("/api/v1/products/1/").await.body, before, "nothing updated");
    // PUT keeps the lab's partial update (its load test sends the price alone); PATCH is the same.
    let price = app.send(Method::PUT, "/api/v1/products/1/", json!({"prix": "10.00"})).await;
    assert_eq!(
        price.body,
        json!({"nom": before["nom"], "categorie": before["categorie"], "prix": "10.00", "description": before["description"]})
    );
    let cleared = app.send(Method::PATCH, "/api/v1/products/1/", json!({"description": null})).await;
    assert_eq!(
        cleared.body,
        json!({"nom": before["nom"], "categorie": before["categorie"], "prix": "10.00", "description": null})
    );
}

async fn control_characters_are_refused_in_products_and_match_nothing_in_filters(app: TestApp) {
    let refused = "Control characters are not allowed.";
    let product =
        json!({"nom": "Thé\u{0}vert", "categorie": "Épi\u{7}cerie", "prix": "4.99", "description": "a\u{0}b"});
    let created = app.post("/api/v1/products/", product).await;
    assert_eq!(created.status, StatusCode::BAD_REQUEST, "{}", created.body);
    assert_eq!(created.body, json!({"nom": [refused], "categorie": [refused], "description": [refused]}));
    for method in [Method::PUT, Method::PATCH] {
        for (field, value) in [("nom", "Clavier\u{0}"), ("categorie", "\u{1b}[31mRouge"), ("description", "\u{0}")] {
            let reply = app.send(method.clone(), "/api/v1/products/1/", json!({field: value})).await;
            assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{method} {field}: {}", reply.body);
            assert_eq!(reply.body, json!({field: [refused]}));
        }
    }
    assert_eq!(app.get("/api/v1/products/?page_size=100").await.body["count"], 15, "nothing created");
    assert_eq!(app.get("/api/v1/products/1/").await.body["nom"], "Clavier mécanique", "nothing updated");
    let lines = app.send(Method::PATCH, "/api/v1/products/1/", json!({"description": "Ligne 1\r\nLigne 2\tfin"})).await;
    assert_eq!(lines.status, StatusCode::OK, "line breaks and tabs stay allowed in a description: {}", lines.body);
    for filter in ["%00", "caf%00", "%01", "%7F", "%1B"] {
        let products = app.get(&format!("/api/v1/products/?search={filter}")).await;
        assert_eq!(
            (products.status, &products.body["count"]),
            (StatusCode::OK, &json!(0)),
            "{filter}: {}",
            products.body
        );
        let store = app.get(&format!("/api/v1/stores/1/stock/list/?produit__nom={filter}")).await;
        assert_eq!((store.status, &store.body["count"]), (StatusCode::OK, &json!(0)), "{filter}: {}", store.body);
        let warehouse = app.get(&format!("/api/v1/warehouse/stock/?produit__nom={filter}")).await;
        assert_eq!((warehouse.status, &warehouse.body["count"]), (StatusCode::OK, &json!(0)), "{filter}");
    }
}

async fn a_sale_with_two_lines_is_recorded_listed_and_cancelled(app: TestApp) {
    let reply = sale(&app, 1, &[(1, 2), (4, 3)]).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let id = reply.body["id"].as_i64().expect("id");
    assert_eq!(reply.body["total"], "227.95");
    assert_eq!(reply.body["statut"], "validée");
    assert_eq!(reply.body["magasin_nom"], "Magasin Centre-Ville");
    assert_eq!(
        reply.body["lignes"][1],
        json!({"produit": 4, "produit_nom": "Café Premium Bio", "quantite": 3, "prix_unitaire": "15.99", "montant": "47.97"})
    );
    assert_eq!(app.local_qty(1, 1).await, Some(18));
    assert_eq!(app.local_qty(1, 4).await, Some(27));
    let fetched = app.get(&format!("/api/v1/sales/{id}/")).await;
    assert_eq!(fetched.body, reply.body);
    let listed = app.get("/api/v1/sales/?magasin=1").await;
    assert_eq!(listed.body["results"][0]["id"], id);
    let cancelled = app.post(&format!("/api/v1/sales/{id}/cancel/"), json!({})).await;
    assert_eq!(cancelled.status, StatusCode::OK, "{}", cancelled.body);
    assert_eq!(cancelled.body["statut"], "annulée");
    assert!(cancelled.body["date_annulation"].is_string());
    assert_eq!(app.local_qty(1, 1).await, Some(20));
    let again = app.post(&format!("/api/v1/sales/{id}/cancel/"), json!({})).await;
    assert_error_body(&again, 409, &format!("/api/v1/sales/{id}/cancel/"));
    assert_eq!(app.local_qty(1, 4).await, Some(30));
    assert_eq!(app.get("/api/v1/reports/").await.body[0]["total"].as_f64(), Some(0.0));
    let unauth = app.send_raw(Method::POST, &format!("/api/v1/sales/{id}/cancel/"), "{}".into(), None, &[]).await;
    assert_eq!(unauth.status, StatusCode::UNAUTHORIZED);
    assert_error_body(&app.post("/api/v1/sales/999/cancel/", json!({})).await, 404, "/api/v1/sales/999/cancel/");
}

async fn sale_errors_are_clear_and_write_nothing(app: TestApp) {
    let short = sale(&app, 1, &[(1, 2), (11, 6)]).await;
    assert_error_body(&short, 409, "/api/v1/sales/");
    let message = short.body["message"].as_str().expect("message");
    assert!(message.contains("Webcam HD 1080p") && message.contains("5 available"), "{message}");
    assert_error_body(&sale(&app, 99, &[(1, 1)]).await, 404, "/api/v1/sales/");
    assert_error_body(&sale(&app, 1, &[(1, 1), (999, 1)]).await, 404, "/api/v1/sales/");
    let empty = sale(&app, 1, &[]).await;
    assert_eq!(empty.status, StatusCode::BAD_REQUEST);
    assert!(empty.body["lignes"].is_array(), "{}", empty.body);
    let zero = sale(&app, 1, &[(1, 0)]).await;
    assert_eq!(zero.body["lignes[0].quantite"][0], "Ensure this value is between 1 and 1000000.");
    let wrong_type = app.post("/api/v1/sales/", json!({"magasin": "un", "lignes": []})).await;
    assert_error_body(&wrong_type, 400, "/api/v1/sales/");
    let huge_number = app
        .send_raw(
            Method::POST,
            "/api/v1/sales/",
            r#"{"magasin":1,"lignes":[{"produit":1,"quantite":99999999999999999999}]}"#.into(),
            Some(TOKEN),
            &[],
        )
        .await;
    assert_error_body(&huge_number, 400, "/api/v1/sales/");
    let unknown_field = app.post("/api/v1/sales/", json!({"magasin": 1, "lignes": [{"produit": 1, "qte": 1}]})).await;
    assert_error_body(&unknown_field, 400, "/api/v1/sales/");
    let padding = "x".repeat(1024 * 1024 + 10);
    let too_big = app
        .send_raw(Method::POST, "/api/v1/sales/", format!(r#"{{"magasin":1,"pad":"{padding}"}}"#), Some(TOKEN), &[])
        .await;
    assert_error_body(&too_big, 413, "/api/v1/sales/");
    let no_json = app
        .request(
            axum::http::Request::post("/api/v1/sales/")
                .header("authorization", format!("Token {TOKEN}"))
                .body(axum::body::Body::from("magasin=1"))
                .expect("request"),
        )
        .await;
    assert_error_body(&no_json, 400, "/api/v1/sales/");
    assert_eq!(app.local_qty(1, 1).await, Some(20));
    assert_eq!(app.local_qty(1, 11).await, Some(5));
    assert_eq!(app.get("/api/v1/sales/").await.body["results"], json!([]));
}

async fn the_same_idempotency_key_records_one_sale(app: TestApp) {
    let body = json!({"magasin": 1, "lignes": [{"produit": 2, "quantite": 1}]}).to_string();
    let key = [("idempotency-key", "till-3-000042")];
    let first = app.send_raw(Method::POST, "/api/v1/sales/", body.clone(), Some(TOKEN), &key).await;
    let second = app.send_raw(Method::POST, "/api/v1/sales/", body, Some(TOKEN), &key).await;
    assert_eq!(first.status, StatusCode::CREATED);
    assert_eq!(second.status, StatusCode::CREATED);
    assert_eq!(first.body, second.body);
    assert!(first.headers.get("idempotent-replayed").is_none());
    assert_eq!(second.headers.get("idempotent-replayed").map(|v| v.as_bytes()), Some(&b"true"[..]));
    assert_eq!(app.local_qty(1, 2).await, Some(34));
    let other = json!({"magasin": 1, "lignes": [{"produit": 2, "quantite": 2}]}).to_string();
    let reused = app.send_raw(Method::POST, "/api/v1/sales/", other, Some(TOKEN), &key).await;
    assert_error_body(&reused, 409, "/api/v1/sales/");
    assert_eq!(app.local_qty(1, 2).await, Some(34));
    assert_eq!(app.get("/api/v1/sales/").await.body["results"].as_array().map(Vec::len), Some(1));
}

async fn replenishment_is_approved_once_and_moves_stock(app: TestApp) {
    let created = app.post("/api/v1/replenishments/", json!({"magasin": 2, "produit": 2, "quantite": 40})).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    assert_eq!(created.body["statut"], "en_attente");
    let id = created.body["id"].as_i64().expect("id");
    let approved = app.post(&format!("/api/v1/replenishments/{id}/approve/"), json!({})).await;
    assert_eq!(approved.status, StatusCode::OK, "{}", approved.body);
    assert_eq!(approved.body["statut"], "approuvée");
    assert_eq!(app.warehouse_qty(2).await, 260);
    assert_eq!(app.local_qty(2, 2).await, Some(40));
    let again = app.post(&format!("/api/v1/replenishments/{id}/approve/"), json!({})).await;
    assert_error_body(&again, 409, &format!("/api/v1/replenishments/{id}/approve/"));
    assert_eq!(app.warehouse_qty(2).await, 260);
    let racing = futures::future::join_all((0..2).map(|_| async {
        let r = app.post("/api/v1/replenishments/", json!({"magasin": 3, "produit": 1, "quantite": 10})).await;
        r.body["id"].as_i64().expect("id")
    }))
    .await;
    assert_ne!(racing[0], racing[1]);
}

async fn replenishment_without_warehouse_stock_is_refused_with_a_reason(app: TestApp) {
    let created = app.post("/api/v1/replenishments/", json!({"magasin": 1, "produit": 11, "quantite": 81})).await;
    let id = created.body["id"].as_i64().expect("id");
    let path = format!("/api/v1/replenishments/{id}/approve/");
    let refused = app.post(&path, json!({})).await;
    assert_error_body(&refused, 409, &path);
    let message = refused.body["message"].as_str().expect("message");
    assert!(message.contains("80 disponible(s), 81 demandé(s)"), "{message}");
    let now = app.get(&format!("/api/v1/replenishments/{id}/")).await;
    assert_eq!(now.body["statut"], "refusée");
    assert_eq!(now.body["motif"], "Stock central insuffisant : 80 disponible(s), 81 demandé(s).");
    assert_eq!(app.warehouse_qty(11).await, 80);
}

async fn replenishment_requests_are_rejected_listed_and_validated(app: TestApp) {
    let a = app.post("/api/v1/replenishments/", json!({"magasin": 1, "produit": 1, "quantite": 5})).await;
    let b = app.post("/api/v1/replenishments/", json!({"magasin": 2, "produit": 1, "quantite": 5})).await;
    let (a, b) = (a.body["id"].as_i64().expect("a"), b.body["id"].as_i64().expect("b"));
    let rejected = app.post(&format!("/api/v1/replenishments/{b}/reject/"), json!({})).await;
    assert_eq!(rejected.body["statut"], "refusée");
    let pending = app.get("/api/v1/replenishments/?statut=en_attente").await;
    let ids: Vec<i64> =
        pending.body["results"].as_array().expect("results").iter().filter_map(|r| r["id"].as_i64()).collect();
    assert_eq!(ids, vec![a]);
    let encoded = app.get("/api/v1/replenishments/?statut=refus%C3%A9e&magasin=2").await;
    assert_eq!(encoded.body["results"][0]["id"], b);
    let bad_status = app.get("/api/v1/replenishments/?statut=perdue").await;
    assert_eq!(bad_status.status, StatusCode::BAD_REQUEST);
    let zero = app.post("/api/v1/replenishments/", json!({"magasin": 1, "produit": 1, "quantite": 0})).await;
    assert_eq!(zero.body["quantite"][0], "Ensure this value is between 1 and 1000000.");
    let unknown = app.post("/api/v1/replenishments/", json!({"magasin": 1, "produit": 99, "quantite": 1})).await;
    assert_error_body(&unknown, 404, "/api/v1/replenishments/");
    let unauth = app.send_raw(Method::POST, "/api/v1/replenishments/", "{}".into(), None, &[]).await;
    assert_eq!(unauth.status, StatusCode::UNAUTHORIZED);
    assert_error_body(&app.get("/api/v1/replenishments/999/").await, 404, "/api/v1/replenishments/999/");
}

async fn ledger_is_readable_and_carries_the_request_id(app: TestApp) {
    let body = json!({"magasin": 1, "lignes": [{"produit": 3, "quantite": 4}]}).to_string();
    let reply =
        app.send_raw(Method::POST, "/api/v1/sales/", body, Some(TOKEN), &[("x-request-id", "till-7-req-1")]).await;
    assert_eq!(reply.headers.get("x-request-id").map(|v| v.as_bytes()), Some(&b"till-7-req-1"[..]));
    let sale_id = reply.body["id"].clone();
    let ledger = app.get("/api/v1/stores/1/ledger/?produit=3").await;
    assert_eq!(ledger.status, StatusCode::OK);
    let newest = &ledger.body["results"][0];
    assert_eq!(newest["quantite"], -4);
    assert_eq!(newest["solde"], 11);
    assert_eq!(newest["motif"], "vente");
    assert_eq!(newest["vente"], sale_id);
    assert_eq!(newest["request_id"], "till-7-req-1");
    assert_eq!(ledger.body["results"][1]["motif"], "ouverture");
    let paged = app.get("/api/v1/stores/1/ledger/?page_size=2").await;
    let next = paged.body["next"].as_str().expect("next link");
    assert!(next.starts_with("http://testserver/api/v1/stores/1/ledger/?page_size=2&before="), "{next}");
    let rest = app.get(next.trim_start_matches("http://testserver")).await;
    assert_eq!(rest.body["results"].as_array().map(Vec::len), Some(2));
    let warehouse = app.get("/api/v1/warehouse/ledger/?produit=1").await;
    assert_eq!(warehouse.body["results"][0]["magasin"], Value::Null);
    assert_eq!(warehouse.body["results"][0]["solde"], 200);
    assert_error_body(&app.get("/api/v1/stores/42/ledger/").await, 404, "/api/v1/stores/42/ledger/");
    let generated = app.get("/api/v1/stores/").await;
    assert!(generated.headers.get("x-request-id").is_some_and(|v| !v.is_empty()));
}

async fn a_request_id_that_is_not_plain_is_replaced(app: TestApp) {
    let huge = "a".repeat(300 * 1024);
    let too_long = "b".repeat(129);
    for (i, sent) in [huge.as_str(), too_long.as_str(), "two words", "<script>", "a;b"].into_iter().enumerate() {
        let body = json!({"magasin": 1, "lignes": [{"produit": 3, "quantite": 1}]}).to_string();
        let reply = app.send_raw(Method::POST, "/api/v1/sales/", body, Some(TOKEN), &[("x-request-id", sent)]).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
        let echoed = reply.headers.get("x-request-id").and_then(|v| v.to_str().ok()).expect("a request id");
        assert!(uuid::Uuid::parse_str(echoed).is_ok(), "a new id instead of {sent:.20}…: {echoed:.40}");
        let ledger = app.get("/api/v1/stores/1/ledger/?produit=3").await;
        assert_eq!(ledger.body["results"][0]["request_id"], echoed, "sale {i}");
    }
    let longest = "c".repeat(128);
    let reply = app.send_raw(Method::GET, "/api/v1/stores/", String::new(), None, &[("x-request-id", &longest)]).await;
    assert_eq!(reply.headers.get("x-request-id").map(|v| v.as_bytes()), Some(longest.as_bytes()));
}

async fn report_and_dashboard_accept_store_and_date_filters(app: TestApp) {
    sale(&app, 2, &[(1, 1)]).await;
    let today = chrono::Utc::now().date_naive();
    let yesterday = today.pred_opt().expect("yesterday");
    let only = app.get("/api/v1/reports/?magasin=2").await;
    assert_eq!(only.body.as_array().map(Vec::len), Some(1));
    assert_eq!(only.body[0]["total"].as_f64(), Some(89.99));
    let before = app.get(&format!("/api/v1/reports/?magasin=2&date_fin={yesterday}")).await;
    assert_eq!(before.body[0]["total"].as_f64(), Some(0.0));
    let today_only = app.get(&format!("/api/v1/dashboard/?date_debut={today}&date_fin={today}")).await;
    assert_eq!(today_only.body[1]["chiffre_affaires"], "89.99");
    let bad_date = app.get("/api/v1/reports/?date_debut=hier").await;
    assert_eq!(bad_date.status, StatusCode::BAD_REQUEST);
    assert!(bad_date.body["date_debut"].is_array());
    let reversed = app.get(&format!("/api/v1/dashboard/?date_debut={today}&date_fin={yesterday}")).await;
    assert_eq!(reversed.status, StatusCode::BAD_REQUEST);
    assert_error_body(&app.get("/api/v1/dashboard/?magasin=77").await, 404, "/api/v1/dashboard/");
}

async fn date_filters_are_plain_days_in_a_sane_range(app: TestApp) {
    sale(&app, 1, &[(1, 1)]).await;
    // `+` in a query string is a space: both spellings of a signed year are refused.
    let malformed = ["+200000-01-01", "%2B200000-01-01", "200000-01-01", "-200000-01-01", "-5000-01-01", "2024-1-1"];
    for path in ["/api/v1/reports/", "/api/v1/dashboard/", "/api/v1/sales/"] {
        for param in ["date_debut", "date_fin"] {
            for value in malformed {
                let reply = app.get(&format!("{path}?{param}={value}")).await;
                assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{path}?{param}={value}: {}", reply.body);
                assert_eq!(reply.body, json!({param: ["Enter a valid date (YYYY-MM-DD)."]}), "{path}?{param}={value}");
            }
            let early = app.get(&format!("{path}?{param}=1899-12-31")).await;
            assert_eq!(early.status, StatusCode::BAD_REQUEST, "{path}?{param}=1899-12-31: {}", early.body);
            assert_eq!(early.body, json!({param: ["Enter a date between 1900-01-01 and 9999-12-31."]}));
        }
        let widest = app.get(&format!("{path}?date_debut=1900-01-01&date_fin=9999-12-31")).await;
        assert_eq!(widest.status, StatusCode::OK, "{path}: {}", widest.body);
    }
    let widest = app.get("/api/v1/reports/?magasin=1&date_debut=1900-01-01&date_fin=9999-12-31").await;
    assert_eq!(widest.body[0]["total"].as_f64(), Some(89.99));
}

async fn sales_are_listed_by_store_and_date_with_cursor_links(app: TestApp) {
    for _ in 0..3 {
        sale(&app, 1, &[(2, 1)]).await;
    }
    sale(&app, 2, &[(1, 1)]).await;
    let page = app.get("/api/v1/sales/?magasin=1&page_size=2").await;
    assert_eq!(page.body["results"].as_array().map(Vec::len), Some(2));
    let next = page.body["next"].as_str().expect("next").trim_start_matches("http://testserver").to_string();
    let rest = app.get(&next).await;
    assert_eq!(rest.body["results"].as_array().map(Vec::len), Some(1));
    assert_eq!(rest.body["next"], Value::Null);
    let today = chrono::Utc::now().date_naive();
    let dated = app.get(&format!("/api/v1/sales/?date_debut={today}&date_fin={today}")).await;
    assert_eq!(dated.body["results"].as_array().map(Vec::len), Some(4));
    let tomorrow = today.succ_opt().expect("tomorrow");
    let none = app.get(&format!("/api/v1/sales/?date_debut={tomorrow}")).await;
    assert_eq!(none.body["results"], json!([]));
    assert_error_body(&app.get("/api/v1/sales/?magasin=9").await, 404, "/api/v1/sales/");
    assert_eq!(app.get("/api/v1/sales/?magasin=x").await.status, StatusCode::BAD_REQUEST);
}

async fn errors_from_the_router_have_the_contract_body(app: TestApp) {
    assert_error_body(&app.get("/api/v1/nothing-here/").await, 404, "/api/v1/nothing-here/");
    let wrong_method = app.send(Method::DELETE, "/api/v1/stores/", json!({})).await;
    assert_error_body(&wrong_method, 405, "/api/v1/stores/");
    let not_a_number = app.get("/api/v1/products/abc/").await;
    assert_error_body(&not_a_number, 400, "/api/v1/products/abc/");
    let overflow = app.get("/api/v1/sales/99999999999999999999999/").await;
    assert_error_body(&overflow, 400, "/api/v1/sales/99999999999999999999999/");
    let stores = app.get("/api/v1/stores/").await;
    assert_eq!(stores.body[4], json!({"id": 5, "nom": "Magasin Ouest", "adresse": "654 Route Ouest"}));
    assert_eq!(app.get("/api/v1/stores/3/").await.body["nom"], "Magasin Est");
}

async fn openapi_describes_every_endpoint_and_swagger_is_served(app: TestApp) {
    let spec = app.get("/api/openapi.json").await;
    assert_eq!(spec.status, StatusCode::OK);
    let paths = spec.body["paths"].as_object().expect("paths");
    for (path, method) in [
        ("/api/v1/reports/", "get"),
        ("/api/v1/dashboard/", "get"),
        ("/api/v1/stores/", "get"),
        ("/api/v1/stores/{store_id}/", "get"),
        ("/api/v1/stores/{store_id}/stock/", "get"),
        ("/api/v1/stores/{store_id}/stock/list/", "get"),
        ("/api/v1/stores/{store_id}/ledger/", "get"),
        ("/api/v1/warehouse/stock/", "get"),
        ("/api/v1/warehouse/ledger/", "get"),
        ("/api/v1/products/", "get"),
        ("/api/v1/products/", "post"),
        ("/api/v1/products/{id}/", "get"),
        ("/api/v1/products/{id}/", "put"),
        ("/api/v1/sales/", "get"),
        ("/api/v1/sales/", "post"),
        ("/api/v1/sales/{id}/", "get"),
        ("/api/v1/sales/{id}/cancel/", "post"),
        ("/api/v1/replenishments/", "get"),
        ("/api/v1/replenishments/", "post"),
        ("/api/v1/replenishments/{id}/", "get"),
        ("/api/v1/replenishments/{id}/approve/", "post"),
        ("/api/v1/replenishments/{id}/reject/", "post"),
    ] {
        assert!(paths.get(path).and_then(|p| p.get(method)).is_some(), "{method} {path} missing from the spec");
    }
    assert!(spec.body["components"]["securitySchemes"]["token"].is_object());
    assert!(spec.body["components"]["schemas"]["ErrorBody"].is_object());
    let ui = app.get("/swagger/").await;
    assert_eq!(ui.status, StatusCode::OK);
    assert!(ui.body.as_str().is_some_and(|html| html.contains("swagger")), "Swagger UI HTML");
    let root = app.get("/").await;
    assert_eq!(root.status, StatusCode::OK, "the dashboard page");
    assert!(root.body.as_str().is_some_and(|html| html.contains("href=\"/swagger/\"")), "links to Swagger UI");
}

fn header(reply: &Reply, name: &str) -> String {
    reply.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string()
}

async fn every_answer_carries_the_security_headers(app: TestApp) {
    let answers = [
        app.get("/api/v1/stores/").await,
        app.get("/api/v1/reports/").await,
        app.get("/api/v1/nothing/").await,
        app.get("/api/v1/sales/abc/").await,
        app.send_raw(Method::POST, "/api/v1/sales/", "{}".into(), None, &[]).await,
        app.send_raw(Method::POST, "/api/v1/sales/", "{".into(), Some(TOKEN), &[]).await,
        app.get("/health/live").await,
        app.get("/health/ready").await,
    ];
    for reply in &answers {
        assert_eq!(header(reply, "x-content-type-options"), "nosniff", "{:?}", reply.body);
        assert_eq!(header(reply, "referrer-policy"), "same-origin", "{:?}", reply.body);
        let policy = header(reply, "content-security-policy");
        assert!(policy.contains("frame-ancestors 'none'"), "{policy:?}");
        assert!(policy.contains("default-src 'self'") && !policy.contains("unsafe"), "{policy:?}");
    }
}

async fn swagger_ui_loads_only_files_of_this_site_under_its_policy(app: TestApp) {
    let page = app.get("/swagger/").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(header(&page, "x-content-type-options"), "nosniff");
    assert_eq!(header(&page, "referrer-policy"), "same-origin");
    let policy = header(&page, "content-security-policy");
    for directive in ["default-src 'self'", "frame-ancestors 'none'", "img-src 'self' data:", "object-src 'none'"] {
        assert!(policy.contains(directive), "{directive} in {policy:?}");
    }
    assert!(!policy.contains("script-src"), "scripts as strict as the pages': {policy}");
    let html = page.body.as_str().expect("Swagger UI HTML").to_string();
    let mut loaded = Vec::new();
    for attribute in [" src=\"", " href=\""] {
        for (at, _) in html.match_indices(attribute) {
            let rest = &html[at + attribute.len()..];
            loaded.push(rest[..rest.find('"').expect("end of attribute")].to_string());
        }
    }
    for (at, _) in html.match_indices("<script") {
        let tag = &html[at..at + html[at..].find('>').expect("end of tag")];
        assert!(tag.contains(" src=\""), "an inline script: {tag}");
    }
    assert!(loaded.iter().any(|f| f.ends_with("swagger-ui-bundle.js")), "{loaded:?}");
    assert!(loaded.iter().any(|f| f.ends_with("swagger-initializer.js")), "{loaded:?}");
    for file in &loaded {
        assert!(!file.contains("//") && !file.contains(':'), "{file} is a file of this site");
        let path = format!("/swagger/{}", file.trim_start_matches("./"));
        let reply = app.get(&path).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}");
        assert_eq!(header(&reply, "x-content-type-options"), "nosniff", "{path}");
        if path.ends_with(".js") {
            assert!(header(&reply, "content-type").contains("javascript"), "{path} is served as a script");
        }
    }
    let initializer = app.get("/swagger/swagger-initializer.js").await;
    let script = initializer.body.as_str().expect("initializer");
    assert!(script.contains("\"/api/openapi.json\""), "the spec comes from this site: {script}");
}

async fn forwarded_headers_from_an_unknown_peer_are_ignored(app: TestApp) {
    // In process there is no peer address, so no proxy to trust.
    for forwarded in [
        [("x-forwarded-proto", "javascript"), ("x-forwarded-host", "evil.example")],
        [("x-forwarded-proto", "https"), ("x-forwarded-host", "shop.example")],
    ] {
        let reply = app.send_raw(Method::GET, "/api/v1/products/?page_size=2", String::new(), None, &forwarded).await;
        assert_eq!(reply.body["next"], "http://testserver/api/v1/products/?page_size=2&page=2", "{forwarded:?}");
    }
}

/// A sale totals at most the largest price (99999999.99): the largest price and quantity, on one
/// line or on a hundred, are refused as invalid (400, nothing written), so the running totals
/// never overflow: reports, dashboard and later sales keep answering, exactly.
async fn a_sale_total_is_bounded_and_reads_stay_whole(app: TestApp) {
    let created = app
        .post(
            "/api/v1/products/",
            json!({"nom": "Lingot", "categorie": "Or", "prix": "99999999.99", "stock_initial": 1_000_000_000}),
        )
        .await;
    let id = created.body["id"].as_i64().expect("id");
    for _ in 0..2 {
        let r = app.post("/api/v1/replenishments/", json!({"magasin": 1, "produit": id, "quantite": 1_000_000})).await;
        let approve = format!("/api/v1/replenishments/{}/approve/", r.body["id"]);
        assert_eq!(app.post(&approve, json!({})).await.status, StatusCode::OK);
    }
    let one = sale(&app, 1, &[(id, 1)]).await;
    assert_eq!(one.status, StatusCode::CREATED, "one unit at the largest price sells: {}", one.body);
    assert_eq!(one.body["total"], "99999999.99");
    let largest: Vec<(i64, i64)> = vec![(id, 1_000_000)];
    let hundred: Vec<(i64, i64)> = vec![(id, 1_000_000); 2].into_iter().chain(vec![(id, 1); 98]).collect();
    for lines in [vec![(id, 2)], vec![(id, 1), (1, 1)], largest, hundred] {
        let refused = sale(&app, 1, &lines).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
        assert_eq!(refused.body["lignes"], json!(["A sale may total at most 99999999.99."]));
    }
    assert_eq!(app.local_qty(1, id).await, Some(1_999_999), "refused sales take nothing");
    for path in ["/api/v1/reports/", "/api/v1/reports/?date_debut=2000-01-01", "/api/v1/dashboard/", "/rapport"] {
        let reply = app.get(path).await;
        assert!(reply.status.is_success() || reply.status.is_redirection(), "{path}: {} {}", reply.status, reply.body);
    }
    let report = app.get("/api/v1/reports/").await;
    assert_eq!(report.body[0]["total"].as_f64(), Some(99_999_999.99));
    assert_eq!(app.get("/api/v1/dashboard/").await.body[0]["chiffre_affaires"], "99999999.99");
    let again = sale(&app, 1, &[(1, 1)]).await;
    assert_eq!(again.status, StatusCode::CREATED, "{}", again.body);
}
