//! Who may write what through the API: every write endpoint × every role × the user's own store
//! and another one. Allowed writes succeed; the others answer 403 with the contract's body and
//! write nothing — on both engines.

use crate::helpers::{Reply, TOKEN, TestApp, assert_error_body};
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Method, Request, StatusCode};
use magasin_service::domain::accounts::{Actor, NewUser, Role, StoreScope};
use serde_json::{Value, json};
use std::net::SocketAddr;

magasin_store_sql::on_both_engines!(TestApp::start;
    every_write_is_allowed_to_its_roles_in_their_stores_only,
    unknown_revoked_and_disabled_tokens_are_refused,
    wrong_tokens_are_throttled_per_client_address,
    every_write_names_its_actor,
    the_audit_log_is_for_head_office_and_administrators,
    accounts_are_managed_through_the_api_by_administrators,
    private_reads_need_a_token_or_a_sign_in,
    the_last_active_administrator_is_neither_disabled_nor_demoted,
);

const OWN: i64 = 1;
const OTHER: i64 = 2;

/// A user of `role` acting for store 1 (the chain's roles act for every store), and their token.
async fn token_of(app: &TestApp, role: Role) -> String {
    let services = app.services();
    let stores = StoreScope::Only([magasin_service::domain::StoreId(OWN)].into_iter().collect());
    let login = format!("{}-{}", role.as_str(), uuid_free_suffix());
    let user = NewUser::parse(&login, role.as_str(), role, stores).expect("valid user");
    let created = services.create_user(&Actor::Service, &user, "a long enough password").await.expect("user");
    services.issue_api_token(&Actor::Service, created.id, "tests").await.expect("token").secret
}

/// A suffix that keeps logins apart within one test.
fn uuid_free_suffix() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed).to_string()
}

async fn send(app: &TestApp, token: &str, method: Method, path: &str, body: Value) -> Reply {
    app.send_raw(method, path, body.to_string(), Some(token), &[]).await
}

/// Something the service token writes first, that the write under test acts on.
async fn sale_in(app: &TestApp, store: i64) -> i64 {
    let reply = app.post("/api/v1/sales/", json!({"magasin": store, "lignes": [{"produit": 1, "quantite": 1}]})).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    reply.body["id"].as_i64().expect("id")
}

async fn pending_request_in(app: &TestApp, store: i64) -> i64 {
    let reply = app.post("/api/v1/replenishments/", json!({"magasin": store, "produit": 1, "quantite": 1})).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    reply.body["id"].as_i64().expect("id")
}

/// A transfer of one keyboard from `from` to the other store, prepared (and shipped, when
/// `shipped`) by the service token: its id.
async fn transfer_from(app: &TestApp, from: i64, shipped: bool) -> i64 {
    restock(app, from).await;
    let to = if from == OWN { OTHER } else { OWN };
    let body = json!({"origine": from, "magasin": to, "lignes": [{"produit": 1, "quantite": 1}]});
    let reply = app.post("/api/v1/shipments/", body).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let id = reply.body["id"].as_i64().expect("id");
    if shipped {
        let ship = app.post(&format!("/api/v1/shipments/{id}/ship/"), Value::Null).await;
        assert_eq!(ship.status, StatusCode::OK, "{}", ship.body);
    }
    id
}

/// One more keyboard at `store`, so that the many writes of the walk never run it out.
async fn restock(app: &TestApp, store: i64) {
    let one = json!({"produit": 1, "quantite": 1, "motif": "erreur_saisie"});
    let reply = app.post(&format!("/api/v1/stores/{store}/adjustments/"), one).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
}

