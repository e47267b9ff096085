//! End-of-day closes, on SQLite and on PostgreSQL: a store's day is closed once with the cash
//! counted and keeps its figures (sales by payment method, cancellations, returns, the cash
//! expected and the difference); a closed day refuses sales, cancellations and returns; the
//! closes list, read back and export as CSV.

use crate::helpers::{Reply, TestApp, assert_error_body};
use axum::http::StatusCode;
use chrono::{Duration, Utc};
use serde_json::{Value, json};
use std::future::Future;
use std::pin::Pin;

magasin_store_sql::on_both_engines!(TestApp::start;
    a_closed_day_keeps_its_figures,
    a_day_is_closed_once,
    a_closed_day_refuses_sales_cancels_and_returns,
    bad_closes_are_refused,
    closes_export_as_csv,
    a_sale_racing_a_close_is_counted_or_refused,
);

const SALES: &str = "/api/v1/sales/";
const CLOSINGS: &str = "/api/v1/stores/1/closings/";

fn today() -> String {
    Utc::now().date_naive().to_string()
}

/// Two keyboards (89.99 each) at `store`, paid as `paiement` says: the sale's id.
async fn sell(app: &TestApp, store: i64, paiement: Value) -> i64 {
    let body = json!({"magasin": store, "lignes": [{"produit": 1, "quantite": 2}], "paiement": paiement});
    let sold = app.post(SALES, body).await;
    assert_eq!(sold.status, StatusCode::CREATED, "{}", sold.body);
    sold.body["id"].as_i64().expect("id")
}

async fn give_back_one(app: &TestApp, sale: i64) -> Reply {
    let body = json!({"lignes": [{"ligne": 1, "quantite": 1, "etat": "revendable"}]});
    app.post(&format!("{SALES}{sale}/returns/"), body).await
}

async fn close(app: &TestApp, store: i64, jour: &str, counted: &str) -> Reply {
    let body = json!({"jour": jour, "especes_comptees": counted, "note": "fond de caisse remis"});
    app.post(&format!("/api/v1/stores/{store}/closings/"), body).await
}

/// `(mode, ventes, montant)` of a close's or a preview's `paiements`.
fn methods(body: &Value) -> Vec<(String, i64, String)> {
    body["paiements"]
        .as_array()
        .expect("paiements")
        .iter()
        .map(|p| {
            let text = |v: &Value| v.as_str().unwrap_or("").to_string();
            (text(&p["mode"]), p["ventes"].as_i64().unwrap_or(-1), text(&p["montant"]))
        })
        .collect()
}

async fn a_closed_day_keeps_its_figures(app: TestApp) {
    sell(&app, 1, json!({"mode": "especes", "montant_remis": "200"})).await;
    let card = sell(&app, 1, json!({"mode": "carte"})).await;
    let cancelled = sell(&app, 1, json!({"mode": "especes", "montant_remis": "179.98"})).await;
    assert_eq!(app.post(&format!("{SALES}{cancelled}/cancel/"), Value::Null).await.status, StatusCode::OK);
    assert_eq!(give_back_one(&app, card).await.status, StatusCode::CREATED);
    sell(&app, 2, json!({"mode": "especes", "montant_remis": "200"})).await;

    let preview = app.get(&format!("{CLOSINGS}{}/preview/", today())).await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.body);
    assert_eq!(preview.body["cloturee"], false);
    assert_eq!(preview.body["especes_attendues"], "89.99", "cash sold less the refund");

    let closed = close(&app, 1, &today(), "90").await;
    assert_eq!(closed.status, StatusCode::CREATED, "{}", closed.body);
    let body = &closed.body;
    assert_eq!(
        methods(body),
        [
            ("especes".to_string(), 1, "179.98".to_string()),
            ("carte".to_string(), 1, "179.98".to_string()),
            ("autre".to_string(), 0, "0.00".to_string()),
            ("non_precise".to_string(), 0, "0.00".to_string()),
        ],
        "the change given back is not in the till; the cancelled sale and the other store are left out"
    );
    assert_eq!(
        (body["ventes"].as_i64(), body["annulations"].as_i64(), body["retours"].as_i64()),
        (Some(2), Some(1), Some(1))
    );
    assert_eq!(body["retours_montant"], "89.99");
    assert_eq!(body["especes_attendues"], "89.99");
    assert_eq!(body["especes_comptees"], "90.00");
    assert_eq!(body["ecart"], "0.01");
    assert_eq!(body["note"], "fond de caisse remis");
    assert_eq!(body["acteur"], "service");
    assert_eq!(body["magasin"], 1);
    assert_eq!(body["jour"], today());

    let read = app.get(&format!("{CLOSINGS}{}/", today())).await;
    assert_eq!(read.body, closed.body, "read back as recorded");
    let listed = app.get(CLOSINGS).await;
    assert_eq!(listed.body["results"], json!([closed.body]));
    assert_eq!(app.get(&format!("{CLOSINGS}{}/preview/", today())).await.body["cloturee"], true);
    let audit = app.get_with_token("/api/v1/audit/?action=cloture_caisse").await;
    assert_eq!(audit.body["results"][0]["entite_id"], closed.body["id"], "{}", audit.body);
    assert_eq!(audit.body["results"][0]["acteur"], "service");
    assert_eq!(app.get("/api/v1/stores/2/closings/").await.body["results"], json!([]), "store 2 is open");
}

