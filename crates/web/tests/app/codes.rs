//! Product codes, on SQLite and on PostgreSQL: every product of the demo data has a SKU and a
//! valid EAN-13; `GET /api/v1/products/?code=` finds a product by barcode (EAN-13, or UPC-A as
//! scanners send it) or SKU (any case); a wrong check digit is a 400 naming the field, a code
//! another product holds a 409 naming it — through the API and the product form alike.

use crate::helpers::{TestApp, assert_error_body};
use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

magasin_store_sql::on_both_engines!(TestApp::start;
    a_product_is_found_by_its_barcode_or_its_sku,
    bad_and_taken_codes_are_refused_and_write_nothing,
    the_catalogue_goes_out_and_comes_back_as_csv,
    a_bad_import_writes_nothing_and_says_which_line,
);

const CSV: &str = "/api/v1/products/csv/";

async fn import(app: &TestApp, text: &str) -> crate::helpers::Reply {
    app.send_raw(Method::POST, CSV, text.to_string(), Some(crate::helpers::TOKEN), &[("content-type", "text/csv")])
        .await
}

async fn the_catalogue_goes_out_and_comes_back_as_csv(app: TestApp) {
    let exported = app.get(CSV).await;
    assert_eq!(exported.status, StatusCode::OK);
    let text = exported.body.as_str().map(str::to_string).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "id,nom,categorie,prix,description,sku,code_barres");
    assert_eq!(lines.len(), 16, "a line per demo product");
    assert!(lines[1].starts_with("1,Clavier mécanique,") && lines[1].contains(",MAG-00001,200"), "{}", lines[1]);
    // The export imported again changes nothing but writes each product once.
    let again = import(&app, &text).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.body);
    assert_eq!((again.body["crees"].as_i64(), again.body["modifies"].as_i64()), (Some(0), Some(15)));
    assert_eq!(app.get(CSV).await.body.as_str().map(str::to_string).unwrap_or_default(), text);
    // New products and a price change, in one file.
    let file = "nom,categorie,prix,sku,code_barres,id\nTisane Zéphyr,Épicerie,\"3,20\",tis-1,036000291452,\nThé Noir,Épicerie,4.10,,,\n,,,,,\n";
    let empty_line = import(&app, file).await;
    assert_eq!(
        empty_line.status,
        StatusCode::BAD_REQUEST,
        "a blank line is a product without a name: {}",
        empty_line.body
    );
    let file = "nom,categorie,prix,sku,code_barres,id\nTisane Zéphyr,Épicerie,\"3,20\",tis-1,036000291452,\nThé Noir,Épicerie,4.10,,,\n";
    let created = import(&app, file).await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.body);
    assert_eq!(created.body["crees"], 2);
    assert_eq!(created.body["produits"][0]["code_barres"], "0036000291452");
    let priced = import(&app, "id,prix\n2,30.00\n").await;
    assert_eq!((priced.status, &priced.body["produits"][0]["prix"]), (StatusCode::OK, &json!("30.00")));
    assert_eq!(by_code(&app, "TIS-1").await["results"][0]["nom"], "Tisane Zéphyr");
}

async fn a_bad_import_writes_nothing_and_says_which_line(app: TestApp) {
    let before = app.get(CSV).await.body;
    let wrong = import(&app, "nom,categorie,prix\nA,B,1\nC,D,abc\n").await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST);
    assert!(wrong.body["ligne 3.prix"].is_array(), "{}", wrong.body);
    let header = import(&app, "nom,poids\nA,1\n").await;
    assert!(header.body["csv"].is_array(), "{}", header.body);
    let taken = import(&app, "nom,categorie,prix,code_barres\nA,B,1,\nC,D,1,2000000000015\n").await;
    assert_error_body(&taken, 409, CSV);
    assert!(taken.body["message"].as_str().is_some_and(|m| m.starts_with("ligne 3:")), "{}", taken.body);
    let same_name = import(&app, "nom,categorie,prix\nA,B,1\nA,B,1\n").await;
    assert_error_body(&same_name, 409, CSV);
    assert_error_body(&import(&app, "id,prix\n1,2\n999,3\n").await, 404, CSV);
    assert_eq!(import(&app, "nom,categorie,prix\n").await.status, StatusCode::BAD_REQUEST, "no line");
    let unsigned = app.send_raw(Method::POST, CSV, "nom\nA\n".into(), None, &[("content-type", "text/csv")]).await;
    assert_error_body(&unsigned, 401, CSV);
    let not_text = app.send_raw(Method::POST, CSV, "\u{0}".into(), Some(crate::helpers::TOKEN), &[]).await;
    assert!(not_text.status.is_client_error());
    assert_eq!(app.get(CSV).await.body, before, "nothing was written");
    assert!(app.ledger_discrepancies().await.is_empty());
}

