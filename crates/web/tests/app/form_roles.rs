//! Who may post which form of the web interface: every form that writes × every role × the
//! user's own store and another one. Allowed posts go through (a redirection, and something
//! changed); the others get the 403 page and write nothing — on both engines.

use crate::helpers::TestApp;
use crate::ui::{Browser, value_of_input};
use axum::http::StatusCode;
use magasin_service::domain::StoreId;
use magasin_service::domain::accounts::{Actor, NewUser, Role, StoreScope, User};
use serde_json::{Value, json};

magasin_store_sql::on_both_engines!(Browser::start;
    every_form_is_allowed_to_its_roles_in_their_stores_only,
);

const OWN: i64 = 1;
const OTHER: i64 = 2;
const PASSWORD: &str = "un mot de passe solide";

/// Every form that writes; `true` when it acts in a store (then tried in both).
const FORMS: [(&str, bool); 29] = [
    ("sale", true),
    ("till sale", true),
    ("cancel", true),
    ("return", true),
    ("request", true),
    ("approve", true),
    ("reject", true),
    ("create product", false),
    ("edit product", false),
    ("create user", false),
    ("user role", false),
    ("user state", false),
    ("user password", false),
    ("user token", false),
    ("receipt", false),
    ("purchase order", false),
    ("rules", true),
    ("store adjustment", true),
    ("warehouse adjustment", false),
    ("store count", true),
    ("apply suggestions", true),
    ("warehouse rules", false),
    ("warehouse order", false),
    ("transfer", true),
    ("ship shipment", true),
    ("cancel shipment", true),
    ("receive shipment", true),
    ("catalogue import", false),
    ("close day", true),
];

/// Which roles may post each form, in their own store or another one.
fn allowed(role: Role, form: &str, own_store: bool) -> bool {
    use Role::*;
    match form {
        "sale" | "till sale" | "cancel" | "return" => matches!(role, Caissier | Gerant) && own_store || role == Admin,
        "request" => role == Gerant && own_store || role == Admin,
        "rules" | "apply suggestions" => role == Gerant && own_store || matches!(role, Logistique | Admin),
        "approve" | "reject" => matches!(role, Logistique | Admin),
        "create product" | "edit product" | "catalogue import" => matches!(role, Siege | Admin),
        "receipt" | "warehouse adjustment" | "purchase order" | "warehouse rules" | "warehouse order" => {
            matches!(role, Logistique | Admin)
        }
        "store adjustment" | "store count" => role == Gerant && own_store || role == Admin,
        "create user" | "user role" | "user state" | "user password" | "user token" => role == Admin,
        // A transfer's origin prepares, ships and cancels it; its destination receives it.
        "transfer" | "ship shipment" | "cancel shipment" | "receive shipment" => {
            role == Gerant && own_store || role == Admin
        }
        // A store's people close its till; head office closes any store's.
        "close day" => matches!(role, Caissier | Gerant) && own_store || matches!(role, Siege | Admin),
        other => panic!("unknown form {other}"),
    }
}

async fn user(app: &TestApp, login: &str, role: Role) -> User {
    let stores = StoreScope::Only([StoreId(OWN)].into_iter().collect());
    let user = NewUser::parse(login, login, role, stores).expect("valid user");
    app.services().create_user(&Actor::Service, &user, PASSWORD).await.expect("user")
}

/// What could change: sales, requests, products, stock (stores' and the warehouse's), users and tokens.
async fn state(app: &TestApp) -> Value {
    let services = app.services();
    let users = services.list_users(&Actor::Service).await.expect("users");
    let mut tokens = Vec::new();
    for u in &users {
        let listed = services.list_api_tokens(&Actor::Service, u.id).await.expect("tokens");
        tokens.extend(listed.into_iter().map(|t| json!([t.id.0, t.revoked_at.is_some()])));
    }
    let users: Vec<Value> =
        users.iter().map(|u| json!([u.login, u.role.as_str(), u.disabled, u.session_epoch])).collect();
    json!({
        "sales": app.get("/api/v1/sales/?page_size=100").await.body["results"],
        "requests": app.get("/api/v1/replenishments/?page_size=100").await.body["results"],
        "products": app.get("/api/v1/products/?page_size=100").await.body["results"],
        "stock": [app.get("/api/v1/stores/1/stock/").await.body, app.get("/api/v1/stores/2/stock/").await.body],
        "warehouse": app.get("/api/v1/warehouse/receipts/?page_size=100").await.body["results"],
        "warehouse stock": app.get("/api/v1/warehouse/stock/?page_size=100").await.body["results"],
        "orders": app.get("/api/v1/warehouse/purchase-orders/?page_size=100").await.body["results"],
        "rules": [app.get("/api/v1/stores/1/rules/").await.body, app.get("/api/v1/stores/2/rules/").await.body,
            app.get("/api/v1/warehouse/rules/").await.body],
        "counts": [app.get("/api/v1/stores/1/counts/").await.body["results"], app.get("/api/v1/stores/2/counts/").await.body["results"]],
        "users": users,
        "tokens": tokens,
        "shipments": app.get("/api/v1/shipments/?page_size=100").await.body["results"],
        "closings": [app.get("/api/v1/stores/1/closings/").await.body["results"],
            app.get("/api/v1/stores/2/closings/").await.body["results"]],
    })
}

