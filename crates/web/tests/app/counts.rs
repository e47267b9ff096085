//! Physical counts through the API, on SQLite and on PostgreSQL: a count's variances posted once
//! and the sales made during it not mistaken for them, every refusal, cancelling, lists, roles.

use crate::helpers::{TOKEN, TestApp, assert_error_body};
use axum::http::{Method, StatusCode};
use magasin_service::domain::StoreId;
use magasin_service::domain::accounts::{Actor, NewUser, Role, StoreScope};
use serde_json::{Value, json};

magasin_store_sql::on_both_engines!(TestApp::start;
    a_count_posts_its_variances_once_and_sales_during_it_are_not_variances,
    bad_counts_are_refused_and_write_nothing,
    a_cancelled_count_posts_nothing_and_counts_are_listed,
    managers_count_their_stores_and_logistics_the_warehouse,
);

fn line(count: &Value, product: i64) -> &Value {
    count["lignes"].as_array().expect("lines").iter().find(|l| l["produit"] == product).expect("a line")
}

async fn sell(app: &TestApp, product: i64, quantity: i64) {
    let sale = json!({"magasin": 1, "lignes": [{"produit": product, "quantite": quantity}]});
    assert_eq!(app.post("/api/v1/sales/", sale).await.status, StatusCode::CREATED);
}

async fn a_count_posts_its_variances_once_and_sales_during_it_are_not_variances(app: TestApp) {
    let (keyboards, mice) = (app.local_qty(1, 1).await.expect("row"), app.local_qty(1, 2).await.expect("row"));
    let opened = app.post("/api/v1/stores/1/counts/", json!({})).await;
    assert_eq!(opened.status, StatusCode::CREATED, "{}", opened.body);
    let id = opened.body["id"].as_i64().expect("id");
    assert_eq!((opened.body["statut"].as_str(), opened.body["magasin"].as_i64()), (Some("ouvert"), Some(1)));
    assert_eq!(line(&opened.body, 1)["attendu_ouverture"].as_i64(), Some(keyboards));
    assert_eq!(line(&opened.body, 1)["compte"], Value::Null);

    sell(&app, 1, 2).await; // sold while the count runs, before the keyboards are counted
    let path = format!("/api/v1/counts/{id}/lines/");
    let entered = app
        .post(&path, json!({"lignes": [{"produit": 1, "compte": keyboards - 3}, {"produit": 2, "compte": mice}]}))
        .await;
    assert_eq!(entered.status, StatusCode::OK, "{}", entered.body);
    sell(&app, 2, 1).await; // sold after the mice were counted
    let report = app.get(&format!("/api/v1/counts/{id}/")).await.body;
    let k = line(&report, 1);
    assert_eq!(
        (k["attendu"].as_i64(), k["compte"].as_i64(), k["ecart"].as_i64()),
        (Some(keyboards - 2), Some(keyboards - 3), Some(-1))
    );
    assert_eq!(line(&report, 2)["ecart"].as_i64(), Some(0), "a sale after counting is no variance");
    assert_eq!(report["lignes_comptees"], 2);

    let validated = app.post(&format!("/api/v1/counts/{id}/validate/"), json!({})).await;
    assert_eq!(validated.status, StatusCode::OK, "{}", validated.body);
    assert_eq!(
        (validated.body["statut"].as_str(), validated.body["clos_par"].as_str()),
        (Some("valide"), Some("service"))
    );
    assert_eq!(app.local_qty(1, 1).await, Some(keyboards - 3), "the shelf's count");
    assert_eq!(app.local_qty(1, 2).await, Some(mice - 1), "the sale after counting stays");
    let ledger = app.get("/api/v1/stores/1/ledger/?produit=1&page_size=1").await.body;
    assert_eq!(
        (ledger["results"][0]["motif"].as_str(), ledger["results"][0]["quantite"].as_i64()),
        (Some("ajustement_inventaire"), Some(-1))
    );
    let shrinkage = app.get("/api/v1/reports/shrinkage/?magasin=1").await.body;
    let inventory = shrinkage["motifs"].as_array().expect("lines").iter().find(|l| l["motif"] == "inventaire").cloned();
    assert_eq!(inventory.map(|l| l["unites_sorties"].clone()), Some(json!(1)));

    for again in ["validate", "cancel"] {
        let path = format!("/api/v1/counts/{id}/{again}/");
        assert_error_body(&app.post(&path, json!({})).await, 409, &path);
    }
    assert_error_body(&app.post(&path, json!({"lignes": [{"produit": 1, "compte": 1}]})).await, 409, &path);
    assert_eq!(app.local_qty(1, 1).await, Some(keyboards - 3), "posted once");
    assert!(app.ledger_discrepancies().await.is_empty());
    let audit = app.get_with_token("/api/v1/audit/?action=validation_inventaire").await.body;
    assert_eq!(audit["results"][0]["entite_id"].as_i64(), Some(id));
}