const PRODUCTS: &str = "/api/v1/products/";

async fn by_code(app: &TestApp, code: &str) -> Value {
    let reply = app.get(&format!("{PRODUCTS}?code={code}")).await;
    assert_eq!(reply.status, StatusCode::OK, "{code}: {}", reply.body);
    reply.body
}

async fn a_product_is_found_by_its_barcode_or_its_sku(app: TestApp) {
    let listed = app.get(&format!("{PRODUCTS}?page_size=100")).await.body;
    let products = listed["results"].as_array().expect("products").clone();
    assert_eq!(products.len(), 15);
    for p in &products {
        let barcode = p["code_barres"].as_str().expect("every demo product has a barcode");
        assert_eq!(barcode.len(), 13);
        let found = by_code(&app, barcode).await;
        assert_eq!((found["count"].as_i64(), &found["results"][0]["id"]), (Some(1), &p["id"]), "{barcode}");
        let sku = p["sku"].as_str().expect("and a SKU");
        assert_eq!(by_code(&app, &sku.to_lowercase()).await["results"][0]["id"], p["id"], "{sku}, any case");
    }
    // A UPC-A is kept as its EAN-13 and found by either form, as scanners send both.
    let created = app
        .post(PRODUCTS, json!({"nom": "Soda", "categorie": "Épicerie", "prix": "1.20", "code_barres": "036000291452"}))
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    assert_eq!(created.body["code_barres"], "0036000291452");
    for scanned in ["036000291452", "0036000291452"] {
        assert_eq!(by_code(&app, scanned).await["results"][0]["id"], created.body["id"], "{scanned}");
    }
    let nothing = by_code(&app, "4006381333931").await;
    assert_eq!((nothing["count"].as_i64(), nothing["results"].as_array().map(Vec::len)), (Some(0), Some(0)));
    // The lab's single product keeps its exact shape.
    let single = app.get(&format!("{PRODUCTS}1/")).await.body;
    let keys: Vec<&String> = single.as_object().expect("object").keys().collect();
    assert_eq!(keys, ["categorie", "description", "nom", "prix"]);
}

async fn bad_and_taken_codes_are_refused_and_write_nothing(app: TestApp) {
    let product = |extra: Value| {
        let mut body = json!({"nom": "Tisane Zéphyr", "categorie": "Épicerie", "prix": "3.00"});
        body.as_object_mut().expect("object").extend(extra.as_object().expect("object").clone());
        body
    };
    let wrong = app.post(PRODUCTS, product(json!({"code_barres": "4006381333932"}))).await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST);
    assert_eq!(wrong.body, json!({"code_barres": ["Wrong check digit: it should be 1."]}));
    for (field, value) in
        [("code_barres", json!("12345")), ("code_barres", json!(4006381333931_i64)), ("sku", json!("a b"))]
    {
        let refused = app.post(PRODUCTS, product(json!({ field: value }))).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{field} {value}");
        assert!(refused.body[field].is_array(), "{}", refused.body);
    }
    let first_barcode = app.get(&format!("{PRODUCTS}?page_size=1")).await.body["results"][0]["code_barres"].clone();
    let taken = app.post(PRODUCTS, product(json!({"code_barres": first_barcode}))).await;
    assert_error_body(&taken, 409, PRODUCTS);
    assert!(
        taken.body["message"].as_str().is_some_and(|m| m.contains("Product 1 already has the barcode")),
        "{}",
        taken.body
    );
    let taken_sku = app.post(PRODUCTS, product(json!({"sku": "mag-00002"}))).await;
    assert_error_body(&taken_sku, 409, PRODUCTS);
    assert_eq!(app.get(&format!("{PRODUCTS}?search=Zéphyr")).await.body["count"], 0, "nothing was created");
    // A product keeps its own codes when saved again; giving another's is refused; null clears.
    let path = format!("{PRODUCTS}2/");
    let own = app.send(Method::PATCH, &path, json!({"sku": "MAG-00002"})).await;
    assert_eq!(own.status, StatusCode::OK, "{}", own.body);
    assert_error_body(&app.send(Method::PATCH, &path, json!({"sku": "MAG-00001"})).await, 409, &path);
    let cleared = app.send(Method::PATCH, &path, json!({"sku": null, "code_barres": ""})).await;
    assert_eq!(cleared.status, StatusCode::OK, "{}", cleared.body);
    let listed = app.get(&format!("{PRODUCTS}?search=Souris")).await.body;
    assert_eq!((&listed["results"][0]["sku"], &listed["results"][0]["code_barres"]), (&Value::Null, &Value::Null));
    let bad_lookup = app.get(&format!("{PRODUCTS}?code=4006381333932")).await;
    assert_eq!(bad_lookup.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad_lookup.body, json!({"code": ["Wrong check digit: it should be 1."]}));
    assert_eq!(app.get(&format!("{PRODUCTS}?code=a%20b")).await.status, StatusCode::BAD_REQUEST);
    assert!(app.ledger_discrepancies().await.is_empty());
}