async fn a_day_is_closed_once(app: TestApp) {
    assert_eq!(close(&app, 1, &today(), "0").await.status, StatusCode::CREATED);
    let again = close(&app, 1, &today(), "10").await;
    assert_error_body(&again, 409, CLOSINGS);
    let message = again.body["message"].as_str().unwrap_or("");
    let store = app.get("/api/v1/stores/1/").await.body["nom"].as_str().unwrap_or("?").to_string();
    assert!(message.contains(&store) && message.contains(&today()), "{message}");
    let yesterday = (Utc::now().date_naive() - Duration::days(1)).to_string();
    assert_eq!(close(&app, 1, &yesterday, "0").await.status, StatusCode::CREATED, "another day");
    assert_eq!(close(&app, 2, &today(), "0").await.status, StatusCode::CREATED, "another store");
    assert_eq!(app.get(CLOSINGS).await.body["results"].as_array().map(Vec::len), Some(2));
}

async fn a_closed_day_refuses_sales_cancels_and_returns(app: TestApp) {
    let sold = sell(&app, 1, json!({"mode": "carte"})).await;
    let stock = app.local_qty(1, 1).await;
    assert_eq!(close(&app, 1, &today(), "0").await.status, StatusCode::CREATED);
    let refused = app.post(SALES, json!({"magasin": 1, "lignes": [{"produit": 1, "quantite": 1}]})).await;
    assert_error_body(&refused, 409, SALES);
    let message = refused.body["message"].as_str().unwrap_or("");
    assert!(message.contains("is closed for") && message.contains(&today()), "{message}");
    // A product the store holds no row of: refused for the closed day, not for want of stock.
    assert_eq!(close(&app, 3, &today(), "0").await.status, StatusCode::CREATED);
    let unheld = app.post(SALES, json!({"magasin": 3, "lignes": [{"produit": 1, "quantite": 1}]})).await;
    assert_error_body(&unheld, 409, SALES);
    assert!(unheld.body["message"].as_str().unwrap_or("").contains("is closed for"), "{}", unheld.body);
    let cancel = format!("{SALES}{sold}/cancel/");
    assert_error_body(&app.post(&cancel, Value::Null).await, 409, &cancel);
    let returned = give_back_one(&app, sold).await;
    assert_error_body(&returned, 409, &format!("{SALES}{sold}/returns/"));
    assert_eq!(app.local_qty(1, 1).await, stock, "nothing moved");
    assert_eq!(app.get(&format!("{SALES}{sold}/")).await.body["statut"], "validée");
    assert!(app.ledger_discrepancies().await.is_empty());
    sell(&app, 2, json!({"mode": "carte"})).await;
}

