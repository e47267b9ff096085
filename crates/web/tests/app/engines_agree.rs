//! The same API requests give the same answers on SQLite and on PostgreSQL.

use crate::helpers::TestApp;
use axum::http::Method;
use serde_json::{Value, json};

/// Timestamps and request ids differ from run to run; everything else must be equal.
fn normalize(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                if ["timestamp", "date", "date_vente", "date_decision", "date_annulation", "request_id"]
                    .contains(&key.as_str())
                    && !v.is_null()
                {
                    *v = Value::String("<time>".into());
                } else {
                    normalize(v);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(normalize),
        _ => {}
    }
}

async fn scenario(app: &TestApp) -> Vec<(u16, Value)> {
    let steps: Vec<(Method, &str, Option<Value>)> = vec![
        (
            Method::POST,
            "/api/v1/sales/",
            Some(json!({"magasin": 1, "lignes": [{"produit": 1, "quantite": 2}, {"produit": 4, "quantite": 3}]})),
        ),
        (Method::POST, "/api/v1/sales/", Some(json!({"magasin": 2, "lignes": [{"produit": 8, "quantite": 31}]}))),
        (Method::POST, "/api/v1/sales/", Some(json!({"magasin": 1, "lignes": [{"produit": 11, "quantite": 6}]}))),
        (Method::POST, "/api/v1/sales/1/cancel/", Some(json!({}))),
        (Method::POST, "/api/v1/sales/1/cancel/", Some(json!({}))),
        (Method::POST, "/api/v1/replenishments/", Some(json!({"magasin": 2, "produit": 8, "quantite": 50}))),
        (Method::POST, "/api/v1/replenishments/1/approve/", Some(json!({}))),
        (Method::POST, "/api/v1/replenishments/", Some(json!({"magasin": 3, "produit": 11, "quantite": 500}))),
        (Method::POST, "/api/v1/replenishments/2/approve/", Some(json!({}))),
        (Method::PUT, "/api/v1/products/3/", Some(json!({"prix": "21.00", "nom": "Tapis XL"}))),
        (Method::PUT, "/api/v1/products/3/", Some(json!({"prix": "2.001"}))),
        (
            Method::POST,
            "/api/v1/products/",
            Some(json!({"nom": "Thé Matcha", "categorie": "Épicerie", "prix": 22, "stock_initial": 5})),
        ),
        (Method::GET, "/api/v1/reports/", None),
        (Method::GET, "/api/v1/dashboard/", None),
        (Method::GET, "/api/v1/stores/2/stock/", None),
        (Method::GET, "/api/v1/stores/1/stock/list/?produit__nom=th%C3%A9&ordering=-quantite", None),
        (Method::GET, "/api/v1/stores/1/stock/list/?page=2&quantite__gte=10", None),
        (Method::GET, "/api/v1/warehouse/stock/?ordering=-quantite&page_size=5", None),
        (Method::GET, "/api/v1/products/?search=th%C3%A9", None),
        (Method::GET, "/api/v1/sales/?magasin=1", None),
        (Method::GET, "/api/v1/replenishments/", None),
        (Method::GET, "/api/v1/stores/2/ledger/?produit=8", None),
        (Method::GET, "/api/v1/warehouse/ledger/?page_size=3", None),
        (Method::GET, "/api/v1/stores/1/stock/list/?page=9", None),
        (Method::GET, "/api/v1/products/77/", None),
    ];
    let mut answers = Vec::new();
    for (method, path, body) in steps {
        let reply = match body {
            Some(b) => app.send(method, path, b).await,
            None => app.get(path).await,
        };
        let mut body = reply.body;
        normalize(&mut body);
        answers.push((reply.status.as_u16(), body));
    }
    answers
}

#[tokio::test]
async fn sqlite_and_postgres_give_the_same_answers() {
    let sqlite = scenario(&TestApp::start(magasin_store_sqlite::testing::fresh().await.into_dyn()).await).await;
    let postgres = scenario(&TestApp::start(magasin_store_postgres::testing::fresh().await.into_dyn()).await).await;
    assert_eq!(sqlite.len(), postgres.len());
    for (i, (a, b)) in sqlite.iter().zip(&postgres).enumerate() {
        assert_eq!(a, b, "step {i} differs between SQLite and PostgreSQL");
    }
}
