//! Hostile input, generated: whatever query string, body or key a client sends, the answer is
//! a status below 500 in the contract's shape, on both engines. The inputs are drawn at random
//! on every run (a failure prints the input that caused it); each test sends `CASES` of them.

use crate::helpers::{TOKEN, TestApp};
use axum::http::{Method, StatusCode};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use serde_json::{Value, json};

magasin_store_sql::on_both_engines!(TestApp::start;
    arbitrary_query_strings_never_fail,
    arbitrary_sale_bodies_never_fail,
    arbitrary_product_bodies_never_fail,
    arbitrary_idempotency_keys_never_fail,
    arbitrary_return_order_and_rule_bodies_never_fail,
    arbitrary_request_approval_and_planning_bodies_never_fail,
    arbitrary_closing_bodies_and_days_never_fail,
);

/// Inputs per test and engine: enough to meet every branch of the parsers, few enough for CI.
const CASES: usize = 96;

fn samples<S: Strategy>(strategy: S) -> Vec<S::Value> {
    let mut runner = TestRunner::default();
    (0..CASES).map(|_| strategy.new_tree(&mut runner).expect("an input").current()).collect()
}

/// Text a client may type or forge: anything printable, numbers and dates with their edges,
/// control characters, very long values.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "\\PC{0,40}",
        "[+-]?[0-9]{1,7}(-[0-9]{1,3}){0,2}",
        "[0-9]{4}-[0-9]{2}-[0-9]{2}",
        ".{0,6}[\u{0}-\u{1f}\u{7f}].{0,6}",
        "[a-z]{0,3}".prop_map(|s| s.repeat(400)),
        any::<i64>().prop_map(|n| n.to_string()),
        Just(String::new()),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        (-3i64..40).prop_map(Value::from),
        any::<f64>().prop_map(|f| json!(f)),
        text().prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::btree_map("[a-z_]{1,9}", inner, 0..5)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A number as a client may send one: plausible, extreme, or not a number at all.
fn number_ish() -> impl Strategy<Value = Value> {
    prop_oneof![3 => (-2i64..20).prop_map(Value::from), 1 => any::<i64>().prop_map(Value::from), 1 => json_value()]
}

/// Below 500, and a refusal says why: the contract's error body, or the lab's validation
/// answer (each invalid field with its messages, or `detail`).
fn assert_handled(reply_status: StatusCode, body: &Value, input: &str) {
    assert!(reply_status.as_u16() < 500, "{reply_status} for {input}: {body}");
    if reply_status.is_client_error() {
        let explained = body["message"].is_string()
            || body["detail"].is_string()
            || body.as_object().is_some_and(|fields| {
                !fields.is_empty() && fields.values().all(|m| m.as_array().is_some_and(|m| !m.is_empty()))
            });
        assert!(explained, "{reply_status} without a reason for {input}: {body}");
    }
}

const READ_PATHS: [&str; 13] = [
    "/api/v1/stores/1/till-search/",
    "/api/v1/stores/1/stock/",
    "/api/v1/stores/1/stock/list/",
    "/api/v1/warehouse/stock/",
    "/api/v1/products/",
    "/api/v1/sales/",
    "/api/v1/replenishments/",
    "/api/v1/reports/",
    "/api/v1/dashboard/",
    "/api/v1/stores/1/ledger/",
    "/api/v1/warehouse/ledger/",
    "/api/v1/stores/1/closings/",
    "/api/v1/stores/1/closings/csv/",
];

/// Pages with filters: they explain bad input on the page (200), never a 500.
const PAGES: [&str; 8] =
    ["/caisse", "/ventes", "/rapport", "/rapport.csv", "/stock", "/entrepot", "/produits", "/cloture"];

const PARAMETERS: [&str; 23] = [
    "q",
    "du",
    "jour",
    "au",
    "q",
    "tri",
    "cle",
    "date",
    "date_debut",
    "date_fin",
    "magasin",
    "page",
    "page_size",
    "ordering",
    "produit__nom",
    "quantite",
    "quantite__gte",
    "quantite__lte",
    "search",
    "before",
    "statut",
    "produit",
    "limit",
];