async fn bad_closes_are_refused(app: TestApp) {
    let tomorrow = (Utc::now().date_naive() + Duration::days(1)).to_string();
    for (body, field) in [
        (json!({"jour": today(), "especes_comptees": "-1"}), "especes_comptees"),
        (json!({"jour": today(), "especes_comptees": "abc"}), "especes_comptees"),
        (json!({"jour": today(), "especes_comptees": "12.345"}), "especes_comptees"),
        (json!({"jour": today(), "especes_comptees": "10000000.01"}), "especes_comptees"),
        (json!({"jour": today(), "especes_comptees": true}), "especes_comptees"),
        (json!({"jour": today(), "especes_comptees": ""}), "especes_comptees"),
        (json!({"jour": today(), "especes_comptees": "1", "note": "x".repeat(501)}), "note"),
        (json!({"jour": today(), "especes_comptees": "1", "note": "a\u{7}b"}), "note"),
        (json!({"jour": "demain", "especes_comptees": "1"}), "jour"),
        (json!({"jour": tomorrow, "especes_comptees": "1"}), "jour"),
    ] {
        let refused = app.post(CLOSINGS, body.clone()).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{body}");
        assert!(refused.body[field].is_array(), "{body}: {}", refused.body);
    }
    let future = app.post(CLOSINGS, json!({"jour": tomorrow, "especes_comptees": "1"})).await;
    assert!(future.body["jour"][0].as_str().unwrap_or("").contains("has not come yet"), "{}", future.body);
    for body in [json!({"especes_comptees": "1"}), json!({"jour": today(), "especes_comptees": "1", "pourboire": 1})] {
        assert_eq!(app.post(CLOSINGS, body.clone()).await.status, StatusCode::BAD_REQUEST, "{body}");
    }
    assert_eq!(app.get(CLOSINGS).await.body["results"], json!([]), "nothing closed");
    let unknown = "/api/v1/stores/99/closings/";
    assert_error_body(&app.post(unknown, json!({"jour": today(), "especes_comptees": "1"})).await, 404, unknown);
    assert_error_body(&app.get(unknown).await, 404, unknown);
    let preview = format!("{unknown}{}/preview/", today());
    assert_error_body(&app.get(&preview).await, 404, &preview);
    let open = format!("{CLOSINGS}{}/", today());
    assert_error_body(&app.get(&open).await, 404, &open);
    assert_eq!(app.get(&format!("{CLOSINGS}hier/")).await.status, StatusCode::BAD_REQUEST);
    assert_eq!(app.get(&format!("{CLOSINGS}?du=hier")).await.status, StatusCode::BAD_REQUEST);
    assert_eq!(app.get(&format!("{CLOSINGS}?du=2026-12-06&au=2026-12-05")).await.status, StatusCode::BAD_REQUEST);
}

async fn closes_export_as_csv(app: TestApp) {
    let yesterday = (Utc::now().date_naive() - Duration::days(1)).to_string();
    sell(&app, 1, json!({"mode": "especes", "montant_remis": "200"})).await;
    assert_eq!(close(&app, 1, &today(), "179.98").await.status, StatusCode::CREATED);
    assert_eq!(close(&app, 1, &yesterday, "0").await.status, StatusCode::CREATED);
    let csv = app.get(&format!("{CLOSINGS}csv/?du={yesterday}&au={}", today())).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.headers["content-type"].to_str().unwrap_or("").starts_with("text/csv"));
    let text = csv.body.as_str().expect("text").to_string();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert_eq!(
        lines[0],
        "magasin,magasin_nom,jour,ventes,especes_ventes,especes,carte_ventes,carte,autre_ventes,autre,\
         non_precise_ventes,non_precise,annulations,retours,retours_montant,especes_attendues,especes_comptees,ecart,\
         acteur,date,note"
    );
    assert!(lines[1].contains(&format!(",{yesterday},0,0,0.00,")), "by day: {}", lines[1]);
    let today_line = lines[2];
    assert!(
        today_line
            .contains(&format!(",{},1,1,179.98,0,0.00,0,0.00,0,0.00,0,0,0.00,179.98,179.98,0.00,service,", today())),
        "{today_line}"
    );
    assert!(today_line.ends_with(",fond de caisse remis"), "{today_line}");
    let only_today = app.get(&format!("{CLOSINGS}csv/?du={}", today())).await;
    assert_eq!(only_today.body.as_str().map(|t| t.lines().count()), Some(2));
    assert_eq!(app.get(&format!("{CLOSINGS}csv/?du={}&au={yesterday}", today())).await.status, StatusCode::BAD_REQUEST);
    let unknown = "/api/v1/stores/99/closings/csv/";
    assert_error_body(&app.get(unknown).await, 404, unknown);
}