/// The other store of the two the walk uses.
fn other_than(store: i64) -> i64 {
    if store == OWN { OTHER } else { OWN }
}

/// A transfer of one keyboard from `from` (restocked first, so the walk never runs it out),
/// prepared and, when `shipped`, shipped by the service token: its id.
async fn transfer_from(app: &TestApp, from: i64, shipped: bool) -> i64 {
    let one = json!({"produit": 1, "quantite": 1, "motif": "erreur_saisie"});
    created(app, &format!("/api/v1/stores/{from}/adjustments/"), one).await;
    let body = json!({"origine": from, "magasin": other_than(from), "lignes": [{"produit": 1, "quantite": 1}]});
    let id = created(app, "/api/v1/shipments/", body).await;
    if shipped {
        let ship = app.post(&format!("/api/v1/shipments/{id}/ship/"), Value::Null).await;
        assert_eq!(ship.status, StatusCode::OK, "{}", ship.body);
    }
    id
}

async fn created(app: &TestApp, path: &str, body: Value) -> i64 {
    let reply = app.post(path, body).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    reply.body["id"].as_i64().expect("id")
}

async fn every_form_is_allowed_to_its_roles_in_their_stores_only(b: Browser) {
    let app = b.app.clone();
    let target = user(&app, "cible", Role::Caissier).await;
    let mut checked = 0;
    for role in Role::ALL {
        let login = format!("role-{}", role.as_str());
        user(&app, &login, role).await;
        let mut browser = Browser::new(app.clone());
        browser.sign_in_as(&login, PASSWORD).await;
        assert!(browser.signed_in().await, "{login} signed in");
        for (form, in_store) in FORMS {
            let stores: &[(i64, bool)] = if in_store { &[(OWN, true), (OTHER, false)] } else { &[(OWN, true)] };
            for &(store, own) in stores {
                checked += 1;
                let tag = format!("{role}-{checked}");
                // What the form acts on, made first by the service token; then the page of the form.
                let (path, fields): (String, Vec<(String, String)>) = match form {
                    "sale" => {
                        let page = browser.get(&format!("/ventes/nouvelle?magasin={store}")).await;
                        let key = value_of_input(&page.html, "cle").expect("key");
                        let fields = [("magasin", store.to_string()), ("cle", key), ("produit-1", "1".into())];
                        let mut fields: Vec<(String, String)> =
                            fields.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
                        fields.push(("quantite-1".into(), "1".into()));
                        ("/ventes/nouvelle".into(), fields)
                    }
                    "till sale" => {
                        let page = browser.get(&format!("/caisse?magasin={store}")).await;
                        let key = value_of_input(&page.html, "cle").unwrap_or_else(|| format!("k-{tag}"));
                        let fields = [
                            ("cle", key),
                            ("magasin", store.to_string()),
                            ("produit-1", "1".to_string()),
                            ("quantite-1", "1".to_string()),
                            ("paiement.mode", "carte".to_string()),
                            ("action", "encaisser".to_string()),
                        ];
                        ("/caisse".into(), fields.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
                    }
                    "cancel" => {
                        let body = json!({"magasin": store, "lignes": [{"produit": 1, "quantite": 1}]});
                        let id = created(&app, "/api/v1/sales/", body).await;
                        browser.get(&format!("/ventes/{id}/annulation")).await;
                        (format!("/ventes/{id}/annulation"), vec![])
                    }
                    "return" => {
                        let body = json!({"magasin": store, "lignes": [{"produit": 1, "quantite": 1}]});
                        let id = created(&app, "/api/v1/sales/", body).await;
                        let page = browser.get(&format!("/ventes/{id}/retour")).await;
                        let key = value_of_input(&page.html, "cle").unwrap_or_else(|| format!("k-{tag}"));
                        let fields =
                            [("cle", key), ("quantite-1", "1".to_string()), ("etat-1", "revendable".to_string())];
                        (format!("/ventes/{id}/retour"), fields.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
                    }
                    "request" => {
                        browser.get("/entrepot").await;
                        let fields =
                            [("magasin", store.to_string()), ("produit", "1".into()), ("quantite", "1".into())];
                        ("/entrepot/demandes".into(), fields.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
                    }
                    "approve" | "reject" => {
                        let body = json!({"magasin": store, "produit": 1, "quantite": 1});
                        let id = created(&app, "/api/v1/replenishments/", body).await;
                        browser.get("/reapprovisionnement").await;
                        let verb = if form == "approve" { "approuver" } else { "refuser" };
                        (format!("/reapprovisionnement/{id}/{verb}"), vec![])
                    }
                    "create product" => {
                        browser.get("/produits/nouveau").await;
                        let fields = [("nom", tag.clone()), ("categorie", "Test".into()), ("prix", "1,00".into())];
                        ("/produits/nouveau".into(), fields.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
                    }
                    "edit product" => {
                        browser.get("/produits/3").await;
                        let fields = [
                            ("nom", format!("Produit {tag}")),
                            ("categorie", "Test".into()),
                            ("prix", format!("{checked},00")),
                        ];
                        ("/produits/3".into(), fields.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
                    }
                    "create user" => {
                        browser.get("/compte").await;
                        let fields = [
                            ("login", format!("nouveau-{checked}")),
                            ("mot_de_passe", PASSWORD.into()),
                            ("role", "siege".into()),
                        ];
                        ("/utilisateurs/nouveau".into(), fields.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
                    }
                    "user role" => {
                        browser.get("/compte").await;
                        let next = if checked % 2 == 0 { "gerant" } else { "caissier" };
                        let fields = [("role", next.to_string()), ("magasins", OWN.to_string())];
                        let path = format!("/utilisateurs/{}/role", target.id.0);
                        (path, fields.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
                    }
                    "user state" => {
                        browser.get("/compte").await;
                        let now = app.services().user(&Actor::Service, target.id).await.expect("target").disabled;
                        let fields = vec![("desactive".to_string(), if now { "0" } else { "1" }.to_string())];
                        (format!("/utilisateurs/{}/etat", target.id.0), fields)
                    }
                    "user password" => {
                        browser.get("/compte").await;
                        let fields = vec![("mot_de_passe".to_string(), format!("{PASSWORD} {checked}"))];
                        (format!("/utilisateurs/{}/mot-de-passe", target.id.0), fields)
                    }
                    "user token" => {
                        let issued = app.services().issue_api_token(&Actor::Service, target.id, &tag).await;
                        let id = issued.expect("token").info.id.0;
                        browser.get("/compte").await;
                        (format!("/utilisateurs/{}/jetons/{id}/revocation", target.id.0), vec![])
                    }
                    "receipt" => {
                        let page = browser.get("/entrepot/receptions").await;
                        let key = value_of_input(&page.html, "cle").unwrap_or_else(|| format!("k-{tag}"));
                        let fields = [
                            ("cle", key),
                            ("fournisseur", "Grossiste".to_string()),
                            ("bon_livraison", tag.clone()),
                            ("produit-1", "1".to_string()),
                            ("quantite-1", "1".to_string()),
                        ];
                        ("/entrepot/receptions".into(), fields.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
                    }
                    "rules" => {
                        browser.get(&format!("/regles?magasin={store}")).await;
                        let max = (2 + checked).to_string();
                        let fields = [
                            ("magasin", store.to_string()),
                            ("lignes", "1".to_string()),
                            ("produit-1", "1".to_string()),
                            ("min-1", "1".to_string()),
                            ("max-1", max),
                        ];
                        ("/regles".into(), fields.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
                    }
                    "purchase order" => {
                        browser.get("/entrepot/commandes").await;
                        let fields = [
                            ("fournisseur", tag.clone()),
                            ("produit-1", "1".to_string()),
                            ("quantite-1", "2".to_string()),
                        ];
                        ("/entrepot/commandes".into(), fields.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
                    }
                    "store adjustment" | "warehouse adjustment" => {
                        let place = if form == "store adjustment" { store.to_string() } else { "entrepot".into() };
                        let page = browser.get(&format!("/ajustements?lieu={place}")).await;
                        let key = value_of_input(&page.html, "cle").unwrap_or_else(|| format!("k-{tag}"));
                        let fields = [
                            ("cle", key),
                            ("lieu", place),
                            ("produit", "1".to_string()),
                            ("quantite", "1".to_string()),
                            ("motif", "erreur_saisie".to_string()),
                        ];
                        ("/ajustements".into(), fields.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
                    }
                    "store count" => {
                        browser.get(&format!("/inventaires?lieu={store}")).await;
                        let fields =
                            vec![("lieu".to_string(), store.to_string()), ("categorie".to_string(), String::new())];
                        ("/inventaires".into(), fields)
                    }
                    "apply suggestions" => {
                        let rule = json!({"regles": [{"produit": 1, "min": 1000, "max": 2000}]});
                        let set =
                            app.send(axum::http::Method::PUT, &format!("/api/v1/stores/{store}/rules/"), rule).await;
                        assert_eq!(set.status, StatusCode::OK, "{}", set.body);
                        browser.get(&format!("/regles?magasin={store}")).await;
                        ("/regles/demander".into(), vec![("magasin".to_string(), store.to_string())])
                    }
                    "warehouse rules" => {
                        browser.get("/entrepot/commandes").await;
                        let csv = format!("produit,min,max\n2,1,{}", 2 + checked);
                        ("/entrepot/regles".into(), vec![("csv".to_string(), csv)])
                    }
                    "warehouse order" => {
                        let rule = json!({"regles": [{"produit": 1, "min": 100000, "max": 100000}]});
                        let set = app.send(axum::http::Method::PUT, "/api/v1/warehouse/rules/", rule).await;
                        assert_eq!(set.status, StatusCode::OK, "{}", set.body);
                        browser.get("/entrepot/commandes").await;
                        ("/entrepot/commandes/suggestions".into(), vec![("fournisseur".to_string(), "G".to_string())])
                    }
                    "transfer" => {
                        let one = json!({"produit": 1, "quantite": 1, "motif": "erreur_saisie"});
                        created(&app, &format!("/api/v1/stores/{store}/adjustments/"), one).await;
                        let page = browser.get("/expeditions").await;
                        let key = value_of_input(&page.html, "cle").unwrap_or_else(|| format!("k-{tag}"));
                        let fields = [
                            ("cle", key),
                            ("origine", store.to_string()),
                            ("magasin", other_than(store).to_string()),
                            ("produit", "1".to_string()),
                            ("quantite", "1".to_string()),
                        ];
                        ("/expeditions/transfert".into(), fields.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
                    }
                    "ship shipment" | "cancel shipment" => {
                        let id = transfer_from(&app, store, false).await;
                        browser.get("/expeditions").await;
                        let verb = if form == "ship shipment" { "expedition" } else { "annulation" };
                        (format!("/expeditions/{id}/{verb}"), vec![])
                    }
                    "catalogue import" => {
                        browser.get("/produits").await;
                        let csv = format!("id,prix\n3,{checked}.00\n");
                        ("/produits/import".into(), vec![("csv".to_string(), csv)])
                    }
                    "receive shipment" => {
                        let id = transfer_from(&app, other_than(store), true).await;
                        browser.get("/expeditions").await;
                        (format!("/expeditions/{id}/reception"), vec![])
                    }
                    "close day" => {
                        // A day of its own for every post: a day is closed once.
                        let back = chrono::Duration::days(1 + i64::try_from(checked).unwrap_or(0));
                        let day = (chrono::Utc::now().date_naive() - back).to_string();
                        browser.get(&format!("/cloture?magasin={store}&jour={day}")).await;
                        let fields = [("magasin", store.to_string()), ("jour", day), ("especes_comptees", "0".into())];
                        ("/cloture".into(), fields.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
                    }
                    _ => unreachable!(),
                };
                let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
                let before = state(&app).await;
                let reply = browser.post(&path, &fields).await;
                let what = format!("{role} posts {form} in store {store}");
                if allowed(role, form, own) && matches!(form, "apply suggestions" | "warehouse order") {
                    // One request per store and day: the first allowed post writes it, the
                    // others are told it exists (counted after the loop).
                    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{what}: {}", reply.html);
                } else if allowed(role, form, own) {
                    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{what}: {}", reply.html);
                    assert_ne!(state(&app).await, before, "{what}: allowed but wrote nothing");
                } else {
                    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{what}: {}", reply.html);
                    assert!(reply.has("Action refusée"), "{what}: the 403 page");
                    assert_eq!(state(&app).await, before, "{what}: refused but wrote");
                }
                assert!(browser.signed_in().await, "{what}: still signed in");
            }
        }
    }
    assert_eq!(checked, Role::ALL.len() * 45, "every form × role × store");
    let drafts = app.get("/api/v1/warehouse/purchase-orders/?statut=brouillon&page_size=100").await.body;
    let ordered = drafts["results"].as_array().expect("orders").iter().filter(|o| o["fournisseur"] == "G").count();
    assert_eq!(ordered, 1, "the warehouse's suggestions were ordered once");
    for store in [OWN, OTHER] {
        let requests = app.get(&format!("/api/v1/replenishments/?magasin={store}&page_size=100")).await.body;
        let from_suggestions =
            requests["results"].as_array().expect("requests").iter().filter(|r| r["origine"] == "suggestion").count();
        assert_eq!(from_suggestions, 1, "store {store}: the suggestions were applied once");
    }
}
