//! `/expeditions` on both engines: logistics ships an approved request's goods, the store
//! receives them with one unit missing, a store sends another goods, and every refusal comes
//! back as a message on the page with nothing written.

use crate::helpers::TestApp;
use crate::ui::{Browser, cell};
use axum::http::StatusCode;
use magasin_service::Settings;
use magasin_service::domain::accounts::{Actor, NewUser, Role, StoreScope};
use magasin_service::domain::{Storage, StoreId};
use magasin_store_sql::testing::TestStorage;
use serde_json::{Value, json};

magasin_store_sql::on_both_engines!(in_transit;
    logistics_ships_and_the_store_receives_with_one_missing_unit,
    a_store_sends_another_goods_and_refusals_say_why,
    a_manager_receives_but_does_not_ship_the_warehouse_goods,
);

async fn in_transit(storage: TestStorage<dyn Storage>) -> Browser {
    let app = TestApp::start(storage).await.with_settings(Settings { transit: true, ..Settings::default() });
    Browser::new(app)
}

/// Store 2 asks for `quantity` keyboards and logistics approves: the shipment's id.
async fn approved(app: &TestApp, quantity: i64) -> i64 {
    let asked = app.post("/api/v1/replenishments/", json!({"magasin": 2, "produit": 1, "quantite": quantity})).await;
    let approved = app.post(&format!("/api/v1/replenishments/{}/approve/", asked.body["id"]), Value::Null).await;
    assert_eq!(approved.status, StatusCode::OK, "{}", approved.body);
    approved.body["expedition"].as_i64().expect("a shipment")
}

async fn logistics_ships_and_the_store_receives_with_one_missing_unit(mut b: Browser) {
    let id = approved(&b.app, 10).await;
    let before = b.app.local_qty(2, 1).await.unwrap_or(0);
    b.sign_in().await;
    let page = b.get("/expeditions").await;
    let row = format!("data-shipment-id=\"{id}\"");
    assert_eq!(cell(&page.html, &row, "statut"), "préparée");
    assert_eq!(cell(&page.html, &row, "origine"), "Entrepôt");
    let warehouse = b.get("/entrepot").await;
    assert_eq!(cell(&warehouse.html, "tr data-product-id=\"1\"", "reserve"), "<a href=\"/expeditions\">10</a>");
    let shipped = b.post_and_follow(&format!("/expeditions/{id}/expedition"), &[]).await;
    assert!(shipped.flash().is_some_and(|f| f.contains("en transit")), "{:?}", shipped.flash());
    assert_eq!(cell(&shipped.html, &row, "statut"), "expédiée");
    assert!(shipped.has("name=\"manquante_1\""), "the reception form asks per line");
    let received =
        b.post_and_follow(&format!("/expeditions/{id}/reception"), &[("manquante_1", "1"), ("endommagee_1", "")]).await;
    assert!(received.flash().is_some_and(|f| f.contains("réceptionnée")), "{:?}", received.flash());
    let done = b.get("/expeditions").await;
    let quantities = cell(&done.html, &row, "num quantites");
    assert!(quantities.contains("9") && quantities.contains("1 manquant(s)"), "{quantities}");
    assert_eq!(b.app.local_qty(2, 1).await, Some(before + 9));
    assert_eq!(b.app.ledger_discrepancies().await, vec![]);
}