/// Sales sent while the day is closed: each is either in the close's figures (committed first)
/// or refused (the day closed first), never recorded uncounted.
async fn a_sale_racing_a_close_is_counted_or_refused(app: TestApp) {
    for (at, store) in [(2, 1), (3, 2), (4, 3)] {
        let day = today();
        // The close sent in the middle of the sales, each request running as far as it can.
        let mut racing: Vec<Pin<Box<dyn Future<Output = Reply> + '_>>> = (0..6)
            .map(|_| {
                let body =
                    json!({"magasin": store, "lignes": [{"produit": 1, "quantite": 1}], "paiement": {"mode": "carte"}});
                Box::pin(app.post(SALES, body)) as Pin<Box<dyn Future<Output = Reply>>>
            })
            .collect();
        racing.insert(at, Box::pin(close(&app, store, &day, "0")));
        let mut replies = futures::future::join_all(racing).await;
        let closed = replies.remove(at);
        let sold = replies;
        assert_eq!(closed.status, StatusCode::CREATED, "{}", closed.body);
        assert!(sold.iter().all(|r| matches!(r.status, StatusCode::CREATED | StatusCode::CONFLICT)));
        let recorded = sold.iter().filter(|r| r.status == StatusCode::CREATED).count();
        assert_eq!(closed.body["ventes"].as_u64(), u64::try_from(recorded).ok(), "store {store}");
        let listed = app.get(&format!("{SALES}?magasin={store}&date_debut={}&page_size=100", today())).await;
        assert_eq!(listed.body["results"].as_array().map(Vec::len), Some(recorded), "store {store}");
    }
}

/// The page `/cloture`, on both engines.
mod page {
    use super::{close, sell, today};
    use crate::ui::Browser;
    use axum::http::StatusCode;
    use serde_json::json;

    magasin_store_sql::on_both_engines!(Browser::start;
        the_page_shows_the_day_and_closes_it,
        a_closed_day_refuses_the_sale_form,
        the_page_refuses_bad_input_cleanly,
    );