/// The product form, on both engines.
mod form {
    use super::PRODUCTS;
    use crate::ui::Browser;
    use axum::http::StatusCode;
    use serde_json::json;

    magasin_store_sql::on_both_engines!(Browser::start;
        the_product_form_edits_codes_and_says_what_is_wrong,
        the_catalogue_is_imported_from_the_page_all_or_nothing,
    );

    async fn the_catalogue_is_imported_from_the_page_all_or_nothing(mut b: Browser) {
        b.sign_in().await;
        let page = b.get("/produits").await;
        assert!(page.has("href=\"/api/v1/products/csv/\""), "the export is one click away");
        let bad = "nom,categorie,prix\nTisane Zéphyr,Épicerie,3\nThé Noir,Épicerie,trois\n";
        let refused = b.post("/produits/import", &[("csv", bad)]).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST);
        assert!(refused.has("ligne 3.prix"), "the line at fault is named");
        assert!(refused.has("Tisane Zéphyr,Épicerie,3"), "the text as pasted is kept");
        assert_eq!(b.app.get("/api/v1/products/?search=Zéphyr").await.body["count"], 0, "nothing written");
        let good = "nom,categorie,prix\nTisane Zéphyr,Épicerie,3\nThé Noir,Épicerie,\"3,50\"\n";
        let imported = b.post_and_follow("/produits/import", &[("csv", good)]).await;
        assert_eq!(imported.flash().as_deref(), Some("Catalogue importé : 2 produit(s) créé(s), 0 modifié(s)."));
        let taken = b.post("/produits/import", &[("csv", "nom,categorie,prix\nTisane Zéphyr,Épicerie,3\n")]).await;
        assert_eq!(taken.status, StatusCode::CONFLICT);
        assert!(taken.has("ligne 2"), "the conflict names its line");
    }

    /// Product 3's form fields with these codes.
    fn with<'a>(sku: &'a str, code: &'a str) -> Vec<(&'a str, &'a str)> {
        vec![
            ("nom", "Tapis de souris XL"),
            ("categorie", "Accessoire"),
            ("prix", "12,50"),
            ("description", ""),
            ("sku", sku),
            ("code_barres", code),
        ]
    }

    async fn the_product_form_edits_codes_and_says_what_is_wrong(mut b: Browser) {
        b.sign_in().await;
        b.get("/produits/3").await;
        let wrong = b.post("/produits/3", &with("CAF-1", "4006381333932")).await;
        assert_eq!(wrong.status, StatusCode::BAD_REQUEST);
        assert!(wrong.has("Clé de contrôle erronée : elle devrait être 1."), "the message beside the field");
        assert!(wrong.has("value=\"CAF-1\""), "the form keeps what was typed");
        let first = b.app.get(&format!("{PRODUCTS}?page_size=1")).await.body["results"][0]["code_barres"].clone();
        let taken = b.post("/produits/3", &with("CAF-1", first.as_str().expect("barcode"))).await;
        assert_eq!(taken.status, StatusCode::CONFLICT);
        assert!(taken.has("Product 1 already has the barcode"), "{}", taken.html);
        let saved = b.post_and_follow("/produits/3", &with("caf-1", "4006381333931")).await;
        assert!(saved.flash().is_some(), "saved");
        let found = b.app.get(&format!("{PRODUCTS}?code=CAF-1")).await.body;
        assert_eq!(
            (&found["results"][0]["id"], &found["results"][0]["code_barres"]),
            (&json!(3), &json!("4006381333931"))
        );
        let list = b.get("/produits").await;
        assert!(list.has("4006381333931"), "the catalogue shows the barcode");
    }
}