async fn arbitrary_query_strings_never_fail(app: TestApp) {
    let queries = (
        0..READ_PATHS.len(),
        prop::collection::vec((prop::sample::select(&PARAMETERS[..]), text()), 0..4),
        any::<bool>(),
    );
    for (path, pairs, raw) in samples(queries) {
        let mut query = form_urlencoded::Serializer::new(String::new());
        for (name, value) in &pairs {
            query.append_pair(name, value);
        }
        let mut query = query.finish();
        if raw {
            query.push_str("&page=%FF%FE&magasin=%00");
        }
        let uri = format!("{}?{query}", READ_PATHS[path]);
        let reply = app.get(&uri).await;
        assert_handled(reply.status, &reply.body, &uri);
        let page = format!("{}?{query}", PAGES[path % PAGES.len()]);
        let reply = app.get(&page).await;
        assert!(reply.status.as_u16() < 500, "{} for {page}", reply.status);
    }
}

async fn arbitrary_sale_bodies_never_fail(app: TestApp) {
    let line = || (number_ish(), number_ish()).prop_map(|(p, q)| json!({"produit": p, "quantite": q}));
    let sale = prop_oneof![
        4 => (number_ish(), prop::collection::vec(line(), 0..8)).prop_map(|(m, l)| json!({"magasin": m, "lignes": l})),
        2 => (prop::collection::vec(line(), 1..3), prop_oneof![text().prop_map(Value::String), json_value()], number_ish())
            .prop_map(|(l, mode, given)| json!({"magasin": 1, "lignes": l, "paiement": {"mode": mode, "montant_remis": given}})),
        1 => json_value(),
    ];
    for body in samples(sale) {
        let reply = app.post("/api/v1/sales/", body.clone()).await;
        assert_handled(reply.status, &reply.body, &body.to_string());
    }
}

/// Returns, purchase orders and reordering rules (JSON and CSV): whatever the body, a handled
/// answer; and whatever was refused wrote nothing half-way (every balance still equals its ledger).
async fn arbitrary_return_order_and_rule_bodies_never_fail(app: TestApp) {
    let sold = app.post("/api/v1/sales/", json!({"magasin": 1, "lignes": [{"produit": 1, "quantite": 3}]})).await;
    let returns = format!("/api/v1/sales/{}/returns/", sold.body["id"]);
    let state = prop_oneof![Just(Value::from("revendable")), Just(Value::from("abime")), json_value()];
    let line = (number_ish(), number_ish(), state).prop_map(|(l, q, e)| json!({"ligne": l, "quantite": q, "etat": e}));
    let give_back = prop_oneof![
        4 => (prop::collection::vec(line, 0..6), text()).prop_map(|(l, n)| json!({"lignes": l, "note": n})),
        1 => json_value(),
    ];
    for body in samples(give_back) {
        let reply = app.post(&returns, body.clone()).await;
        assert_handled(reply.status, &reply.body, &format!("{returns} {body}"));
    }
    let order_line = (number_ish(), number_ish()).prop_map(|(p, q)| json!({"produit": p, "quantite": q}));
    let order = prop_oneof![
        4 => (text(), prop::collection::vec(order_line, 0..6), number_ish())
            .prop_map(|(f, l, t)| json!({"fournisseur": f, "lignes": l, "tolerance": t})),
        1 => json_value(),
    ];
    for body in samples(order) {
        let reply = app.post("/api/v1/warehouse/purchase-orders/", body.clone()).await;
        assert_handled(reply.status, &reply.body, &body.to_string());
    }
    let rule = (number_ish(), number_ish(), number_ish(), number_ish(), json_value())
        .prop_map(|(p, min, max, m, mode)| json!({"produit": p, "min": min, "max": max, "multiple": m, "mode": mode}));
    let rules = prop_oneof![
        4 => prop::collection::vec(rule, 0..6).prop_map(|r| json!({"regles": r})),
        1 => json_value(),
    ];
    for body in samples(rules) {
        let reply = app.send(Method::PUT, "/api/v1/stores/1/rules/", body.clone()).await;
        assert_handled(reply.status, &reply.body, &body.to_string());
    }
    let csv = prop_oneof![
        1 => text(),
        2 => prop::collection::vec(text(), 0..5).prop_map(|rows| format!("produit,min,max,multiple,mode\n{}", rows.join("\n"))),
    ];
    for body in samples(csv) {
        let path = "/api/v1/stores/1/rules/csv/";
        let reply = app.send_raw(Method::POST, path, body.clone(), Some(TOKEN), &[]).await;
        assert_handled(reply.status, &reply.body, &format!("{body:?}"));
    }
    assert!(app.ledger_discrepancies().await.is_empty(), "nothing half-written");
}