async fn bad_counts_are_refused_and_write_nothing(app: TestApp) {
    let open = "/api/v1/stores/1/counts/";
    assert_eq!(app.post(open, json!({"magasin": 2})).await.status, StatusCode::BAD_REQUEST);
    let control = app.post(open, json!({"categorie": "a\u{0}b"})).await;
    assert_eq!(control.status, StatusCode::BAD_REQUEST);
    assert!(control.body["categorie"].is_array(), "{}", control.body);
    assert_error_body(&app.post("/api/v1/stores/999/counts/", json!({})).await, 404, "/api/v1/stores/999/counts/");
    assert_error_body(&app.post(open, json!({"categorie": "Aucune"})).await, 409, open);
    assert_eq!(app.get(open).await.body["results"], json!([]), "nothing opened");

    let id = app.post(open, json!({})).await.body["id"].as_i64().expect("id");
    let path = format!("/api/v1/counts/{id}/lines/");
    for (body, field) in [
        (json!({"lignes": [{"produit": 1, "compte": -1}]}), "lignes[0].compte"),
        (json!({"lignes": [{"produit": 1, "compte": 1_000_001}]}), "lignes[0].compte"),
        (json!({"lignes": []}), "lignes"),
    ] {
        let reply = app.post(&path, body).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST);
        assert!(reply.body[field].is_array(), "{field}: {}", reply.body);
    }
    assert_error_body(&app.post(&path, json!({"lignes": [{"produit": 1, "compte": "dix"}]})).await, 400, &path);
    assert_error_body(&app.post(&path, json!({"compte": 1})).await, 400, &path);
    let huge = json!({"lignes": [{"produit": 1, "compte": 1}]})
        .to_string()
        .replace("\"lignes\"", &format!("\"lignes\"{}", " ".repeat(2 << 20)));
    assert_error_body(&app.send_raw(Method::POST, &path, huge, Some(TOKEN), &[]).await, 413, &path);
    let huge_open = format!("{{\"categorie\": \"{}\"}}", "x".repeat(2 << 20));
    assert_error_body(&app.send_raw(Method::POST, open, huge_open, Some(TOKEN), &[]).await, 413, open);
    let not_on_it =
        app.post(&path, json!({"lignes": [{"produit": 1, "compte": 3}, {"produit": 999, "compte": 1}]})).await;
    assert_error_body(&not_on_it, 404, &path);
    let report = app.get(&format!("/api/v1/counts/{id}/")).await.body;
    assert_eq!(line(&report, 1)["compte"], Value::Null, "all lines or none");
    for unknown in ["/api/v1/counts/999/lines/", "/api/v1/counts/999/validate/", "/api/v1/counts/999/cancel/"] {
        assert_error_body(&app.post(unknown, json!({"lignes": [{"produit": 1, "compte": 1}]})).await, 404, unknown);
    }
    assert_error_body(&app.get("/api/v1/counts/999/").await, 404, "/api/v1/counts/999/");
    assert_error_body(&app.get("/api/v1/stores/999/counts/").await, 404, "/api/v1/stores/999/counts/");
}

async fn a_cancelled_count_posts_nothing_and_counts_are_listed(app: TestApp) {
    let warehouse = app.warehouse_qty(1).await;
    let product = app.get("/api/v1/products/1/").await.body;
    let category = product["categorie"].as_str().expect("category").to_string();
    let first = app.post("/api/v1/warehouse/counts/", json!({"categorie": category})).await.body;
    let id = first["id"].as_i64().expect("id");
    assert!(first["lignes"].as_array().expect("lines").iter().all(|l| l["produit"].as_i64().is_some()));
    assert!(first["lignes"].as_array().expect("lines").len() < 15, "only the category's products");
    app.post(&format!("/api/v1/counts/{id}/lines/"), json!({"lignes": [{"produit": 1, "compte": 0}]})).await;
    let cancelled = app.post(&format!("/api/v1/counts/{id}/cancel/"), json!({})).await;
    assert_eq!(cancelled.body["statut"], "annule");
    assert_eq!(app.warehouse_qty(1).await, warehouse, "nothing posted");
    let second = app.post("/api/v1/warehouse/counts/", json!({})).await.body["id"].as_i64().expect("id");
    let listed = app.get("/api/v1/warehouse/counts/").await.body;
    let ids: Vec<i64> =
        listed["results"].as_array().expect("results").iter().filter_map(|c| c["id"].as_i64()).collect();
    assert_eq!(ids, [second, id], "newest first");
    assert_eq!(listed["results"][0]["lignes"], json!([]), "lists leave the lines out");
    assert_eq!(app.get("/api/v1/stores/1/counts/").await.body["results"], json!([]));
}

async fn managers_count_their_stores_and_logistics_the_warehouse(app: TestApp) {
    let services = app.services();
    for (role, allowed) in [
        (Role::Caissier, [false, false, false]),
        (Role::Gerant, [true, false, false]),
        (Role::Logistique, [false, false, true]),
        (Role::Siege, [false, false, false]),
    ] {
        let login = format!("compte-{}", role.as_str());
        let stores = StoreScope::Only([StoreId(1)].into_iter().collect());
        let user = NewUser::parse(&login, &login, role, stores).expect("valid user");
        let created = services.create_user(&Actor::Service, &user, "a long enough password").await.expect("user");
        let token = services.issue_api_token(&Actor::Service, created.id, "t").await.expect("token").secret;
        for (path, allowed) in
            ["/api/v1/stores/1/counts/", "/api/v1/stores/2/counts/", "/api/v1/warehouse/counts/"].iter().zip(allowed)
        {
            let reply = app.send_raw(Method::POST, path, "{}".into(), Some(&token), &[]).await;
            if allowed {
                assert_eq!(reply.status, StatusCode::CREATED, "{role} {path}");
                let id = reply.body["id"].as_i64().expect("id");
                let validate = format!("/api/v1/counts/{id}/validate/");
                assert_eq!(
                    app.send_raw(Method::POST, &validate, "{}".into(), Some(&token), &[]).await.status,
                    StatusCode::OK
                );
            } else {
                assert_error_body(&reply, 403, path);
            }
        }
    }
    let id = app.post("/api/v1/stores/2/counts/", json!({})).await.body["id"].as_i64().expect("id");
    let path = format!("/api/v1/counts/{id}/validate/");
    assert_error_body(&app.send_raw(Method::POST, &path, "{}".into(), None, &[]).await, 401, &path);
    assert_eq!(app.send_raw(Method::POST, &path, "{}".into(), Some(TOKEN), &[]).await.status, StatusCode::OK);
}