async fn a_store_sends_another_goods_and_refusals_say_why(mut b: Browser) {
    b.sign_in().await;
    let page = b.get("/expeditions").await;
    let key = crate::ui::value_of_input(&page.html, "cle").expect("the transfer's key");
    let fields = [("origine", "1"), ("magasin", "2"), ("produit", "2"), ("quantite", "5"), ("cle", key.as_str())];
    let sent = b.post_and_follow("/expeditions/transfert", &fields).await;
    assert!(sent.flash().is_some_and(|f| f.contains("réservé")), "{:?}", sent.flash());
    // The same form sent twice (its key) prepares one transfer.
    b.post_and_follow("/expeditions/transfert", &fields).await;
    let listed = b.app.get("/api/v1/shipments/?magasin=1").await;
    assert_eq!(listed.body["results"].as_array().map(Vec::len), Some(1), "{}", listed.body);
    let transfer = listed.body["results"][0]["id"].as_i64().expect("id");

    let too_much = [("origine", "1"), ("magasin", "2"), ("produit", "2"), ("quantite", "1000")];
    let short = b.post_and_follow("/expeditions/transfert", &too_much).await;
    assert!(short.flash().is_some_and(|f| f.contains("insuffisant")), "{:?}", short.flash());
    let same = b
        .post_and_follow(
            "/expeditions/transfert",
            &[("origine", "1"), ("magasin", "1"), ("produit", "2"), ("quantite", "1")],
        )
        .await;
    assert!(same.flash().is_some_and(|f| f.contains("autre magasin")), "{:?}", same.flash());
    let early = b.post_and_follow(&format!("/expeditions/{transfer}/reception"), &[]).await;
    assert!(early.flash().is_some_and(|f| f.contains("not been shipped")), "{:?}", early.flash());
    b.post_and_follow(&format!("/expeditions/{transfer}/expedition"), &[]).await;
    let too_many = b.post_and_follow(&format!("/expeditions/{transfer}/reception"), &[("manquante_2", "6")]).await;
    assert!(too_many.flash().is_some_and(|f| f.contains("0") && f.contains("5")), "{:?}", too_many.flash());
    let not_a_number =
        b.post_and_follow(&format!("/expeditions/{transfer}/reception"), &[("manquante_2", "deux")]).await;
    assert!(not_a_number.flash().is_some(), "a message, not an error page");
    let late = b.post_and_follow(&format!("/expeditions/{transfer}/annulation"), &[]).await;
    assert!(late.flash().is_some_and(|f| f.contains("cancelled")), "{:?}", late.flash());
    assert_eq!(b.app.get(&format!("/api/v1/shipments/{transfer}/")).await.body["statut"], "expediee");
    let unknown = b.post_and_follow("/expeditions/999999/expedition", &[]).await;
    assert!(unknown.flash().is_some(), "{:?}", unknown.html);
    // Without a session, a form is a sign-in, not a write.
    let mut stranger = Browser::new(b.app.clone());
    stranger.get("/expeditions").await;
    let refused = stranger.post(&format!("/expeditions/{transfer}/reception"), &[]).await;
    assert_ne!(refused.status, StatusCode::OK);
    assert_eq!(b.app.get(&format!("/api/v1/shipments/{transfer}/")).await.body["statut"], "expediee");
}

/// A store's manager sees the way to receive what comes to their store, not to ship what
/// leaves the warehouse.
async fn a_manager_receives_but_does_not_ship_the_warehouse_goods(mut b: Browser) {
    let id = approved(&b.app, 2).await;
    let services = b.app.services();
    let stores = StoreScope::Only([StoreId(2)].into_iter().collect());
    let user = NewUser::parse("gerant2", "Gérant", Role::Gerant, stores).expect("valid");
    services.create_user(&Actor::Service, &user, "a long enough password").await.expect("user");
    b.sign_in_as("gerant2", "a long enough password").await;
    let row = format!("data-shipment-id=\"{id}\"");
    let page = b.get("/expeditions").await;
    assert!(page.has(&row) && !page.has(&format!("/expeditions/{id}/expedition")), "no ship button for a manager");
    let refused = b.post(&format!("/expeditions/{id}/expedition"), &[]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let shipped = b.app.post(&format!("/api/v1/shipments/{id}/ship/"), Value::Null).await;
    assert_eq!(shipped.status, StatusCode::OK);
    let page = b.get("/expeditions").await;
    assert!(page.has(&format!("/expeditions/{id}/reception")), "the manager of store 2 receives");
    let received = b.post_and_follow(&format!("/expeditions/{id}/reception"), &[]).await;
    assert!(received.flash().is_some_and(|f| f.contains("réceptionnée")), "{:?}", received.flash());
}