async fn arbitrary_request_approval_and_planning_bodies_never_fail(app: TestApp) {
    let line = || (number_ish(), number_ish()).prop_map(|(p, q)| json!({"produit": p, "quantite": q}));
    let request = prop_oneof![
        3 => (number_ish(), prop::collection::vec(line(), 0..6)).prop_map(|(m, l)| json!({"magasin": m, "lignes": l})),
        2 => (number_ish(), number_ish(), number_ish()).prop_map(|(m, p, q)| json!({"magasin": m, "produit": p, "quantite": q})),
        1 => json_value(),
    ];
    for body in samples(request) {
        let reply = app.post("/api/v1/replenishments/", body.clone()).await;
        assert_handled(reply.status, &reply.body, &body.to_string());
    }
    let terms = prop_oneof![
        3 => (prop::collection::vec(line(), 0..4), json_value()).prop_map(|(l, s)| json!({"lignes": l, "selon_stock": s})),
        1 => json_value(),
    ];
    for body in samples(terms) {
        let asked = json!({"magasin": 2, "lignes": [{"produit": 1, "quantite": 5}, {"produit": 11, "quantite": 90}]});
        let created = app.post("/api/v1/replenishments/", asked).await;
        let path = format!("/api/v1/replenishments/{}/approve/", created.body["id"]);
        let reply = app.post(&path, body.clone()).await;
        assert_handled(reply.status, &reply.body, &format!("{path} {body}"));
    }
    for body in samples(prop_oneof![number_ish().prop_map(|m| json!({"magasin": m})), json_value()]) {
        let reply = app.post("/api/v1/replenishments/suggestions/apply/", body.clone()).await;
        assert_handled(reply.status, &reply.body, &body.to_string());
    }
    let rule = (number_ish(), number_ish(), number_ish(), number_ish())
        .prop_map(|(p, min, max, m)| json!({"produit": p, "min": min, "max": max, "multiple": m}));
    let rules =
        prop_oneof![3 => prop::collection::vec(rule, 0..5).prop_map(|r| json!({"regles": r})), 1 => json_value()];
    for body in samples(rules) {
        let reply = app.send(Method::PUT, "/api/v1/warehouse/rules/", body.clone()).await;
        assert_handled(reply.status, &reply.body, &body.to_string());
    }
    for body in samples(prop_oneof![text().prop_map(|f| json!({"fournisseur": f})), json_value()]) {
        let reply = app.post("/api/v1/warehouse/suggestions/apply/", body.clone()).await;
        assert_handled(reply.status, &reply.body, &body.to_string());
    }
    let transfer = prop_oneof![
        3 => (number_ish(), number_ish(), prop::collection::vec(line(), 0..6))
            .prop_map(|(o, m, l)| json!({"origine": o, "magasin": m, "lignes": l})),
        1 => json_value(),
    ];
    for body in samples(transfer) {
        let reply = app.post("/api/v1/shipments/", body.clone()).await;
        assert_handled(reply.status, &reply.body, &body.to_string());
    }
    let gap = (number_ish(), number_ish(), number_ish())
        .prop_map(|(p, m, d)| json!({"produit": p, "manquante": m, "endommagee": d}));
    let reports =
        prop_oneof![3 => prop::collection::vec(gap, 0..4).prop_map(|l| json!({"lignes": l})), 1 => json_value()];
    for body in samples(reports) {
        // Restocked first: the arbitrary transfers above may have reserved store 1's goods.
        for produit in [1, 2] {
            let one = json!({"produit": produit, "quantite": 1, "motif": "erreur_saisie"});
            assert_eq!(app.post("/api/v1/stores/1/adjustments/", one).await.status, StatusCode::CREATED);
        }
        let sent = json!({"origine": 1, "magasin": 2, "lignes": [{"produit": 1, "quantite": 1}, {"produit": 2, "quantite": 1}]});
        let created = app.post("/api/v1/shipments/", sent).await;
        let shipped = app.post(&format!("/api/v1/shipments/{}/ship/", created.body["id"]), Value::Null).await;
        assert_eq!(shipped.status, StatusCode::OK, "{}", shipped.body);
        let path = format!("/api/v1/shipments/{}/receive/", created.body["id"]);
        let reply = app.post(&path, body.clone()).await;
        assert_handled(reply.status, &reply.body, &format!("{path} {body}"));
    }
    assert!(app.ledger_discrepancies().await.is_empty(), "nothing half-written");
}