/// What the API shows of everything the writes below could change.
async fn state(app: &TestApp) -> Value {
    let sales = app.get("/api/v1/sales/?page_size=100").await.body;
    let requests = app.get("/api/v1/replenishments/?page_size=100").await.body;
    let products = app.get("/api/v1/products/?page_size=100").await.body;
    let stock = json!([app.get("/api/v1/stores/1/stock/").await.body, app.get("/api/v1/stores/2/stock/").await.body]);
    let users = app.services().list_users(&Actor::Service).await.expect("users");
    let users: Vec<Value> = users.iter().map(|u| json!([u.login, u.disabled, u.session_epoch])).collect();
    let receipts = app.get("/api/v1/warehouse/receipts/?page_size=100").await.body;
    let warehouse = app.get("/api/v1/warehouse/stock/?page_size=100").await.body;
    let orders = app.get("/api/v1/warehouse/purchase-orders/?page_size=100").await.body;
    let shipments = app.get("/api/v1/shipments/?page_size=100").await.body;
    let closings = json!([
        app.get("/api/v1/stores/1/closings/?page_size=100").await.body["results"],
        app.get("/api/v1/stores/2/closings/?page_size=100").await.body["results"]
    ]);
    let rules = json!([
        app.get("/api/v1/stores/1/rules/").await.body,
        app.get("/api/v1/stores/2/rules/").await.body,
        app.get("/api/v1/warehouse/rules/").await.body
    ]);
    json!({"sales": sales["results"], "requests": requests["results"], "products": products["results"], "stock": stock,
        "users": users, "receipts": receipts["results"], "warehouse": warehouse["results"], "orders": orders["results"], "rules": rules,
        "shipments": shipments["results"], "closings": closings})
}

/// Which roles may do each write, in the user's own store and in another one.
fn allowed(role: Role, write: &str, own_store: bool) -> bool {
    use Role::*;
    match write {
        "sale" | "cancel" | "return" => matches!(role, Caissier | Gerant) && own_store || role == Admin,
        "request" => role == Gerant && own_store || role == Admin,
        "rules" | "apply suggestions" => role == Gerant && own_store || matches!(role, Logistique | Admin),
        "approve" | "reject" => matches!(role, Logistique | Admin),
        "create product" | "put product" | "patch product" => matches!(role, Siege | Admin),
        "create user" | "patch user" => role == Admin,
        "receipt" | "warehouse adjustment" | "purchase order" | "warehouse rules" | "warehouse order" => {
            matches!(role, Logistique | Admin)
        }
        "store adjustment" => role == Gerant && own_store || role == Admin,
        // A transfer's origin ships and cancels it; its destination receives it.
        "transfer" | "ship" | "cancel shipment" | "receive" => role == Gerant && own_store || role == Admin,
        // A store's people close its till; head office closes any store's.
        "close day" => matches!(role, Caissier | Gerant) && own_store || matches!(role, Siege | Admin),
        other => panic!("unknown write {other}"),
    }
}