    async fn the_page_shows_the_day_and_closes_it(mut b: Browser) {
        sell(&b.app, 1, json!({"mode": "especes", "montant_remis": "200"})).await;
        b.sign_in().await;
        let page = b.get("/cloture?magasin=1").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.has("id=\"closing\""), "the form");
        assert!(page.has("Espèces attendues : <span class=\"montant\">179,98"), "{}", page.html);
        assert!(page.has("href=\"/cloture\""), "in the navigation");
        assert!(page.has("/api/v1/stores/1/closings/csv/?du="), "the export");
        let day = today();
        let closed = b
            .post_and_follow(
                "/cloture",
                &[("magasin", "1"), ("jour", &day), ("especes_comptees", "180,00"), ("note", "RAS")],
            )
            .await;
        assert!(closed.flash().is_some_and(|f| f.contains("clôturée")), "{:?}", closed.flash());
        assert!(!closed.has("id=\"closing\""), "read-only once closed");
        let difference = "<tr id=\"ecart\"><th>Écart (compté − attendu)</th><td class=\"num\">0,02\u{a0}€</td></tr>";
        assert!(closed.has(difference), "{}", closed.html);
        assert!(closed.has(&format!("data-day=\"{day}\"")), "listed");
        let again = b.post("/cloture", &[("magasin", "1"), ("jour", &day), ("especes_comptees", "1")]).await;
        assert_eq!(again.status, StatusCode::CONFLICT);
        assert!(again.flash().is_some_and(|f| f.starts_with("La caisse du magasin")), "{:?}", again.flash());
    }

    async fn a_closed_day_refuses_the_sale_form(mut b: Browser) {
        assert_eq!(close(&b.app, 1, &today(), "0").await.status, StatusCode::CREATED);
        b.sign_in().await;
        let refused = b.sell("1", &[("1", "1")]).await;
        assert_eq!(refused.status, StatusCode::CONFLICT);
        let day = chrono::Utc::now().date_naive().format("%d/%m/%Y").to_string();
        let closed = |message: &str| {
            message.starts_with("La caisse du magasin ") && message.contains(&format!("clôturée pour le {day}"))
        };
        let message = refused.flash().unwrap_or_default();
        assert!(closed(&message), "{message}");
        // A sale of store 2 made before its close: neither cancelled nor taken back after it.
        let sold = b.app.post(super::SALES, json!({"magasin": 2, "lignes": [{"produit": 1, "quantite": 1}]})).await;
        assert_eq!(close(&b.app, 2, &today(), "0").await.status, StatusCode::CREATED);
        let id = sold.body["id"].as_i64().expect("id");
        b.get(&format!("/ventes/{id}/annulation")).await;
        let cancel = b.post_and_follow(&format!("/ventes/{id}/annulation"), &[]).await;
        assert!(cancel.flash().is_some_and(|f| closed(&f)), "{:?}", cancel.flash());
        let form = b.get(&format!("/ventes/{id}/retour")).await;
        let key = crate::ui::value_of_input(&form.html, "cle").unwrap_or_default();
        let fields = [("cle", key.as_str()), ("quantite-1", "1"), ("etat-1", "revendable")];
        let back = b.post(&format!("/ventes/{id}/retour"), &fields).await;
        assert_eq!(back.status, StatusCode::CONFLICT);
        assert!(back.flash().is_some_and(|f| closed(&f)), "{:?}", back.flash());
    }

    async fn the_page_refuses_bad_input_cleanly(mut b: Browser) {
        b.sign_in().await;
        let day = today();
        for (counted, note) in [("-1", ""), ("douze", ""), ("1,234", ""), ("", ""), ("1", &"x".repeat(501)[..])] {
            let page = b
                .post("/cloture", &[("magasin", "1"), ("jour", &day), ("especes_comptees", counted), ("note", note)])
                .await;
            assert_eq!(page.status, StatusCode::BAD_REQUEST, "{counted}");
            assert!(page.has("class=\"field-error\""), "{counted}");
        }
        let future = b.post("/cloture", &[("magasin", "1"), ("jour", "2999-01-01"), ("especes_comptees", "1")]).await;
        assert_eq!(future.status, StatusCode::BAD_REQUEST);
        assert!(future.has("pas encore arrivé"), "{}", future.html);
        let unknown = b.post("/cloture", &[("magasin", "99"), ("jour", &day), ("especes_comptees", "1")]).await;
        assert_eq!(unknown.status, StatusCode::NOT_FOUND);
        for path in ["/cloture?magasin=99", "/cloture?magasin=abc&jour=hier", "/cloture?jour=2026-02-30"] {
            let page = b.get(path).await;
            assert_eq!(page.status, StatusCode::OK, "{path}: the defaults shown");
        }
        let bad_day = b.get("/cloture?magasin=1&jour=hier").await;
        assert!(bad_day.has("<span class=\"field-error\">Saisissez"), "said beside the day: {}", bad_day.html);
        assert_eq!(b.app.get("/api/v1/stores/1/closings/").await.body["results"], json!([]), "nothing closed");
    }
}