async fn arbitrary_product_bodies_never_fail(app: TestApp) {
    let field = prop::sample::select(
        &["nom", "categorie", "prix", "description", "stock_initial", "sku", "code_barres", "autre"][..],
    );
    let product = prop::collection::btree_map(field, prop_oneof![text().prop_map(Value::String), json_value()], 0..6)
        .prop_map(|fields| Value::Object(fields.into_iter().map(|(k, v)| (k.to_string(), v)).collect()));
    let methods = prop::sample::select(
        &[
            (Method::POST, "/api/v1/products/"),
            (Method::PUT, "/api/v1/products/1/"),
            (Method::PATCH, "/api/v1/products/2/"),
        ][..],
    );
    for ((method, path), body) in samples((methods, product)) {
        let reply = app.send(method.clone(), path, body.clone()).await;
        assert_handled(reply.status, &reply.body, &format!("{method} {path} {body}"));
    }
    // A catalogue import: a known header or an arbitrary one, then arbitrary lines.
    let header = prop_oneof![Just("id,nom,categorie,prix,description,sku,code_barres".to_string()), text()];
    let lines = prop::collection::vec(prop::collection::vec(text(), 0..8).prop_map(|cells| cells.join(",")), 0..5);
    for (header, lines) in samples((header, lines)) {
        let body = format!("{header}\n{}", lines.join("\n"));
        let reply = app
            .send_raw(Method::POST, "/api/v1/products/csv/", body.clone(), Some(TOKEN), &[("content-type", "text/csv")])
            .await;
        assert_handled(reply.status, &reply.body, &body);
    }
    for code in samples(text()) {
        let query = form_urlencoded::Serializer::new(String::new()).append_pair("code", &code).finish();
        let reply = app.get(&format!("/api/v1/products/?{query}")).await;
        assert_handled(reply.status, &reply.body, &code);
    }
}

async fn arbitrary_idempotency_keys_never_fail(app: TestApp) {
    let key = prop_oneof!["[ -~]{0,40}", "[ -~]{190,260}", "[a-z]{0,8}"];
    for key in samples(key) {
        let body = json!({"magasin": 1, "lignes": [{"produit": 3, "quantite": 1}]}).to_string();
        let reply = app.send_raw(Method::POST, "/api/v1/sales/", body, Some(TOKEN), &[("Idempotency-Key", &key)]).await;
        assert_handled(reply.status, &reply.body, &format!("Idempotency-Key {key:?}"));
    }
}

/// Closes: whatever the body, or the day named in the path, a handled answer.
async fn arbitrary_closing_bodies_and_days_never_fail(app: TestApp) {
    let path = "/api/v1/stores/1/closings/";
    let day = prop_oneof![text().prop_map(Value::String), json_value()];
    let counted = prop_oneof![text().prop_map(Value::String), number_ish()];
    let close = prop_oneof![
        4 => (day, counted, text()).prop_map(|(j, c, n)| json!({"jour": j, "especes_comptees": c, "note": n})),
        1 => json_value(),
    ];
    for body in samples(close) {
        let reply = app.post(path, body.clone()).await;
        assert_handled(reply.status, &reply.body, &body.to_string());
    }
    for day in samples(text()) {
        let segment: String = form_urlencoded::byte_serialize(day.as_bytes()).collect();
        for uri in [format!("{path}{segment}/"), format!("{path}{segment}/preview/")] {
            let reply = app.get(&uri).await;
            assert_handled(reply.status, &reply.body, &uri);
        }
    }
}