async fn every_write_is_allowed_to_its_roles_in_their_stores_only(app: TestApp) {
    let mut checked = 0;
    let target = NewUser::parse("cible", "cible", Role::Siege, StoreScope::All).expect("valid user");
    let target_user =
        app.services().create_user(&Actor::Service, &target, "a long enough password").await.expect("user").id.0;
    for role in Role::ALL {
        let token = token_of(&app, role).await;
        for (store, own) in [(OWN, true), (OTHER, false)] {
            for write in [
                "sale",
                "cancel",
                "return",
                "request",
                "approve",
                "reject",
                "create product",
                "put product",
                "patch product",
                "create user",
                "patch user",
                "receipt",
                "purchase order",
                "rules",
                "store adjustment",
                "warehouse adjustment",
                "apply suggestions",
                "warehouse rules",
                "warehouse order",
                "transfer",
                "ship",
                "cancel shipment",
                "receive",
                "close day",
            ] {
                let name = format!("{role}-{write}-{store}-{}", uuid_free_suffix());
                let (method, path, body) = match write {
                    "sale" => (
                        Method::POST,
                        "/api/v1/sales/".to_string(),
                        json!({"magasin": store, "lignes": [{"produit": 1, "quantite": 1}]}),
                    ),
                    "cancel" => {
                        (Method::POST, format!("/api/v1/sales/{}/cancel/", sale_in(&app, store).await), Value::Null)
                    }
                    "return" => (
                        Method::POST,
                        format!("/api/v1/sales/{}/returns/", sale_in(&app, store).await),
                        json!({"lignes": [{"ligne": 1, "quantite": 1, "etat": "revendable"}]}),
                    ),
                    "request" => (
                        Method::POST,
                        "/api/v1/replenishments/".to_string(),
                        json!({"magasin": store, "produit": 1, "quantite": 1}),
                    ),
                    "approve" => (
                        Method::POST,
                        format!("/api/v1/replenishments/{}/approve/", pending_request_in(&app, store).await),
                        Value::Null,
                    ),
                    "reject" => (
                        Method::POST,
                        format!("/api/v1/replenishments/{}/reject/", pending_request_in(&app, store).await),
                        Value::Null,
                    ),
                    "create product" => (
                        Method::POST,
                        "/api/v1/products/".to_string(),
                        json!({"nom": name, "categorie": "Test", "prix": "1.00"}),
                    ),
                    "put product" => (
                        Method::PUT,
                        "/api/v1/products/3/".to_string(),
                        json!({"prix": format!("{}.00", 10 + checked)}),
                    ),
                    "patch product" => (Method::PATCH, "/api/v1/products/3/".to_string(), json!({"description": name})),
                    "create user" => (
                        Method::POST,
                        "/api/v1/users/".to_string(),
                        json!({"login": format!("u{}", uuid_free_suffix()), "role": "caissier", "magasins": [store],
                               "mot_de_passe": "a long enough password"}),
                    ),
                    "patch user" => (
                        Method::PATCH,
                        format!("/api/v1/users/{}/", target_user),
                        json!({"desactive": checked % 2 == 0}),
                    ),
                    "receipt" => (
                        Method::POST,
                        "/api/v1/warehouse/receipts/".to_string(),
                        json!({"fournisseur": "Grossiste", "bon_livraison": name, "lignes": [{"produit": 1, "quantite": 1}]}),
                    ),
                    "rules" => (
                        Method::PUT,
                        format!("/api/v1/stores/{store}/rules/"),
                        json!({"regles": [{"produit": 1, "min": 1, "max": 2 + checked}]}),
                    ),
                    "purchase order" => (
                        Method::POST,
                        "/api/v1/warehouse/purchase-orders/".to_string(),
                        json!({"fournisseur": name, "lignes": [{"produit": 1, "quantite": 1}]}),
                    ),
                    "store adjustment" => (
                        Method::POST,
                        format!("/api/v1/stores/{store}/adjustments/"),
                        json!({"produit": 1, "quantite": 1, "motif": "erreur_saisie"}),
                    ),
                    "warehouse adjustment" => (
                        Method::POST,
                        "/api/v1/warehouse/adjustments/".to_string(),
                        json!({"produit": 1, "quantite": 1, "motif": "erreur_saisie"}),
                    ),
                    "apply suggestions" => {
                        let rule = json!({"regles": [{"produit": 1, "min": 1000, "max": 2000}]});
                        let set = app.send(Method::PUT, &format!("/api/v1/stores/{store}/rules/"), rule).await;
                        assert_eq!(set.status, StatusCode::OK, "{}", set.body);
                        (
                            Method::POST,
                            "/api/v1/replenishments/suggestions/apply/".to_string(),
                            json!({"magasin": store}),
                        )
                    }
                    "warehouse rules" => (
                        Method::PUT,
                        "/api/v1/warehouse/rules/".to_string(),
                        json!({"regles": [{"produit": 2, "min": 1, "max": 2 + checked}]}),
                    ),
                    "warehouse order" => {
                        let rule = json!({"regles": [{"produit": 1, "min": 100_000, "max": 100_000}]});
                        let set = app.send(Method::PUT, "/api/v1/warehouse/rules/", rule).await;
                        assert_eq!(set.status, StatusCode::OK, "{}", set.body);
                        (Method::POST, "/api/v1/warehouse/suggestions/apply/".to_string(), json!({"fournisseur": "G"}))
                    }
                    "transfer" => {
                        restock(&app, store).await;
                        (
                            Method::POST,
                            "/api/v1/shipments/".to_string(),
                            json!({"origine": store, "magasin": if store == OWN { OTHER } else { OWN },
                               "lignes": [{"produit": 1, "quantite": 1}]}),
                        )
                    }
                    "ship" => (
                        Method::POST,
                        format!("/api/v1/shipments/{}/ship/", transfer_from(&app, store, false).await),
                        Value::Null,
                    ),
                    "cancel shipment" => (
                        Method::POST,
                        format!("/api/v1/shipments/{}/cancel/", transfer_from(&app, store, false).await),
                        Value::Null,
                    ),
                    "receive" => {
                        let from = if store == OWN { OTHER } else { OWN };
                        (
                            Method::POST,
                            format!("/api/v1/shipments/{}/receive/", transfer_from(&app, from, true).await),
                            Value::Null,
                        )
                    }
                    "close day" => {
                        // A day of its own for every attempt: a day is closed once.
                        let day = chrono::Utc::now().date_naive() - chrono::Duration::days(1 + checked);
                        (
                            Method::POST,
                            format!("/api/v1/stores/{store}/closings/"),
                            json!({"jour": day.to_string(), "especes_comptees": "0"}),
                        )
                    }
                    _ => unreachable!(),
                };
                let before = state(&app).await;
                let reply = send(&app, &token, method, &path, body).await;
                if allowed(role, write, own) {
                    assert!(
                        reply.status.is_success(),
                        "{role} {write} in store {store}: {} {}",
                        reply.status,
                        reply.body
                    );
                    // One request per store and day from the suggestions: only the first writes.
                    if !matches!(write, "apply suggestions" | "warehouse order") {
                        assert_ne!(state(&app).await, before, "{role} {write} in store {store} wrote nothing");
                    }
                } else {
                    assert_error_body(&reply, 403, path.trim_end_matches("?"));
                    assert_eq!(reply.body["message"], "You do not have permission to perform this action.");
                    assert_eq!(state(&app).await, before, "{role} {write} in store {store} was refused but wrote");
                }
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 5 * 2 * 24);
    let drafts = app.get("/api/v1/warehouse/purchase-orders/?statut=brouillon&page_size=100").await.body;
    let from_suggestions = drafts["results"].as_array().expect("orders").iter().filter(|o| o["fournisseur"] == "G");
    assert_eq!(from_suggestions.count(), 1, "the warehouse's suggestions were ordered once");
    for store in [OWN, OTHER] {
        let requests = app.get(&format!("/api/v1/replenishments/?magasin={store}&page_size=100")).await.body;
        let applied = requests["results"].as_array().expect("requests").iter().filter(|r| r["origine"] == "suggestion");
        assert_eq!(applied.count(), 1, "store {store}: the suggestions were applied once");
    }
}

async fn unknown_revoked_and_disabled_tokens_are_refused(app: TestApp) {
    let sale = json!({"magasin": OWN, "lignes": [{"produit": 1, "quantite": 1}]});
    let services = app.services();
    let stores = StoreScope::Only([magasin_service::domain::StoreId(OWN)].into_iter().collect());
    let user = NewUser::parse("caisse-1", "Caisse 1", Role::Caissier, stores).expect("valid");
    let ana = services.create_user(&Actor::Service, &user, "a long enough password").await.expect("user");
    let first = services.issue_api_token(&Actor::Service, ana.id, "till").await.expect("token");
    let second = services.issue_api_token(&Actor::Service, ana.id, "spare").await.expect("token");

    let reply = send(&app, &first.secret, Method::POST, "/api/v1/sales/", sale.clone()).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    for wrong in ["mgs_0000", "token-431", &first.secret[..first.secret.len() - 1]] {
        let reply = send(&app, wrong, Method::POST, "/api/v1/sales/", sale.clone()).await;
        assert_error_body(&reply, 401, "/api/v1/sales/");
    }

    services.revoke_api_token(&Actor::Service, ana.id, first.info.id).await.expect("revoke");
    let reply = send(&app, &first.secret, Method::POST, "/api/v1/sales/", sale.clone()).await;
    assert_error_body(&reply, 401, "/api/v1/sales/");
    let reply = send(&app, &second.secret, Method::POST, "/api/v1/sales/", sale.clone()).await;
    assert_eq!(reply.status, StatusCode::CREATED, "the other token still works: {}", reply.body);

    services.set_user_disabled(&Actor::Service, ana.id, true).await.expect("disable");
    let reply = send(&app, &second.secret, Method::POST, "/api/v1/sales/", sale.clone()).await;
    assert_error_body(&reply, 401, "/api/v1/sales/");
    let reply = send(&app, TOKEN, Method::POST, "/api/v1/sales/", sale).await;
    assert_eq!(reply.status, StatusCode::CREATED, "the service token acts as an administrator");
}

/// A sale sent with `token` from `client`.
async fn sale_from(app: &TestApp, client: &str, token: &str) -> Reply {
    let peer: SocketAddr = client.parse().expect("address");
    let request = Request::post("/api/v1/sales/")
        .header("host", "testserver")
        .header("content-type", "application/json")
        .header("authorization", format!("Token {token}"))
        .extension(ConnectInfo(peer))
        .body(Body::from(json!({"magasin": OWN, "lignes": [{"produit": 1, "quantite": 1}]}).to_string()))
        .expect("request");
    app.request(request).await
}

async fn wrong_tokens_are_throttled_per_client_address(app: TestApp) {
    let (guesser, till) = ("203.0.113.5:40000", "198.51.100.20:40000");
    for n in 0..magasin_service::throttle::ADDRESS_LIMIT {
        let reply = sale_from(&app, guesser, &format!("guess-{n}")).await;
        assert_error_body(&reply, 401, "/api/v1/sales/");
    }
    let before = state(&app).await;
    for token in ["guess-again", TOKEN] {
        let reply = sale_from(&app, guesser, token).await;
        assert_error_body(&reply, 429, "/api/v1/sales/");
        let wait: u64 = reply.headers["retry-after"].to_str().expect("ascii").parse().expect("seconds");
        assert!((1..=60).contains(&wait), "{wait}");
    }
    assert_eq!(state(&app).await, before, "even the right token writes nothing while its address is throttled");
    let reply = sale_from(&app, till, TOKEN).await;
    assert_eq!(reply.status, StatusCode::CREATED, "another address is not throttled: {}", reply.body);
}

async fn every_write_names_its_actor(app: TestApp) {
    let services = app.services();
    let stores = StoreScope::Only([magasin_service::domain::StoreId(OWN)].into_iter().collect());
    let user = NewUser::parse("caisse-ouest", "Caisse ouest", Role::Gerant, stores).expect("valid");
    let gerant = services.create_user(&Actor::Service, &user, "a long enough password").await.expect("user");
    let token = services.issue_api_token(&Actor::Service, gerant.id, "till").await.expect("token").secret;

    let sale = json!({"magasin": OWN, "lignes": [{"produit": 2, "quantite": 1}]});
    let mine = send(&app, &token, Method::POST, "/api/v1/sales/", sale.clone()).await;
    assert_eq!((mine.body["acteur"].as_str(), &mine.body["annulee_par"]), (Some("caisse-ouest"), &Value::Null));
    let id = mine.body["id"].as_i64().expect("id");
    let cancelled = app.post(&format!("/api/v1/sales/{id}/cancel/"), Value::Null).await;
    assert_eq!(cancelled.body["annulee_par"], "service", "the service token names itself");
    let ledger = app.get("/api/v1/stores/1/ledger/?produit=2").await.body;
    let actors: Vec<&str> =
        ledger["results"].as_array().expect("rows").iter().filter_map(|r| r["acteur"].as_str()).collect();
    assert_eq!(actors[..2], ["service", "caisse-ouest"], "the cancellation, then the sale");
    assert_eq!(actors.last().copied(), Some("system"), "the demo data's opening balance");

    let asked = send(
        &app,
        &token,
        Method::POST,
        "/api/v1/replenishments/",
        json!({"magasin": OWN, "produit": 2, "quantite": 1}),
    )
    .await;
    assert_eq!(asked.body["demandeur"], "caisse-ouest");
    let decided = app.post(&format!("/api/v1/replenishments/{}/approve/", asked.body["id"]), Value::Null).await;
    assert_eq!(decided.body["decideur"], "service", "{}", decided.body);
}

async fn the_audit_log_is_for_head_office_and_administrators(app: TestApp) {
    let cashier = token_of(&app, Role::Caissier).await;
    let head_office = token_of(&app, Role::Siege).await;
    let sale = json!({"magasin": OWN, "lignes": [{"produit": 1, "quantite": 1}]});
    let sold = send(&app, &cashier, Method::POST, "/api/v1/sales/", sale).await;
    let login = sold.body["acteur"].as_str().expect("actor").to_string();
    send(&app, &head_office, Method::PATCH, "/api/v1/products/2/", json!({"prix": "12.50"})).await;

    let anonymous = app.get("/api/v1/audit/").await;
    assert_error_body(&anonymous, 401, "/api/v1/audit/");
    let refused = send(&app, &cashier, Method::GET, "/api/v1/audit/", Value::Null).await;
    assert_error_body(&refused, 403, "/api/v1/audit/");

    let all = send(&app, &head_office, Method::GET, "/api/v1/audit/", Value::Null).await;
    assert_eq!(all.status, StatusCode::OK, "{}", all.body);
    let entries = all.body["results"].as_array().expect("results").clone();
    assert!(entries.iter().all(|e| e["acteur"].as_str().is_some_and(|a| !a.is_empty())), "every entry names its actor");
    let change = &entries[0];
    assert_eq!(
        (change["action"].as_str(), change["entite"].as_str(), change["entite_id"].as_i64()),
        (Some("modification_produit"), Some("produit"), Some(2))
    );
    assert_eq!(change["avant"]["prix"], "25.50");
    assert_eq!(change["apres"]["prix"], "12.50");

    let path = format!("/api/v1/audit/?acteur={login}&action=vente");
    let mine = send(&app, &head_office, Method::GET, &path, Value::Null).await;
    let mine = mine.body["results"].as_array().expect("results").clone();
    assert_eq!(mine.len(), 1);
    assert_eq!(
        (mine[0]["entite_id"].as_i64(), mine[0]["apres"]["total"].as_str()),
        (sold.body["id"].as_i64(), Some("89.99"))
    );

    for (query, field) in
        [("action=vol", "action"), ("acteur=Not%20a%20login", "acteur"), ("date_debut=2026-13-01", "date_debut")]
    {
        let reply = send(&app, &head_office, Method::GET, &format!("/api/v1/audit/?{query}"), Value::Null).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{query}: {}", reply.body);
        assert!(reply.body[field].is_array(), "{query}: {}", reply.body);
    }
}

async fn accounts_are_managed_through_the_api_by_administrators(app: TestApp) {
    let head_office = token_of(&app, Role::Siege).await;
    let body = json!({"login": "Caisse-Est", "nom": "Caisse est", "role": "caissier", "magasins": [OWN], "mot_de_passe": "un mot de passe solide"});
    let refused = send(&app, &head_office, Method::POST, "/api/v1/users/", body.clone()).await;
    assert_error_body(&refused, 403, "/api/v1/users/");
    let anonymous = app.get("/api/v1/users/").await;
    assert_error_body(&anonymous, 401, "/api/v1/users/");

    let created = app.post("/api/v1/users/", body.clone()).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    assert_eq!((created.body["login"].as_str(), created.body["role"].as_str()), (Some("caisse-est"), Some("caissier")));
    assert_eq!(created.body["magasins"], json!([OWN]));
    assert!(
        created.body.get("mot_de_passe").is_none() && !created.body.to_string().contains("argon2"),
        "never the password"
    );
    let id = created.body["id"].as_i64().expect("id");
    let taken = app.post("/api/v1/users/", body).await;
    assert_error_body(&taken, 409, "/api/v1/users/");

    for (bad, field) in [
        (json!({"login": "x", "role": "caissier", "magasins": [1], "mot_de_passe": "un mot de passe solide"}), "login"),
        (json!({"login": "zoe", "role": "chef", "mot_de_passe": "un mot de passe solide"}), "role"),
        (
            json!({"login": "zoe", "role": "caissier", "magasins": [], "mot_de_passe": "un mot de passe solide"}),
            "magasins",
        ),
        (json!({"login": "zoe", "role": "admin", "mot_de_passe": "court"}), "mot_de_passe"),
    ] {
        let reply = app.post("/api/v1/users/", bad.clone()).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{bad}: {}", reply.body);
        assert!(reply.body[field].is_array(), "{bad}: {}", reply.body);
    }
    let unknown_field = app
        .post(
            "/api/v1/users/",
            json!({"login": "zoe", "role": "admin", "mot_de_passe": "un mot de passe solide", "admin": true}),
        )
        .await;
    assert_eq!(unknown_field.status, StatusCode::BAD_REQUEST);
    let unknown_store = app
        .post(
            "/api/v1/users/",
            json!({"login": "zoe", "role": "gerant", "magasins": [99], "mot_de_passe": "un mot de passe solide"}),
        )
        .await;
    assert_error_body(&unknown_store, 404, "/api/v1/users/");

    let path = format!("/api/v1/users/{id}/");
    let promoted = app.send(Method::PATCH, &path, json!({"role": "gerant", "magasins": [OWN, OTHER]})).await;
    assert_eq!((promoted.body["role"].as_str(), &promoted.body["magasins"]), (Some("gerant"), &json!([OWN, OTHER])));
    let disabled = app.send(Method::PATCH, &path, json!({"desactive": true})).await;
    assert_eq!(disabled.body["desactive"], true);
    let stores_alone = app.send(Method::PATCH, &path, json!({"magasins": [OWN]})).await;
    assert_eq!(stores_alone.status, StatusCode::BAD_REQUEST, "stores go with a role");
    let listed = app.get_with_token("/api/v1/users/").await;
    assert!(listed.body.as_array().expect("list").iter().any(|u| u["login"] == "caisse-est" && u["desactive"] == true));
    let missing = app.send(Method::PATCH, "/api/v1/users/999/", json!({"desactive": true})).await;
    assert_error_body(&missing, 404, "/api/v1/users/999/");
}

async fn private_reads_need_a_token_or_a_sign_in(app: TestApp) {
    let cashier = token_of(&app, Role::Caissier).await;
    let app = app.with_private_reads();
    for path in ["/api/v1/reports/", "/api/v1/dashboard/", "/api/v1/stores/1/stock/", "/api/v1/products/1/"] {
        let anonymous = app.get(path).await;
        assert_error_body(&anonymous, 401, path);
        assert_eq!(app.get_with_token(path).await.status, StatusCode::OK, "{path} with the service token");
        let reply = send(&app, &cashier, Method::GET, path, Value::Null).await;
        assert_eq!(reply.status, StatusCode::OK, "{path} with a user's token");
    }
    let page = app.get("/rapport?magasin=1").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.headers["location"], "/connexion?suite=%2Frapport%3Fmagasin%3D1", "sent to sign in, and back");
    for open in ["/health/live", "/health/ready", "/api/openapi.json", "/connexion", "/static/magasin.css"] {
        assert_eq!(app.get(open).await.status, StatusCode::OK, "{open} stays open");
    }
}

async fn the_last_active_administrator_is_neither_disabled_nor_demoted(app: TestApp) {
    let admin = token_of(&app, Role::Admin).await;
    let users = app.get_with_token("/api/v1/users/").await.body;
    let id = users.as_array().expect("users").iter().find(|u| u["role"] == "admin").expect("the admin")["id"].clone();
    let path = format!("/api/v1/users/{id}/");
    for change in [json!({"desactive": true}), json!({"role": "siege", "magasins": []})] {
        let refused = send(&app, &admin, Method::PATCH, &path, change.clone()).await;
        assert_error_body(&refused, 409, &path);
        let message = refused.body["message"].as_str().expect("message");
        assert!(message.contains("last active administrator"), "{change}: {message}");
    }
    let still = send(&app, &admin, Method::GET, &path, Value::Null).await;
    assert_eq!((still.body["role"].as_str(), still.body["desactive"].as_bool()), (Some("admin"), Some(false)));

    // With a second administrator, the first may step down.
    let second = NewUser::parse("relais", "Relais", Role::Admin, StoreScope::All).expect("valid user");
    app.services().create_user(&Actor::Service, &second, "a long enough password").await.expect("user");
    let stepped_down = send(&app, &admin, Method::PATCH, &path, json!({"role": "siege", "magasins": []})).await;
    assert_eq!(stepped_down.status, StatusCode::OK, "{}", stepped_down.body);
}
