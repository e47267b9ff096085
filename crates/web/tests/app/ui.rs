//! The web interface, in-process: pages, sign-in, CSRF, and each use case through its forms,
//! written once and run on SQLite and on PostgreSQL.

use crate::helpers::{TOKEN, TestApp};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use magasin_domain::Storage;
use magasin_store_sql::testing::TestStorage;
use std::collections::BTreeMap;

use tower::ServiceExt;

magasin_store_sql::on_both_engines!(Browser::start;
    every_page_renders_with_the_demo_data,
    pages_carry_the_security_headers_and_run_no_inline_code,
    unknown_pages_get_the_404_page_and_the_api_keeps_json,
    signing_in_and_out,
    no_cookie_is_signed_for_an_anonymous_visitor,
    the_sign_in_form_needs_its_cookie_and_no_form_comes_from_another_site,
    a_wrong_token_is_refused,
    repeated_wrong_tokens_at_sign_in_are_throttled,
    signing_in_returns_only_to_a_page_of_this_site,
    writes_need_a_signed_in_session,
    forms_without_the_csrf_token_are_refused,
    a_sale_with_two_lines_shows_its_receipt,
    the_same_sale_form_posted_twice_records_one_sale,
    insufficient_stock_names_the_product_and_what_is_left,
    bad_sale_input_is_explained_not_refused,
    a_sale_is_cancelled_after_confirmation,
    goods_are_returned_through_the_form_once_with_a_credit_note,
    sales_are_listed_by_store_and_dates,
    date_filters_outside_plain_days_in_range_are_explained,
    the_report_totals_each_store_and_exports_csv,
    the_csv_report_writes_formulas_as_text,
    store_stock_is_searched_sorted_and_paged,
    product_validation_keeps_what_was_typed,
    control_characters_are_refused_in_products_and_match_nothing_in_searches,
    products_are_created_edited_and_searched,
    replenishment_is_requested_then_approved,
    an_approval_the_warehouse_cannot_serve_is_refused_with_its_reason,
    a_request_can_be_rejected,
    a_request_of_several_lines_is_approved_as_far_as_the_warehouse_holds,
    the_rules_page_turns_its_suggestions_into_a_request,
    the_orders_page_loads_warehouse_rules_and_prepares_the_orders_they_suggest,
    goods_are_received_through_the_form_once,
    purchase_orders_are_drafted_sent_and_received_through_the_forms,
    reordering_rules_are_edited_in_a_grid_and_loaded_from_csv,
    stock_is_adjusted_through_the_form_once_and_shrinkage_shows_it,
    every_stock_row_shows_its_movements_and_exports_them,
    the_verification_page_says_what_the_last_pass_found,
    a_count_sheet_is_entered_then_validated_once,
    observability_says_when_metrics_are_off,
    the_journal_shows_who_did_what,
    a_user_signs_in_with_a_password_and_acts_within_their_role,
    signing_out_a_new_password_or_disabling_ends_every_session_on_every_instance,
    repeated_wrong_passwords_for_one_login_are_throttled,
    idle_and_too_old_sessions_are_refused,
);

/// A client with a cookie jar, driving the router in-process.
pub(crate) struct Browser {
    pub(crate) app: TestApp,
    pub(crate) cookies: BTreeMap<String, String>,
    /// The CSRF token of the last page that had a form.
    pub(crate) csrf: String,
    /// The `Set-Cookie` headers of the last answer.
    set_cookies: Vec<String>,
}

pub(crate) struct Page {
    pub(crate) status: StatusCode,
    pub(crate) location: Option<String>,
    pub(crate) headers: axum::http::HeaderMap,
    pub(crate) content_type: String,
    pub(crate) html: String,
}

impl Page {
    pub(crate) fn has(&self, needle: &str) -> bool {
        self.html.contains(needle)
    }

    /// The text of the `div.flash` of this page.
    pub(crate) fn flash(&self) -> Option<String> {
        let start = self.html.find("<div class=\"flash")?;
        let rest = &self.html[start..];
        let open = rest.find('>')? + 1;
        let close = rest.find("</div>")?;
        Some(unescape(rest[open..close].trim()))
    }
}

/// Text as the browser shows it.
fn unescape(html: &str) -> String {
    [("&#39;", "'"), ("&#34;", "\""), ("&quot;", "\""), ("&lt;", "<"), ("&#60;", "<"), ("&gt;", ">"), ("&#62;", ">")]
        .iter()
        .fold(html.to_string(), |text, (entity, c)| text.replace(entity, c))
        .replace("&#38;", "&")
        .replace("&amp;", "&")
}

impl Browser {
    pub(crate) async fn start(storage: TestStorage<dyn Storage>) -> Self {
        Self::new(TestApp::start(storage).await)
    }

    pub(crate) fn new(app: TestApp) -> Self {
        Browser { app, cookies: BTreeMap::new(), csrf: String::new(), set_cookies: Vec::new() }
    }

    async fn send(&mut self, request: Request<Body>) -> Page {
        let response = self.app.router.clone().oneshot(request).await.expect("infallible router");
        self.set_cookies.clear();
        for value in response.headers().get_all(header::SET_COOKIE) {
            let text = value.to_str().expect("cookie header");
            let pair = text.split(';').next().unwrap_or("");
            let (name, value) = pair.split_once('=').expect("name=value");
            self.set_cookies.push(text.to_string());
            if text.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_string(), value.to_string());
            }
        }
        let status = response.status();
        let header_text = |name| response.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
        let location = header_text(header::LOCATION);
        let content_type = header_text(header::CONTENT_TYPE).unwrap_or_default();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.expect("body").to_bytes();
        let html = String::from_utf8(bytes.to_vec()).expect("UTF-8 page");
        if let Some(token) = value_of_input(&html, "csrf") {
            self.csrf = token;
        }
        Page { status, location, headers, content_type, html }
    }

    fn cookie_header(&self) -> String {
        self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
    }

    pub(crate) async fn get(&mut self, path: &str) -> Page {
        let request =
            Request::get(path).header(header::COOKIE, self.cookie_header()).body(Body::empty()).expect("request");
        self.send(request).await
    }

    /// Posts `fields` as a form, with the CSRF token of the last page.
    pub(crate) async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let csrf = self.csrf.clone();
        let mut all = vec![("csrf", csrf.as_str())];
        all.extend_from_slice(fields);
        self.post_raw(path, &all).await
    }

    pub(crate) async fn post_raw(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let body = form_urlencoded::Serializer::new(String::new()).extend_pairs(fields).finish();
        let request = Request::post(path)
            .header(header::COOKIE, self.cookie_header())
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .expect("request");
        self.send(request).await
    }

    /// Posts, expects a redirection, and follows it.
    pub(crate) async fn post_and_follow(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let reply = self.post(path, fields).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{path}: {}", reply.html);
        let to = reply.location.expect("location");
        self.get(&to).await
    }

    pub(crate) async fn sign_in(&mut self) {
        self.get("/connexion").await;
        let page = self.post_and_follow("/connexion", &[("token", TOKEN), ("suite", "/")]).await;
        assert!(page.has("id=\"signout\""), "signed in");
    }

    /// Records a sale through the form; returns the receipt page.
    pub(crate) async fn sell(&mut self, store: &str, lines: &[(&str, &str)]) -> Page {
        let page = self.get(&format!("/ventes/nouvelle?magasin={store}")).await;
        let key = value_of_input(&page.html, "cle").expect("idempotency key");
        let names: Vec<(String, String)> = lines
            .iter()
            .enumerate()
            .flat_map(|(i, (p, q))| {
                [(format!("produit-{}", i + 1), p.to_string()), (format!("quantite-{}", i + 1), q.to_string())]
            })
            .collect();
        let mut fields: Vec<(&str, &str)> = vec![("magasin", store), ("cle", &key)];
        fields.extend(names.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        self.post("/ventes/nouvelle", &fields).await
    }
}

/// The value of the first `<input name="{name}" value="…">` of a page.
pub(crate) fn value_of_input(html: &str, name: &str) -> Option<String> {
    let at = html.find(&format!("name=\"{name}\" value=\""))?;
    let rest = &html[at + name.len() + 15..];
    Some(rest[..rest.find('"')?].to_string())
}

/// The text of the first element with `class="{class}"` inside the row that has `{row_attr}`.
pub(crate) fn cell(html: &str, row_attr: &str, class: &str) -> String {
    let row_start = html.find(row_attr).unwrap_or_else(|| panic!("no row {row_attr}"));
    let row = &html[row_start..];
    let row = &row[..row.find("</tr>").unwrap_or(row.len())];
    let at = row.find(&format!("class=\"{class}")).unwrap_or_else(|| panic!("no {class} in {row}"));
    let rest = &row[at..];
    let open = rest.find('>').expect("tag end") + 1;
    let close = rest.find("</td>").expect("cell end");
    unescape(rest[open..close].trim())
}

/// Every page, once signed in and a sale recorded (sale 1).
const PAGES: [&str; 34] = [
    "/caisse",
    "/",
    "/journal",
    "/compte",
    "/utilisateurs",
    "/utilisateurs/nouveau",
    "/connexion",
    "/ventes/nouvelle",
    "/ventes/nouvelle?magasin=2",
    "/ventes",
    "/ventes/1",
    "/ventes/1/annulation",
    "/ventes/1/retour",
    "/rapport",
    "/stock",
    "/stock?magasin=3",
    "/entrepot",
    "/entrepot/receptions",
    "/entrepot/commandes",
    "/regles?magasin=1",
    "/ajustements",
    "/ajustements?lieu=entrepot",
    "/rapport/demarque",
    "/mouvements?lieu=1",
    "/mouvements?lieu=entrepot&produit=2",
    "/verification",
    "/inventaires",
    "/inventaires?lieu=entrepot",
    "/produits",
    "/produits/nouveau",
    "/produits/1",
    "/reapprovisionnement",
    "/expeditions",
    "/observabilite",
];

async fn every_page_renders_with_the_demo_data(mut b: Browser) {
    b.sign_in().await;
    b.sell("1", &[("1", "2")]).await;
    for path in PAGES {
        let page = b.get(path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}: {}", page.html);
        assert!(page.content_type.starts_with("text/html"), "{path}");
        for href in [
            "/",
            "/caisse",
            "/ventes",
            "/rapport",
            "/stock",
            "/entrepot",
            "/produits",
            "/reapprovisionnement",
            "/journal",
            "/observabilite",
        ] {
            assert!(page.has(&format!("href=\"{href}\"")), "{path} links to {href}");
        }
        assert!(page.has("href=\"/swagger/\""), "{path} links to the API");
    }
    let dashboard = b.get("/").await;
    assert!(dashboard.has("<table id=\"dashboard\""));
    assert!(dashboard.has("<svg id=\"revenue-chart\""));
    assert_eq!(dashboard.html.matches("<svg class=\"sparkline\"").count(), 5);
    assert_eq!(cell(&dashboard.html, "data-store-id=\"1\"", "revenue"), "179,98\u{a0}€");
    assert_eq!(cell(&dashboard.html, "data-store-id=\"1\"", "tendances"), "Clavier mécanique (2)");
    assert_eq!(cell(&dashboard.html, "data-store-id=\"1\"", "surstock"), "12");
    assert_eq!(cell(&dashboard.html, "data-store-id=\"2\"", "ruptures"), "0");
    let css = b.get("/static/magasin.css").await;
    assert_eq!(css.status, StatusCode::OK);
    assert!(css.content_type.starts_with("text/css"));
}

async fn pages_carry_the_security_headers_and_run_no_inline_code(mut b: Browser) {
    b.sign_in().await;
    b.sell("1", &[("1", "2")]).await;
    let others = ["/rapport.csv", "/observabilite.json", "/static/magasin.css", "/static/vente.js", "/nulle-part"];
    for path in PAGES.into_iter().chain(others) {
        let reply = b.app.get(path).await;
        // Sent without the session: the journal and the users are refused to an anonymous visitor,
        // and my account sends them to sign in, with the same headers.
        let expected = match path {
            "/nulle-part" => StatusCode::NOT_FOUND,
            "/journal" | "/utilisateurs" | "/utilisateurs/nouveau" => StatusCode::FORBIDDEN,
            "/compte" => StatusCode::SEE_OTHER,
            _ => StatusCode::OK,
        };
        assert_eq!(reply.status, expected, "{path}");
        let header = |name: &str| reply.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
        assert_eq!(header("x-content-type-options"), "nosniff", "{path}");
        assert_eq!(header("referrer-policy"), "same-origin", "{path}");
        let policy = header("content-security-policy");
        for directive in ["default-src 'self'", "frame-ancestors 'none'", "object-src 'none'", "base-uri 'none'"] {
            assert!(policy.contains(directive), "{path}: {directive} in {policy:?}");
        }
        assert!(!policy.contains("unsafe"), "{path}: {policy}");
        let html = reply.body.as_str().unwrap_or_default();
        for (at, _) in html.match_indices("<script") {
            let tag = &html[at..at + html[at..].find('>').expect("end of tag")];
            assert!(tag.contains(" src=\"/static/"), "{path}: an inline script: {tag}");
        }
        for inline in ["<style", " style=", " onclick=", " onchange=", " onsubmit=", " onload=", "javascript:"] {
            assert!(!html.contains(inline), "{path}: {inline}");
        }
    }
    let sale_form = b.app.get("/ventes/nouvelle").await;
    assert!(sale_form.body.as_str().is_some_and(|html| html.contains("<script src=\"/static/vente.js\" defer>")));
    let script = b.app.get("/static/vente.js").await;
    assert!(script.body.as_str().is_some_and(|js| js.contains("submit-sale")), "the sale form's script");
}

async fn unknown_pages_get_the_404_page_and_the_api_keeps_json(mut b: Browser) {
    for path in ["/nulle-part", "/ventes/999", "/ventes/abc", "/static/nope.css"] {
        let page = b.get(path).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{path}");
        assert!(page.content_type.starts_with("text/html"), "{path}");
        assert!(page.has("href=\"/caisse\""), "{path} is in the same frame as every page");
    }
    assert!(b.get("/ventes/999").await.has("Vente n° 999 introuvable."));
    let api = b.get("/api/v1/nothing/").await;
    assert_eq!(api.status, StatusCode::NOT_FOUND);
    assert!(api.content_type.starts_with("application/json"));
}

async fn signing_in_and_out(mut b: Browser) {
    let page = b.get("/connexion").await;
    assert!(page.has("<form id=\"signin\""));
    assert!(page.has("name=\"token\""));
    assert!(!page.has("id=\"signout\""));
    let reply = b.post("/connexion", &[("token", TOKEN), ("suite", "/produits")]).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    assert_eq!(reply.location.as_deref(), Some("/produits"));
    let session = b.cookies.get("magasin_session").expect("session cookie").clone();
    let page = b.get("/").await;
    assert!(page.has("<form id=\"signout\" method=\"post\" action=\"/deconnexion\""));
    assert_eq!(page.flash().as_deref(), Some("Vous êtes connecté."));
    assert_eq!(b.get("/").await.flash(), None, "a flash is shown once");
    let out = b.post_and_follow("/deconnexion", &[]).await;
    assert_eq!(out.flash().as_deref(), Some("Vous êtes déconnecté."));
    assert!(!out.has("id=\"signout\""));
    assert_ne!(b.cookies.get("magasin_session"), Some(&session), "a new session after signing out");
    assert_eq!(b.cookies.get("magasin_session"), None, "no session at all once signed out");
}

/// Every page, every refusal and signing out leave an anonymous visitor with no signed cookie:
/// at most the sign-in form's token, random and unsigned, and removals.
async fn no_cookie_is_signed_for_an_anonymous_visitor(mut b: Browser) {
    fn check(b: &Browser, what: &str) {
        for cookie in &b.set_cookies {
            let pair = cookie.split(';').next().unwrap_or_default();
            let removal = cookie.contains("Max-Age=0") && pair.ends_with('=');
            let form_token = pair
                .strip_prefix("magasin_form=")
                .is_some_and(|v| v.len() == 32 && v.bytes().all(|c| c.is_ascii_hexdigit()));
            assert!(removal || form_token, "{what}: {cookie}");
        }
    }
    b.app.post("/api/v1/sales/", serde_json::json!({"magasin": 1, "lignes": [{"produit": 1, "quantite": 1}]})).await;
    for path in PAGES {
        b.get(path).await;
        check(&b, path);
    }
    b.get("/connexion").await;
    assert!(b.cookies.contains_key("magasin_form"), "the sign-in form's token");
    b.post("/connexion", &[("token", "not the token")]).await;
    check(&b, "a wrong token");
    let page = b.get("/ventes/nouvelle").await;
    let key = value_of_input(&page.html, "cle").expect("key");
    let refused = b.post("/ventes/nouvelle", &[("magasin", "1"), ("cle", &key), ("produit-1", "1")]).await;
    check(&b, "a write refused");
    b.get(refused.location.as_deref().unwrap_or("/connexion")).await;
    b.sign_in().await;
    assert!(b.cookies.contains_key("magasin_session") && !b.cookies.contains_key("magasin_form"));
    b.post("/deconnexion", &[]).await;
    check(&b, "signing out");
    assert!(b.cookies.is_empty(), "nothing left: {:?}", b.cookies);
    let home = b.get("/?avis=deconnexion").await;
    assert_eq!(home.flash().as_deref(), Some("Vous êtes déconnecté."));
    assert_eq!(b.get("/?avis=Appelez+le+0800").await.flash(), None, "only the site's own notices");
}

async fn the_sign_in_form_needs_its_cookie_and_no_form_comes_from_another_site(mut b: Browser) {
    let page = b.get("/connexion").await;
    let token = value_of_input(&page.html, "csrf").expect("token");
    b.cookies.clear();
    let forged = b.post_raw("/connexion", &[("csrf", &token), ("token", TOKEN)]).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN, "the token without its cookie");
    b.get("/connexion").await;
    let mismatched = b.post_raw("/connexion", &[("csrf", &token), ("token", TOKEN)]).await;
    assert_eq!(mismatched.status, StatusCode::FORBIDDEN, "another visitor's token");
    b.sign_in().await;
    let cross_site = Request::post("/deconnexion")
        .header(header::COOKIE, b.cookie_header())
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header("sec-fetch-site", "cross-site")
        .body(Body::from(format!("csrf={}", b.csrf)))
        .expect("request");
    assert_eq!(b.send(cross_site).await.status, StatusCode::FORBIDDEN);
    assert!(b.signed_in().await, "still signed in");
}

async fn a_wrong_token_is_refused(mut b: Browser) {
    b.get("/connexion").await;
    let page = b.post("/connexion", &[("token", "token-430")]).await;
    assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    assert_eq!(page.flash().as_deref(), Some("Jeton incorrect."));
    assert!(page.has("<form id=\"signin\""));
    assert!(!b.get("/").await.has("id=\"signout\""));
}

async fn repeated_wrong_tokens_at_sign_in_are_throttled(mut b: Browser) {
    b.get("/connexion").await;
    for n in 0..magasin_service::throttle::ADDRESS_LIMIT {
        let page = b.post("/connexion", &[("token", &format!("guess-{n}"))]).await;
        assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    }
    let page = b.post("/connexion", &[("token", TOKEN)]).await;
    assert_eq!(page.status, StatusCode::TOO_MANY_REQUESTS, "even the right token, while throttled");
    let flash = page.flash().unwrap_or_default();
    assert!(flash.starts_with("Trop de tentatives manquées depuis cette adresse"), "{flash}");
    assert!(!b.get("/").await.has("id=\"signout\""), "not signed in");
}

async fn signing_in_returns_only_to_a_page_of_this_site(mut b: Browser) {
    let foreign = [
        "/\t/evil.example",
        "/\n/evil.example",
        "/\r\n/evil.example",
        "/\\evil.example",
        "//evil.example",
        "https://evil.example/",
        "/produits\nSet-Cookie: x=1",
        "/produits\u{0}",
        "/caf\u{e9}",
    ];
    for suite in foreign {
        let page = b.get(&format!("/connexion?suite={}", encode(suite))).await;
        assert_eq!(value_of_input(&page.html, "suite").as_deref(), Some("/"), "{suite:?}");
        let reply = b.post("/connexion", &[("token", TOKEN), ("suite", suite)]).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{suite:?}: {}", reply.html);
        assert_eq!(reply.location.as_deref(), Some("/"), "{suite:?}");
    }
    b.get("/connexion").await;
    let reply = b.post("/connexion", &[("token", TOKEN), ("suite", "/stock?magasin=2&q=caf%C3%A9")]).await;
    assert_eq!(reply.location.as_deref(), Some("/stock?magasin=2&q=caf%C3%A9"));
}

fn encode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

async fn writes_need_a_signed_in_session(mut b: Browser) {
    let page = b.get("/ventes/nouvelle").await;
    let key = value_of_input(&page.html, "cle").expect("key");
    let reply =
        b.post("/ventes/nouvelle", &[("magasin", "1"), ("cle", &key), ("produit-1", "1"), ("quantite-1", "1")]).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    assert!(reply.location.as_deref().is_some_and(|l| l.starts_with("/connexion")), "{:?}", reply.location);
    let page = b.get(reply.location.as_deref().unwrap_or("/connexion")).await;
    assert_eq!(page.flash().as_deref(), Some("Connectez-vous pour effectuer cette action."));
    assert_eq!(b.app.local_qty(1, 1).await, Some(20), "nothing sold");
}

async fn forms_without_the_csrf_token_are_refused(mut b: Browser) {
    b.sign_in().await;
    let page = b.get("/ventes/nouvelle").await;
    let key = value_of_input(&page.html, "cle").expect("key");
    let sale = [("magasin", "1"), ("cle", key.as_str()), ("produit-1", "1"), ("quantite-1", "1")];
    let missing = b.post_raw("/ventes/nouvelle", &sale).await;
    assert_eq!(missing.status, StatusCode::FORBIDDEN);
    assert!(missing.content_type.starts_with("text/html"));
    assert!(missing.has("Ce formulaire a expiré"));
    let mut forged = vec![("csrf", "0123456789abcdef")];
    forged.extend_from_slice(&sale);
    assert_eq!(b.post_raw("/ventes/nouvelle", &forged).await.status, StatusCode::FORBIDDEN);
    let mut other_session = Browser::new(b.app.clone());
    other_session.sign_in().await;
    let stolen = other_session.csrf.clone();
    let mut replayed = vec![("csrf", stolen.as_str())];
    replayed.extend_from_slice(&sale);
    assert_eq!(b.post_raw("/ventes/nouvelle", &replayed).await.status, StatusCode::FORBIDDEN, "tokens are per session");
    assert_eq!(b.app.local_qty(1, 1).await, Some(20), "nothing sold");
}

async fn a_sale_with_two_lines_shows_its_receipt(mut b: Browser) {
    b.sign_in().await;
    let form = b.get("/ventes/nouvelle?magasin=1").await;
    for id in [
        "form id=\"sale\"",
        "select id=\"magasin\"",
        "select id=\"produit-5\"",
        "input id=\"quantite-1\"",
        "button type=\"submit\" id=\"submit-sale\"",
    ] {
        assert!(form.has(id), "{id}");
    }
    assert!(form.has("Clavier mécanique — 20 en stock"), "local stock shown");
    let reply = b.sell("1", &[("1", "2"), ("4", "1")]).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.html);
    let receipt = b.get(&reply.location.expect("receipt")).await;
    assert_eq!(receipt.flash().as_deref(), Some("Vente n° 1 enregistrée."));
    assert!(receipt.has("<table id=\"receipt\" data-sale-id=\"1\">"));
    assert_eq!(receipt.html.matches("<tr class=\"line\">").count(), 2);
    assert!(receipt.has("<td class=\"num\">89,99\u{a0}€</td>"), "unit price");
    assert!(receipt.has("<td id=\"receipt-total\" class=\"num\">195,97\u{a0}€</td>"));
    assert_eq!(b.app.local_qty(1, 1).await, Some(18));
    assert_eq!(b.app.local_qty(1, 4).await, Some(29));
}

async fn the_same_sale_form_posted_twice_records_one_sale(mut b: Browser) {
    b.sign_in().await;
    let page = b.get("/ventes/nouvelle?magasin=1").await;
    let key = value_of_input(&page.html, "cle").expect("key");
    let fields = [("magasin", "1"), ("cle", key.as_str()), ("produit-1", "1"), ("quantite-1", "3")];
    let first = b.post("/ventes/nouvelle", &fields).await;
    let second = b.post("/ventes/nouvelle", &fields).await;
    assert_eq!(first.location, second.location, "the second post shows the same sale");
    assert_eq!(b.app.local_qty(1, 1).await, Some(17), "sold once");
}

async fn insufficient_stock_names_the_product_and_what_is_left(mut b: Browser) {
    b.sign_in().await;
    let page = b.sell("1", &[("1", "1"), ("11", "6")]).await;
    assert_eq!(page.status, StatusCode::CONFLICT);
    assert!(page.has("Stock insuffisant pour « Webcam HD 1080p » : il en reste 5, 6 demandé(s)."), "{}", page.html);
    assert!(page.has("form id=\"sale\""), "the form is shown again");
    assert!(page.has("value=\"6\""), "with what was typed");
    assert_eq!(b.app.local_qty(1, 1).await, Some(20), "nothing sold");
}

async fn bad_sale_input_is_explained_not_refused(mut b: Browser) {
    b.sign_in().await;
    let page = b.sell("1", &[("1", "deux")]).await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(page.has("<span class=\"field-error\">Saisissez un nombre entier.</span>"));
    assert!(page.has("value=\"deux\""));
    let zero = b.sell("1", &[("1", "0")]).await;
    assert_eq!(zero.status, StatusCode::BAD_REQUEST);
    assert!(zero.has("La valeur doit être comprise entre 1 et 1000000."), "{}", zero.html);
    let nothing = b.sell("1", &[]).await;
    assert!(nothing.has("Choisissez au moins un produit et sa quantité."));
    let unknown = b.sell("1", &[("999", "1")]).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert!(unknown.has("Produit n° 999 introuvable."), "{}", unknown.html);
    let garbage = b.sell("abc", &[("x", "1")]).await;
    assert_eq!(garbage.status, StatusCode::BAD_REQUEST);
}

async fn a_sale_is_cancelled_after_confirmation(mut b: Browser) {
    b.sign_in().await;
    b.sell("1", &[("1", "2")]).await;
    let detail = b.get("/ventes/1").await;
    assert!(detail.has("<form id=\"cancel\" method=\"get\" action=\"/ventes/1/annulation\">"));
    let confirm = b.get("/ventes/1/annulation").await;
    assert!(confirm.has("<form id=\"confirm-cancel\""));
    assert_eq!(b.app.local_qty(1, 1).await, Some(18), "asking is not cancelling");
    let done = b.post_and_follow("/ventes/1/annulation", &[]).await;
    assert_eq!(done.flash().as_deref(), Some("Vente n° 1 annulée : le stock a été rétabli."));
    assert!(done.has("annulée"));
    assert!(!done.has("id=\"cancel\""), "no second cancel button");
    assert_eq!(b.app.local_qty(1, 1).await, Some(20));
    let again = b.post_and_follow("/ventes/1/annulation", &[]).await;
    assert!(again.flash().is_some_and(|f| !f.is_empty()), "a second cancel is explained");
}

async fn goods_are_returned_through_the_form_once_with_a_credit_note(mut b: Browser) {
    b.sign_in().await;
    b.sell("1", &[("1", "2"), ("2", "1")]).await;
    let detail = b.get("/ventes/1").await;
    assert!(detail.has("href=\"/ventes/1/retour\">Retourner des articles</a>"), "{}", detail.html);
    let form = b.get("/ventes/1/retour").await;
    assert!(form.has("<form id=\"return\"") && form.has("name=\"quantite-2\""), "{}", form.html);
    let key = value_of_input(&form.html, "cle").expect("idempotency key");
    assert_eq!(b.app.local_qty(1, 1).await, Some(18));

    let nothing = b.post("/ventes/1/retour", &[("cle", key.as_str())]).await;
    assert_eq!(nothing.status, StatusCode::BAD_REQUEST);
    assert_eq!(nothing.flash().as_deref(), Some("Indiquez au moins une quantité à retourner."));
    let too_many = b.post("/ventes/1/retour", &[("cle", key.as_str()), ("quantite-1", "3")]).await;
    assert_eq!(too_many.status, StatusCode::CONFLICT, "{}", too_many.html);
    assert!(too_many.flash().is_some_and(|f| f.contains("0 already returned")), "{:?}", too_many.flash());

    let fields = [
        ("cle", key.as_str()),
        ("quantite-1", "1"),
        ("etat-1", "revendable"),
        ("quantite-2", "1"),
        ("etat-2", "abime"),
        ("note", "défaut"),
    ];
    let recorded = b.post("/ventes/1/retour", &fields).await;
    assert_eq!(recorded.status, StatusCode::SEE_OTHER, "{}", recorded.html);
    let to = recorded.location.expect("the credit note");
    let again = b.post("/ventes/1/retour", &fields).await;
    assert_eq!(again.location.as_deref(), Some(to.as_str()), "a double submit shows the same credit note");
    assert_eq!(b.app.local_qty(1, 1).await, Some(19), "one keyboard back in stock, once");

    let note = b.get(&to).await;
    assert!(note.flash().is_some_and(|f| f.starts_with("Retour enregistré : avoir n° ")));
    assert!(note.has("<section class=\"card ticket\" id=\"credit-note\"") && note.has("Abîmé (non remis en stock)"));
    assert!(note.has("défaut") && note.has("id=\"refund\""), "{}", note.html);
    let detail = b.get("/ventes/1").await;
    assert!(detail.has("<table id=\"sale-returns\"") && detail.has(&format!("href=\"{to}\"")));
    assert!(!detail.has("id=\"cancel\""), "a sale with a return is no longer cancelled");
    let report = b.get("/rapport").await;
    assert_eq!(cell(&report.html, "data-store-id=\"1\"", "retours num"), "115,49\u{a0}€", "one keyboard and one mouse");
    let dashboard = b.get("/").await;
    assert_eq!(cell(&dashboard.html, "data-store-id=\"1\"", "retours num"), "115,49\u{a0}€");
    assert_eq!(cell(&dashboard.html, "data-store-id=\"1\"", "revenue num"), "89,99\u{a0}€", "net of the return");
    let rest = b.get("/ventes/1/retour").await;
    assert!(rest.has("name=\"quantite-1\"") && !rest.has("name=\"quantite-2\""), "line 2 has nothing left");
}

async fn sales_are_listed_by_store_and_dates(mut b: Browser) {
    b.sign_in().await;
    b.sell("1", &[("1", "1")]).await;
    b.sell("2", &[("1", "1")]).await;
    let all = b.get("/ventes").await;
    assert!(all.has("<table id=\"sales\""));
    assert!(all.has("data-sale-id=\"1\"") && all.has("data-sale-id=\"2\""));
    let store2 = b.get("/ventes?magasin=2").await;
    assert!(!store2.has("data-sale-id=\"1\"") && store2.has("data-sale-id=\"2\""));
    let today = chrono::Utc::now().date_naive();
    let range = b.get(&format!("/ventes?du={today}&au={today}")).await;
    assert!(range.has("data-sale-id=\"2\""));
    let past = b.get("/ventes?du=2020-01-01&au=2020-01-31").await;
    assert!(!past.has("data-sale-id="));
    let bad = b.get("/ventes?du=hier").await;
    assert_eq!(bad.status, StatusCode::OK);
    assert!(bad.has("Saisissez une date valide (AAAA-MM-JJ)."));
}

async fn date_filters_outside_plain_days_in_range_are_explained(mut b: Browser) {
    b.sign_in().await;
    b.sell("1", &[("1", "1")]).await;
    for page in ["/ventes", "/rapport"] {
        for field in ["du", "au"] {
            for value in ["%2B200000-01-01", "+200000-01-01", "-5000-01-01", "-200000-01-01"] {
                let shown = b.get(&format!("{page}?{field}={value}")).await;
                assert_eq!(shown.status, StatusCode::OK, "{page}?{field}={value}");
                assert!(shown.has("Saisissez une date valide (AAAA-MM-JJ)."), "{page}?{field}={value}: {}", shown.html);
                assert!(!shown.has("data-sale-id="), "{page}?{field}={value}");
            }
            let early = b.get(&format!("{page}?{field}=1899-12-31")).await;
            assert_eq!(early.status, StatusCode::OK);
            assert!(early.has("Saisissez une date du 01/01/1900 au 31/12/9999."), "{page}?{field}: {}", early.html);
        }
    }
}

async fn the_report_totals_each_store_and_exports_csv(mut b: Browser) {
    b.sign_in().await;
    b.sell("1", &[("1", "2"), ("4", "1")]).await;
    let page = b.get("/rapport").await;
    assert!(page.has("<table id=\"report\""));
    assert_eq!(cell(&page.html, "data-store-id=\"1\"", "total"), "195,97\u{a0}€");
    assert_eq!(cell(&page.html, "data-store-id=\"2\"", "total"), "0,00\u{a0}€");
    assert!(page.has("href=\"/rapport.csv\""));
    let past = b.get("/rapport?du=2020-01-01&au=2020-01-31").await;
    assert_eq!(cell(&past.html, "data-store-id=\"1\"", "total"), "0,00\u{a0}€");
    assert!(unescape(&past.html).contains("href=\"/rapport.csv?du=2020-01-01&au=2020-01-31\""));
    let reversed = b.get("/rapport?du=2024-02-01&au=2024-01-01").await;
    assert_eq!(reversed.status, StatusCode::OK);
    assert!(reversed.has("La date de début doit précéder la date de fin."), "{}", reversed.html);
    let csv = b.get("/rapport.csv").await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.content_type.starts_with("text/csv"));
    let lines: Vec<&str> = csv.html.lines().collect();
    assert_eq!(lines[0], "magasin_id,magasin,total_magasin,produit_id,produit,quantite_vendue");
    assert_eq!(lines[1], "1,Magasin Centre-Ville,195.97,1,Clavier mécanique,2");
    assert_eq!(lines[2], "1,Magasin Centre-Ville,195.97,4,Café Premium Bio,1");
    assert_eq!(lines[3], "2,Magasin Nord,0.00,,,0");
    assert_eq!(lines.len(), 7, "one line per store without sales");
    assert_eq!(b.get("/rapport.csv?du=demain").await.status, StatusCode::BAD_REQUEST);
}

async fn the_csv_report_writes_formulas_as_text(b: Browser) {
    let app = &b.app;
    let names = ["=HYPERLINK(\"http://evil.example\",\"x\")", "@SUM(1+1)", "+33 café", "-1+2"];
    for (i, name) in names.iter().enumerate() {
        let product = app
            .post(
                "/api/v1/products/",
                serde_json::json!({"nom": name, "categorie": "-x", "prix": "1.00", "stock_initial": 5}),
            )
            .await;
        assert_eq!(product.status, StatusCode::CREATED, "{:?}", product.body);
        let id = product.body["id"].as_i64().expect("id");
        let request =
            app.post("/api/v1/replenishments/", serde_json::json!({"magasin": 1, "produit": id, "quantite": 5})).await;
        let request_id = request.body["id"].as_i64().expect("request id");
        app.post(&format!("/api/v1/replenishments/{request_id}/approve/"), serde_json::json!({})).await;
        let lines = serde_json::json!([{"produit": id, "quantite": i + 1}]);
        let sale = app.post("/api/v1/sales/", serde_json::json!({"magasin": 1, "lignes": lines})).await;
        assert_eq!(sale.status, StatusCode::CREATED, "{:?}", sale.body);
    }
    let reply = app.get("/rapport.csv").await;
    let text = reply.body.as_str().expect("CSV text").to_string();
    let rows: Vec<csv::StringRecord> =
        csv::Reader::from_reader(text.as_bytes()).records().collect::<Result<_, _>>().expect("valid CSV");
    for name in names {
        let row = rows.iter().find(|r| r[4].ends_with(name)).unwrap_or_else(|| panic!("{name} in {text}"));
        assert_eq!(&row[4], format!("'{name}"), "{text}");
        assert_eq!(&row[2], "10.00", "the total stays a number");
        assert!(row[3].parse::<i64>().is_ok() && row[5].parse::<i64>().is_ok(), "ids and quantities stay numbers");
    }
}

async fn store_stock_is_searched_sorted_and_paged(mut b: Browser) {
    let page = b.get("/stock?magasin=1").await;
    assert!(page.has("<table id=\"stock\""));
    assert_eq!(page.html.matches("<tr data-product-id=").count(), 15, "15 products, one page of 20");
    assert_eq!(cell(&page.html, "data-product-id=\"1\"", "quantite"), "20");
    let search = b.get("/stock?magasin=1&q=CAF%C3%89").await;
    assert_eq!(search.html.matches("<tr data-product-id=").count(), 2);
    let by_quantity = b.get("/stock?magasin=1&tri=-quantite").await;
    let first = by_quantity.html.find("<tr data-product-id=").expect("a row");
    assert!(by_quantity.html[first..].starts_with("<tr data-product-id=\"13\""), "the 42 USB-C cables first");
    let garbage = b.get("/stock?magasin=abc&page=-4&tri=%00").await;
    assert_eq!(garbage.status, StatusCode::OK);
    let warehouse = b.get("/entrepot?q=clavier").await;
    assert!(warehouse.has("<table id=\"warehouse\""));
    assert_eq!(warehouse.html.matches("<form class=\"replenish\"").count(), 1);
    assert!(warehouse.has("<select name=\"magasin\"") && warehouse.has("name=\"quantite\""));
}

async fn control_characters_are_refused_in_products_and_match_nothing_in_searches(mut b: Browser) {
    b.sign_in().await;
    let refused = "Les caractères de contrôle ne sont pas acceptés.";
    let page = b
        .post(
            "/produits/nouveau",
            &[("nom", "Thé\u{0}vert"), ("categorie", "Épicerie"), ("prix", "4,99"), ("description", "")],
        )
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(page.has(&format!("<span class=\"field-error\" id=\"nom-error\">{refused}</span>")), "{}", page.html);
    let edit = b
        .post(
            "/produits/1",
            &[("nom", "Clavier"), ("categorie", "Informatique"), ("prix", "1"), ("description", "\u{7}")],
        )
        .await;
    assert_eq!(edit.status, StatusCode::BAD_REQUEST);
    assert!(
        edit.has(&format!("<span class=\"field-error\" id=\"description-error\">{refused}</span>")),
        "{}",
        edit.html
    );
    assert_eq!(b.app.get("/api/v1/products/1/").await.body["nom"], "Clavier mécanique", "nothing saved");
    for path in ["/produits?q=", "/stock?magasin=1&q=", "/entrepot?q="] {
        for filter in ["%00", "caf%00", "%01"] {
            let page = b.get(&format!("{path}{filter}")).await;
            assert_eq!(page.status, StatusCode::OK, "{path}{filter}: {}", page.html);
            assert!(!page.has("<tr data-product-id="), "{path}{filter} matches nothing");
        }
    }
}

async fn product_validation_keeps_what_was_typed(mut b: Browser) {
    b.sign_in().await;
    let form = b.get("/produits/nouveau").await;
    assert!(form.has("<form id=\"product\""));
    let page = b
        .post(
            "/produits/nouveau",
            &[("nom", "  "), ("categorie", "Épicerie fine"), ("prix", "12,345"), ("description", "Très <bon>")],
        )
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(
        page.has("<span class=\"field-error\" id=\"nom-error\">Ce champ ne peut pas être vide.</span>"),
        "{}",
        page.html
    );
    assert!(page.has("<span class=\"field-error\" id=\"prix-error\">Deux décimales au plus.</span>"));
    assert!(page.has("value=\"Épicerie fine\""), "typed category kept");
    assert!(page.has("value=\"12,345\""), "typed price kept");
    assert!(
        page.has("value=\"Très &#60;bon&#62;\"") || page.has("value=\"Très &lt;bon&gt;\""),
        "escaped: {}",
        page.html
    );
    let edit = b
        .post("/produits/1", &[("nom", "Clavier"), ("categorie", "Informatique"), ("prix", "-3"), ("description", "")])
        .await;
    assert_eq!(edit.status, StatusCode::BAD_REQUEST);
    assert!(edit.has("La valeur doit être positive ou nulle."));
    assert_eq!(b.app.get("/api/v1/products/1/").await.body["nom"], "Clavier mécanique", "nothing saved");
}

async fn products_are_created_edited_and_searched(mut b: Browser) {
    b.sign_in().await;
    b.get("/produits/nouveau").await;
    let created = b
        .post(
            "/produits/nouveau",
            &[("nom", "Thé vert"), ("categorie", "Épicerie"), ("prix", "4,50"), ("description", "")],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.html);
    assert_eq!(created.location.as_deref(), Some("/produits/16"));
    let page = b.get("/produits/16").await;
    assert_eq!(page.flash().as_deref(), Some("Produit « Thé vert » créé."));
    assert!(page.has("value=\"4.50\""));
    let saved = b
        .post_and_follow(
            "/produits/16",
            &[("nom", "Thé vert bio"), ("categorie", "Épicerie"), ("prix", "5"), ("description", "Sencha")],
        )
        .await;
    assert_eq!(saved.flash().as_deref(), Some("Produit « Thé vert bio » enregistré."));
    let api = b.app.get("/api/v1/products/16/").await;
    assert_eq!(api.body["prix"], "5.00");
    assert_eq!(api.body["description"], "Sencha");
    let list = b.get("/produits?q=th%C3%A9").await;
    assert!(list.has("<table id=\"products\""));
    assert!(list.has("Thé vert bio") && !list.has("Clavier mécanique"));
    assert_eq!(b.get("/produits/999").await.status, StatusCode::NOT_FOUND);
}

async fn replenishment_is_requested_then_approved(mut b: Browser) {
    b.sign_in().await;
    let warehouse_before = b.app.warehouse_qty(1).await;
    b.get("/entrepot").await;
    let requested =
        b.post_and_follow("/entrepot/demandes", &[("produit", "1"), ("magasin", "2"), ("quantite", "5")]).await;
    assert_eq!(requested.flash().as_deref(), Some("Demande n° 1 envoyée : « Clavier mécanique » pour Magasin Nord."));
    let page = b.get("/reapprovisionnement").await;
    assert!(page.has("<table id=\"pending\""));
    assert!(page.has("<tr data-request-id=\"1\">"));
    assert!(page.has("<form class=\"approve\" method=\"post\" action=\"/reapprovisionnement/1/approuver\">"));
    assert!(page.has("<form class=\"reject\""));
    let approved = b.post_and_follow("/reapprovisionnement/1/approuver", &[]).await;
    assert_eq!(approved.flash().as_deref(), Some("Demande n° 1 approuvée : le stock a été transféré."));
    let history = &approved.html[approved.html.find("<table id=\"history\"").expect("history")..];
    assert_eq!(cell(history, "data-request-id=\"1\"", "statut"), "approuvée");
    assert_eq!(b.app.local_qty(2, 1).await, Some(23));
    assert_eq!(b.app.warehouse_qty(1).await, warehouse_before - 5);
    let twice = b.post_and_follow("/reapprovisionnement/1/approuver", &[]).await;
    assert!(twice.flash().is_some_and(|f| !f.is_empty()), "deciding twice is explained");
    let bad =
        b.post_and_follow("/entrepot/demandes", &[("produit", "1"), ("magasin", "2"), ("quantite", "zéro")]).await;
    assert_eq!(bad.flash().as_deref(), Some("Saisissez un nombre entier."));
    let zero = b.post_and_follow("/entrepot/demandes", &[("produit", "1"), ("magasin", "2"), ("quantite", "0")]).await;
    assert!(zero.flash().is_some_and(|f| f.starts_with("La valeur doit être comprise entre 1")), "{:?}", zero.flash());
}

async fn an_approval_the_warehouse_cannot_serve_is_refused_with_its_reason(mut b: Browser) {
    b.sign_in().await;
    let available = b.app.warehouse_qty(2).await;
    let asked = (available + 1).to_string();
    b.get("/entrepot").await;
    b.post_and_follow("/entrepot/demandes", &[("produit", "2"), ("magasin", "1"), ("quantite", &asked)]).await;
    let page = b.post_and_follow("/reapprovisionnement/1/approuver", &[]).await;
    let reason = format!("Stock central insuffisant : {available} disponible(s), {asked} demandé(s).");
    assert_eq!(page.flash(), Some(format!("Demande n° 1 refusée par l'entrepôt : {reason}")));
    let history = &page.html[page.html.find("<table id=\"history\"").expect("history")..];
    assert_eq!(cell(history, "data-request-id=\"1\"", "statut"), "refusée");
    assert_eq!(cell(history, "data-request-id=\"1\"", "motif"), reason);
}

async fn a_request_can_be_rejected(mut b: Browser) {
    b.sign_in().await;
    b.get("/entrepot").await;
    b.post_and_follow("/entrepot/demandes", &[("produit", "3"), ("magasin", "1"), ("quantite", "2")]).await;
    let page = b.post_and_follow("/reapprovisionnement/1/refuser", &[]).await;
    assert_eq!(page.flash().as_deref(), Some("Demande n° 1 refusée."));
    assert!(!page.html[..page.html.find("<table id=\"history\"").expect("history")].contains("data-request-id=\"1\""));
    assert_eq!(b.post("/reapprovisionnement/abc/refuser", &[]).await.status, StatusCode::NOT_FOUND);
}

async fn a_request_of_several_lines_is_approved_as_far_as_the_warehouse_holds(mut b: Browser) {
    b.sign_in().await;
    let body =
        serde_json::json!({"magasin": 2, "lignes": [{"produit": 1, "quantite": 4}, {"produit": 11, "quantite": 100}]});
    assert_eq!(b.app.post("/api/v1/replenishments/", body).await.status, StatusCode::CREATED);
    let page = b.get("/reapprovisionnement").await;
    let row = "data-request-id=\"1\"";
    assert_eq!(cell(&page.html, row, "produits"), "<div>Clavier mécanique</div><div>Webcam HD 1080p</div>");
    assert_eq!(cell(&page.html, row, "num quantites"), "<div>4</div><div>100</div>");
    assert!(page.has("<form class=\"approve-available\" method=\"post\" action=\"/reapprovisionnement/1/approuver\">"));
    let approved = b.post_and_follow("/reapprovisionnement/1/approuver", &[("selon_stock", "1")]).await;
    assert_eq!(
        approved.flash().as_deref(),
        Some("Demande n° 1 approuvée en partie : ce que l'entrepôt avait a été transféré.")
    );
    let history = &approved.html[approved.html.find("<table id=\"history\"").expect("history")..];
    assert_eq!(cell(history, row, "statut"), "approuvée (en partie)");
    assert_eq!(cell(history, row, "num quantites"), "<div>4</div><div><span class=\"accordee\">80</span> / 100</div>");
    assert_eq!((b.app.local_qty(2, 11).await, b.app.warehouse_qty(11).await), (Some(80), 0));
}

async fn the_rules_page_turns_its_suggestions_into_a_request(mut b: Browser) {
    b.sign_in().await;
    let rule = serde_json::json!({"regles": [{"produit": 1, "min": 25, "max": 40}]});
    assert_eq!(b.app.send(axum::http::Method::PUT, "/api/v1/stores/1/rules/", rule).await.status, StatusCode::OK);
    let page = b.get("/regles?magasin=1").await;
    assert!(page.has("<form id=\"apply-suggestions\" method=\"post\" action=\"/regles/demander\">"));
    let applied = b.post_and_follow("/regles/demander", &[("magasin", "1")]).await;
    assert_eq!(
        applied.flash().as_deref(),
        Some("1 demande(s) de réapprovisionnement créée(s) : la logistique les verra sous Réapprovisionnement.")
    );
    assert!(!applied.has("id=\"apply-suggestions\""), "the request covers the need: nothing left to suggest");
    let requests = b.get("/reapprovisionnement").await;
    assert_eq!(cell(&requests.html, "data-request-id=\"1\"", "num quantites"), "<div>20</div>");
    assert!(requests.has("<span class=\"tag origine\">suggestion</span>"));
    let again = b.post_and_follow("/regles/demander", &[("magasin", "1")]).await;
    assert_eq!(again.flash().as_deref(), Some("Rien à demander : les demandes en attente couvrent déjà les besoins."));
    let unknown = b.post_and_follow("/regles/demander", &[("magasin", "99")]).await;
    assert!(unknown.flash().is_some_and(|f| f.contains("99")), "an unknown store is named: {:?}", unknown.flash());
}

async fn the_orders_page_loads_warehouse_rules_and_prepares_the_orders_they_suggest(mut b: Browser) {
    b.sign_in().await;
    let page = b.get("/entrepot/commandes").await;
    assert!(page.has("<form id=\"warehouse-rules\"") && !page.has("id=\"order-suggestions\""), "no rule yet");
    let bad = b.post_and_follow("/entrepot/regles", &[("csv", "produit,min,max\n11,50,20")]).await;
    assert!(bad.flash().is_some_and(|f| f.starts_with("ligne 2.max")), "{:?}", bad.flash());
    let loaded = b.post_and_follow("/entrepot/regles", &[("csv", "produit,min,max,multiple\n11,100,150,10")]).await;
    assert_eq!(loaded.flash().as_deref(), Some("1 règle(s) de l'entrepôt enregistrée(s)."));
    assert_eq!(cell(&loaded.html, "data-product-id=\"11\"", "num a-commander"), "70", "80 held: 70 up to 150");
    let blank = b.post_and_follow("/entrepot/commandes/suggestions", &[("fournisseur", " ")]).await;
    assert!(blank.flash().is_some_and(|f| !f.is_empty()), "a supplier is needed");
    let prepared = b.post_and_follow("/entrepot/commandes/suggestions", &[("fournisseur", "Grossiste")]).await;
    assert_eq!(
        prepared.flash().as_deref(),
        Some("1 commande(s) préparée(s) en brouillon : relisez-les puis envoyez-les.")
    );
    assert_eq!(cell(&prepared.html, "data-order-id=\"1\"", "lignes"), "Webcam HD 1080p 0/70");
    let again = b.post_and_follow("/entrepot/commandes/suggestions", &[("fournisseur", "Grossiste")]).await;
    assert_eq!(
        again.flash().as_deref(),
        Some("Les commandes de ce jour ont déjà été préparées à partir des suggestions.")
    );
}

async fn observability_says_when_metrics_are_off(mut b: Browser) {
    let page = b.get("/observabilite").await;
    assert!(page.has("Les métriques sont désactivées sur cette instance"));
    assert!(page.has("Prometheus et Grafana ne sont pas configurés"));
    let json = b.get("/observabilite.json").await;
    assert_eq!(json.status, StatusCode::OK);
    let body: serde_json::Value = serde_json::from_str(&json.html).expect("JSON");
    assert_eq!(body["metrics_on"], false);
}

async fn the_journal_shows_who_did_what(mut b: Browser) {
    let anonymous = b.get("/journal").await;
    assert_eq!(anonymous.status, StatusCode::FORBIDDEN, "the journal is not public");
    b.sign_in().await;
    b.sell("1", &[("1", "1")]).await;
    let page = b.get("/journal").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.has("<table id=\"journal\""));
    assert!(page.has("<td class=\"acteur\">service</td><td class=\"action\">Vente</td>"), "{}", page.html);
    let sales_only = b.get("/journal?action=vente&acteur=service").await;
    assert!(sales_only.has("<td class=\"action\">Vente</td>"));
    let nobody = b.get("/journal?acteur=personne").await;
    assert!(nobody.has("Rien à afficher"));
    let wrong = b.get("/journal?action=vol&acteur=Not%20a%20login").await;
    assert_eq!(wrong.status, StatusCode::OK, "explained, not refused");
    assert!(wrong.has("Ce choix n&#39;existe pas.") || wrong.has("Ce choix n'existe pas."), "{}", wrong.html);
    assert!(wrong.has("De 3 à 64 lettres minuscules"));
}

/// A cashier of store 1 with a password, made as an administrator would.
pub(crate) async fn cashier(app: &TestApp) -> magasin_service::domain::accounts::User {
    use magasin_service::domain::accounts::{Actor, NewUser, Role, StoreScope};
    let stores = StoreScope::Only([magasin_service::domain::StoreId(1)].into_iter().collect());
    let user = NewUser::parse("caisse-centre", "Caisse du centre", Role::Caissier, stores).expect("valid");
    app.services().create_user(&Actor::Service, &user, "un mot de passe solide").await.expect("user")
}

impl Browser {
    /// Signs in with a login and password; the page after it.
    pub(crate) async fn sign_in_as(&mut self, login: &str, password: &str) -> Page {
        self.get("/connexion").await;
        self.post("/connexion", &[("login", login), ("mot_de_passe", password), ("suite", "/")]).await
    }

    pub(crate) async fn signed_in(&mut self) -> bool {
        self.get("/").await.has("id=\"signout\"")
    }
}

async fn a_user_signs_in_with_a_password_and_acts_within_their_role(mut b: Browser) {
    cashier(&b.app).await;
    let wrong = b.sign_in_as("caisse-centre", "pas le bon").await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong.flash().as_deref(), Some("Identifiant ou mot de passe incorrect."));
    let unknown = b.sign_in_as("personne", "un mot de passe solide").await;
    assert_eq!(unknown.flash().as_deref(), Some("Identifiant ou mot de passe incorrect."), "the same answer");

    let signed_in = b.sign_in_as("Caisse-Centre", "un mot de passe solide").await;
    assert_eq!(signed_in.status, StatusCode::SEE_OTHER);
    let home = b.get("/").await;
    assert!(home.has("<strong>caisse-centre</strong>"), "the page says who is signed in");
    let receipt = b.sell("1", &[("1", "1")]).await;
    assert_eq!(receipt.status, StatusCode::SEE_OTHER, "a sale in their store: {}", receipt.html);
    let elsewhere = b.sell("2", &[("1", "1")]).await;
    assert_eq!(elsewhere.status, StatusCode::FORBIDDEN, "not in another store");
    b.get("/entrepot").await;
    let request = b.post("/entrepot/demandes", &[("magasin", "1"), ("produit", "1"), ("quantite", "2")]).await;
    assert_eq!(request.status, StatusCode::FORBIDDEN, "a cashier does not ask the warehouse");
    let journal = b.get("/journal").await;
    assert_eq!(journal.status, StatusCode::FORBIDDEN, "nor reads the journal");

    // The pages show a cashier what a cashier can do, and no more.
    let home = b.get("/").await;
    assert!(home.has("href=\"/caisse\"") && !home.has("href=\"/journal\""));
    b.app.post("/api/v1/replenishments/", serde_json::json!({"magasin": 1, "produit": 1, "quantite": 1})).await;
    let requests = b.get("/reapprovisionnement").await;
    assert!(requests.has("data-request-id") && !requests.has("class=\"approve\""), "no approval buttons");
    assert!(!b.get("/entrepot").await.has("class=\"replenish\""), "no request forms");
    assert!(!b.get("/produits").await.has("href=\"/produits/nouveau\""), "no catalogue edits");

    // Logistics sees the approvals, not the till.
    use magasin_service::domain::accounts::{Actor, NewUser, Role, StoreScope};
    let user = NewUser::parse("entrepot", "Entrepôt", Role::Logistique, StoreScope::All).expect("valid");
    b.app.services().create_user(&Actor::Service, &user, "un mot de passe solide").await.expect("user");
    b.post("/deconnexion", &[]).await;
    b.sign_in_as("entrepot", "un mot de passe solide").await;
    let requests = b.get("/reapprovisionnement").await;
    assert!(requests.has("class=\"approve\"") && !requests.has("href=\"/ventes/nouvelle\""));
    let id = requests.html.split("data-request-id=\"").nth(1).and_then(|r| r.split('"').next()).expect("a request");
    let approved = b.post(&format!("/reapprovisionnement/{id}/approuver"), &[]).await;
    assert_eq!(approved.status, StatusCode::SEE_OTHER, "logistics approves");
}

async fn signing_out_a_new_password_or_disabling_ends_every_session_on_every_instance(mut b: Browser) {
    use magasin_service::domain::accounts::Actor;
    let user = cashier(&b.app).await;
    let first = b.app.clone();
    let mut other = Browser::new(first.twin());
    for (n, end) in ["sign-out on the other instance", "new password", "disabled"].into_iter().enumerate() {
        // The password changes in the second round.
        let password = if n < 2 { "un mot de passe solide" } else { "un autre mot de passe" };
        b.sign_in_as("caisse-centre", password).await;
        other.sign_in_as("caisse-centre", password).await;
        assert!(b.signed_in().await && other.signed_in().await, "{end}: both signed in");
        match n {
            0 => {
                let page = other.post("/deconnexion", &[]).await;
                assert_eq!(page.status, StatusCode::SEE_OTHER);
            }
            1 => {
                b.app
                    .services()
                    .set_user_password(&Actor::Service, user.id, "un autre mot de passe")
                    .await
                    .expect("password");
            }
            _ => {
                b.app.services().set_user_disabled(&Actor::Service, user.id, true).await.expect("disable");
            }
        }
        assert!(!b.signed_in().await, "{end}: the session on the first instance ended at once");
        assert!(!other.signed_in().await, "{end}: and on the other");
    }
    let again = b.sign_in_as("caisse-centre", "un autre mot de passe").await;
    assert_eq!(again.status, StatusCode::UNAUTHORIZED, "a disabled account cannot sign in");
}

async fn repeated_wrong_passwords_for_one_login_are_throttled(mut b: Browser) {
    cashier(&b.app).await;
    for _ in 0..magasin_service::throttle::LOGIN_LIMIT {
        assert_eq!(b.sign_in_as("caisse-centre", "faux").await.status, StatusCode::UNAUTHORIZED);
    }
    let page = b.sign_in_as("caisse-centre", "un mot de passe solide").await;
    assert_eq!(page.status, StatusCode::TOO_MANY_REQUESTS, "even the right password, while the login is throttled");
    assert!(!b.signed_in().await);
}

async fn idle_and_too_old_sessions_are_refused(b: Browser) {
    use magasin_web::ui::session::SessionLimits;
    use std::time::Duration;
    let second = Duration::from_secs(1);
    for limits in [
        SessionLimits { idle: second, lifetime: Duration::from_secs(3600) },
        SessionLimits { idle: Duration::from_secs(3600), lifetime: second },
    ] {
        let mut browser = Browser::new(b.app.clone().with_session_limits(limits));
        cashier_once(&browser.app).await;
        browser.sign_in_as("caisse-centre", "un mot de passe solide").await;
        assert!(browser.signed_in().await, "{limits:?}");
        tokio::time::sleep(Duration::from_millis(2100)).await;
        assert!(!browser.signed_in().await, "{limits:?}: refused once past its limit");
    }
}

/// The cashier, made unless it exists already.
async fn cashier_once(app: &TestApp) {
    if app.services().user_by_login(&magasin_service::domain::accounts::Actor::Service, "caisse-centre").await.is_err()
    {
        cashier(app).await;
    }
}

async fn goods_are_received_through_the_form_once(mut b: Browser) {
    b.sign_in().await;
    assert!(b.get("/entrepot").await.has("href=\"/entrepot/receptions\""));
    let page = b.get("/entrepot/receptions").await;
    assert!(page.has("<form id=\"receipt\"") && page.has("<option value=\"2 · Souris optique\">"), "{}", page.html);
    let key = value_of_input(&page.html, "cle").expect("idempotency key");
    let before = b.app.warehouse_qty(2).await;
    let head = [("fournisseur", "Grossiste Rhône"), ("bon_livraison", "BL-9"), ("cle", key.as_str())];
    let empty = b.post("/entrepot/receptions", &head).await;
    assert_eq!(empty.status, StatusCode::BAD_REQUEST);
    assert_eq!(empty.flash().as_deref(), Some("Indiquez au moins un produit et sa quantité."));
    let mut unknown = head.to_vec();
    unknown.extend([("produit-1", "999"), ("quantite-1", "1")]);
    let refused = b.post("/entrepot/receptions", &unknown).await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND);
    assert_eq!(refused.flash().as_deref(), Some("Produit n° 999 introuvable."));
    let mut zero = head.to_vec();
    zero.extend([("produit-1", "2"), ("quantite-1", "0")]);
    let refused = b.post("/entrepot/receptions", &zero).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(
        refused.has("La valeur doit être comprise entre 1 et 1000000.") || refused.has("entre 1 et"),
        "{}",
        refused.html
    );
    assert_eq!(b.app.warehouse_qty(2).await, before, "nothing received yet");

    let mut fields = head.to_vec();
    fields.extend([("produit-1", "2 · Souris optique"), ("quantite-1", "10"), ("produit-3", "1"), ("quantite-3", "3")]);
    let recorded = b.post("/entrepot/receptions", &fields).await;
    assert_eq!(recorded.status, StatusCode::SEE_OTHER, "{}", recorded.html);
    let to = recorded.location.expect("the receipt's page");
    let again = b.post("/entrepot/receptions", &fields).await;
    assert_eq!(again.location.as_deref(), Some(to.as_str()), "a double submit shows the same receipt");
    assert_eq!(b.app.warehouse_qty(2).await, before + 10, "received once");
    let detail = b.get(&to).await;
    assert!(detail.flash().is_some_and(|f| f.starts_with("Réception n° ")));
    assert_eq!(cell(&detail.html, "data-product-id=\"2\"", "num quantite"), "10");
    let list = b.get("/entrepot/receptions").await;
    assert_eq!(cell(&list.html, "data-receipt-id=", "lignes"), "Souris optique × 10, Clavier mécanique × 3");

    let mut cashier_browser = Browser::new(b.app.clone());
    cashier(&b.app).await;
    cashier_browser.sign_in_as("caisse-centre", "un mot de passe solide").await;
    let page = cashier_browser.get("/entrepot/receptions").await;
    assert!(!page.has("<form id=\"receipt\""), "a cashier sees the receipts, not the form");
    let refused = cashier_browser.post("/entrepot/receptions", &fields).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
}

async fn purchase_orders_are_drafted_sent_and_received_through_the_forms(mut b: Browser) {
    b.sign_in().await;
    assert!(b.get("/entrepot").await.has("href=\"/entrepot/commandes\""));
    let page = b.get("/entrepot/commandes").await;
    assert!(page.has("<form id=\"order\""), "{}", page.html);
    let bad = b
        .post(
            "/entrepot/commandes",
            &[("fournisseur", "Acme"), ("tolerance", "200"), ("produit-1", "2"), ("quantite-1", "10")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.has("entre 0 et 100"), "{}", bad.html);
    let created = b
        .post(
            "/entrepot/commandes",
            &[("fournisseur", "Acme"), ("produit-1", "2 · Souris optique"), ("quantite-1", "10")],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.html);
    let to = created.location.expect("the order's page");
    let draft = b.get(&to).await;
    assert!(draft.has("<form id=\"send\"") && !draft.has("id=\"receive\""), "{}", draft.html);
    let sent = b.post_and_follow(&format!("{to}/envoi"), &[]).await;
    assert_eq!(sent.flash().as_deref(), Some("Commande n° 1 : Envoyée."));
    assert!(sent.has("href=\"/entrepot/receptions?commande=1\""));
    let warehouse = b.get("/entrepot").await;
    assert_eq!(cell(&warehouse.html, "data-product-id=\"2\"", "attendu num"), "<a href=\"/entrepot/commandes\">10</a>");

    let form = b.get("/entrepot/receptions?commande=1").await;
    assert_eq!(value_of_input(&form.html, "commande").as_deref(), Some("1"));
    assert_eq!(value_of_input(&form.html, "produit-1").as_deref(), Some("2 · Souris optique"));
    assert_eq!(value_of_input(&form.html, "quantite-1").as_deref(), Some("10"), "what is still due");
    let key = value_of_input(&form.html, "cle").expect("key");
    let head = [("cle", key.as_str()), ("fournisseur", "Acme"), ("bon_livraison", "BL-1"), ("commande", "1")];
    let mut over = head.to_vec();
    over.extend([("produit-1", "2"), ("quantite-1", "11")]);
    let refused = b.post("/entrepot/receptions", &over).await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert!(refused.flash().is_some_and(|f| f.contains("exceed 10")), "{:?}", refused.flash());
    let mut part = head.to_vec();
    part.extend([("produit-1", "2"), ("quantite-1", "4")]);
    assert_eq!(b.post("/entrepot/receptions", &part).await.status, StatusCode::SEE_OTHER);
    let partly = b.get(&to).await;
    assert_eq!(cell(&partly.html, "data-product-id=\"2\"", "num restante"), "6");
    assert!(partly.has("Partiellement reçue") && partly.has("<form id=\"close\""));
    let closed = b.post_and_follow(&format!("{to}/solde"), &[]).await;
    assert_eq!(closed.flash().as_deref(), Some("Commande n° 1 : Soldée."));
    assert_eq!(cell(&b.get("/entrepot").await.html, "data-product-id=\"2\"", "attendu num"), "—");
    let listed = b.get("/entrepot/commandes?statut=soldee").await;
    assert_eq!(cell(&listed.html, "data-order-id=\"1\"", "lignes"), "Souris optique 4/10");
}

async fn reordering_rules_are_edited_in_a_grid_and_loaded_from_csv(mut b: Browser) {
    b.sign_in().await;
    assert!(b.get("/stock?magasin=1").await.has("href=\"/regles?magasin=1\""));
    let grid = b.get("/regles?magasin=1").await;
    assert!(grid.has("<table id=\"rules-grid\"") && grid.has("name=\"min-1\""), "{}", grid.html);
    let product = value_of_input(&grid.html, "produit-1").expect("the first row's product");
    let row = |fields: &[(&'static str, &'static str)]| {
        let mut all = vec![("magasin", "1".to_string()), ("lignes", "1".to_string()), ("produit-1", product.clone())];
        all.extend(fields.iter().map(|(k, v)| (*k, v.to_string())));
        all
    };
    let bad = row(&[("min-1", "9"), ("max-1", "3")]);
    let bad: Vec<(&str, &str)> = bad.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let refused = b.post("/regles", &bad).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.html);
    assert!(refused.has("Le maximum ne peut pas être inférieur au minimum (9)."), "{}", refused.html);
    assert_eq!(value_of_input(&refused.html, "min-1").as_deref(), Some("9"), "what was typed stays");

    let good = row(&[("min-1", "2"), ("max-1", "10"), ("multiple-1", "6"), ("mode-1", "automatique")]);
    let good: Vec<(&str, &str)> = good.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let saved = b.post_and_follow("/regles", &good).await;
    assert_eq!(saved.flash().as_deref(), Some("1 règle(s) enregistrée(s)."));
    assert_eq!(value_of_input(&saved.html, "max-1").as_deref(), Some("10"));
    let rules = b.app.get("/api/v1/stores/1/rules/").await.body;
    assert_eq!((rules[0]["multiple"].as_i64(), rules[0]["mode"].as_str()), (Some(6), Some("automatique")));

    let emptied = row(&[("min-1", ""), ("max-1", ""), ("regle-1", "1")]);
    let emptied: Vec<(&str, &str)> = emptied.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let removed = b.post_and_follow("/regles", &emptied).await;
    assert_eq!(removed.flash().as_deref(), Some("0 règle(s) enregistrée(s), 1 retirée(s)."));
    assert_eq!(b.app.get("/api/v1/stores/1/rules/").await.body, serde_json::json!([]));

    let bad_csv = b.post("/regles/import", &[("magasin", "1"), ("csv", "produit,min,max\n1,5,2\n")]).await;
    assert_eq!(bad_csv.status, StatusCode::BAD_REQUEST);
    assert!(bad_csv.flash().is_some_and(|f| f.contains("ligne 2.max")), "{:?}", bad_csv.flash());
    let loaded = b
        .post_and_follow(
            "/regles/import",
            &[("magasin", "1"), ("csv", "produit,min,max,multiple,mode\n1,1,5,,\n2,0,3,2,automatique\n")],
        )
        .await;
    assert_eq!(loaded.flash().as_deref(), Some("2 règle(s) enregistrée(s)."));
    let export = b.get("/regles.csv?magasin=1").await;
    assert_eq!(export.html, "produit,min,max,multiple,mode\n1,1,5,1,manuel\n2,0,3,2,automatique\n");

    let stock = b.get("/stock?magasin=1").await;
    assert_eq!(cell(&stock.html, "data-product-id=\"2\"", "regle num"), "0–3");
    assert!(stock.has("class=\"quantite num alert\"") == (b.app.local_qty(1, 1).await < Some(1)), "only what is short");

    // A product far below its minimum is suggested: back to its maximum in whole multiples.
    let (held, warehouse) = (b.app.local_qty(1, 3).await.expect("row"), b.app.warehouse_qty(3).await);
    assert!(!b.get("/regles?magasin=1").await.has("<table id=\"suggestions\""), "nothing below its minimum yet");
    let short = b
        .post_and_follow("/regles/import", &[("magasin", "1"), ("csv", "produit,min,max,multiple\n3,1000,1006,6\n")])
        .await;
    let wanted = ((1006 - held + 5) / 6 * 6).min(warehouse / 6 * 6);
    assert_eq!(cell(&short.html, "data-product-id=\"3\"><td>", "num a-demander"), wanted.to_string(), "{}", short.html);
    let stock = b.get("/stock?magasin=1").await;
    assert_eq!(cell(&stock.html, "data-product-id=\"3\"", "quantite num"), held.to_string());
    assert!(
        stock
            .html
            .contains(&format!("<td class=\"quantite num alert\">{held}</td><td class=\"regle num\">1000–1006</td>")),
        "below its minimum: {}",
        stock.html
    );
}

async fn stock_is_adjusted_through_the_form_once_and_shrinkage_shows_it(mut b: Browser) {
    b.sign_in().await;
    assert!(b.get("/stock?magasin=1").await.has("href=\"/ajustements?lieu=1\""));
    assert!(b.get("/entrepot").await.has("href=\"/ajustements?lieu=entrepot\""));
    assert!(b.get("/rapport").await.has("href=\"/rapport/demarque\""));
    let page = b.get("/ajustements?lieu=1").await;
    assert!(page.has("<form id=\"adjustment\"") && page.has("<option value=\"casse\">Casse</option>"), "{}", page.html);
    let key = value_of_input(&page.html, "cle").expect("idempotency key");
    let before = b.app.local_qty(1, 1).await.expect("a row");
    let form = |quantite: &'static str, motif: &'static str, note: &'static str| {
        vec![
            ("lieu", "1"),
            ("produit", "1 · Clavier mécanique"),
            ("quantite", quantite),
            ("motif", motif),
            ("note", note),
        ]
    };
    let not_a_number = b.post("/ajustements", &form("deux", "casse", "")).await;
    assert_eq!(not_a_number.status, StatusCode::BAD_REQUEST);
    let zero = b.post("/ajustements", &form("0", "casse", "")).await;
    assert_eq!(zero.status, StatusCode::BAD_REQUEST);
    assert!(zero.has("La quantité ne peut pas être nulle."), "{}", zero.html);
    let no_note = b.post("/ajustements", &form("-1", "autre", "")).await;
    assert_eq!(no_note.status, StatusCode::BAD_REQUEST);
    assert_eq!(value_of_input(&no_note.html, "quantite").as_deref(), Some("-1"), "the form keeps what was typed");
    let too_many = b.post("/ajustements", &form("-999", "vol", "")).await;
    assert_eq!(too_many.status, StatusCode::CONFLICT);
    assert!(too_many.flash().is_some_and(|f| f.starts_with("Stock insuffisant")), "{:?}", too_many.flash());
    assert_eq!(b.app.local_qty(1, 1).await, Some(before), "nothing adjusted yet");

    let mut fields = form("-2", "casse", "tombé du présentoir");
    fields.push(("cle", key.as_str()));
    let recorded = b.post("/ajustements", &fields).await;
    assert_eq!(recorded.status, StatusCode::SEE_OTHER, "{}", recorded.html);
    assert_eq!(recorded.location.as_deref(), Some("/ajustements?lieu=1"));
    let again = b.post("/ajustements", &fields).await;
    assert_eq!(again.status, StatusCode::SEE_OTHER, "a double submit lands on the same page");
    assert_eq!(b.app.local_qty(1, 1).await, Some(before - 2), "adjusted once");
    let list = b.get("/ajustements?lieu=1").await;
    assert_eq!(cell(&list.html, "data-adjustment-id=", "motif"), "Casse");
    assert_eq!(cell(&list.html, "data-adjustment-id=", "num quantite"), "-2");
    assert_eq!(list.html.matches("data-adjustment-id=").count(), 1);

    let shrinkage = b.get("/rapport/demarque").await;
    assert_eq!(shrinkage.status, StatusCode::OK);
    assert!(shrinkage.has("<svg id=\"shrinkage-chart\""), "{}", shrinkage.html);
    assert_eq!(cell(&shrinkage.html, "data-motif=\"casse\"", "num nettes"), "2");
    assert_eq!(cell(&shrinkage.html, "data-motif=\"vol\"", "num nettes"), "0");
    let warehouse = b.get("/rapport/demarque?lieu=entrepot").await;
    assert_eq!(cell(&warehouse.html, "data-motif=\"casse\"", "num nettes"), "0");
    assert_eq!(b.get("/rapport/demarque?du=hier").await.status, StatusCode::BAD_REQUEST);
    assert_eq!(b.get("/rapport/demarque?du=2026-02-02&au=2026-02-01").await.status, StatusCode::BAD_REQUEST);

    let mut cashier_browser = Browser::new(b.app.clone());
    cashier(&b.app).await;
    cashier_browser.sign_in_as("caisse-centre", "un mot de passe solide").await;
    let page = cashier_browser.get("/ajustements?lieu=1").await;
    assert!(!page.has("<form id=\"adjustment\""), "a cashier sees the adjustments, not the form");
    let refused = cashier_browser.post("/ajustements", &form("-1", "casse", "")).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(b.app.local_qty(1, 1).await, Some(before - 2));
}

async fn every_stock_row_shows_its_movements_and_exports_them(mut b: Browser) {
    b.sign_in().await;
    let stock = b.get("/stock?magasin=1").await;
    assert!(stock.has("href=\"/mouvements?lieu=1\"") && stock.has("href=\"/mouvements?lieu=1&amp;produit=1\""));
    let warehouse = b.get("/entrepot").await;
    assert!(warehouse.has("href=\"/mouvements?lieu=entrepot&amp;produit=2\""), "{}", warehouse.html);
    let sold = b.sell("1", &[("1", "2")]).await;
    let sale = sold.location.expect("the sale's page");
    let adjusted = b
        .app
        .post("/api/v1/stores/1/adjustments/", serde_json::json!({"produit": 1, "quantite": -1, "motif": "casse"}))
        .await;
    assert_eq!(adjusted.status, StatusCode::CREATED);
    let balance = b.app.local_qty(1, 1).await.expect("a row");

    let page = b.get("/mouvements?lieu=1&produit=1").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.has("Mouvements de stock — Clavier mécanique, "), "{}", page.html);
    assert_eq!(cell(&page.html, "data-movement-id=", "motif"), "Ajustement — Casse");
    assert_eq!(cell(&page.html, "data-movement-id=", "num quantite"), "-1");
    assert_eq!(cell(&page.html, "data-movement-id=", "num solde"), balance.to_string());
    assert!(page.has("href=\"/ajustements?lieu=1\">Ajustement n° "), "{}", page.html);
    assert!(page.has(&format!("href=\"{sale}\">Vente n° ")), "the sale is linked: {}", page.html);
    assert!(page.has(">Stock d&#39;ouverture<") || page.has(">Stock d'ouverture<"), "{}", page.html);
    let whole = b.get("/mouvements?lieu=1").await;
    assert!(whole.has("href=\"/mouvements?lieu=1&#38;produit=1\""), "rows link to their stock row: {}", whole.html);
    for missing in ["/mouvements", "/mouvements?lieu=abc", "/mouvements?lieu=999", "/mouvements?lieu=1&produit=999"] {
        assert_eq!(b.get(missing).await.status, StatusCode::NOT_FOUND, "{missing}");
    }
    assert_eq!(b.get("/mouvements.csv?lieu=999").await.status, StatusCode::NOT_FOUND);

    // More movements than one page of the store's ledger: the export streams them all, newest first.
    for _ in 0..110 {
        let found = serde_json::json!({"produit": 1, "quantite": 1, "motif": "erreur_saisie"});
        assert_eq!(b.app.post("/api/v1/stores/1/adjustments/", found).await.status, StatusCode::CREATED);
    }
    let csv = b.get("/mouvements.csv?lieu=1&produit=1").await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.content_type.starts_with("text/csv"), "{}", csv.content_type);
    let mut lines = csv.html.lines();
    assert_eq!(
        lines.next(),
        Some("id,date,lieu,produit_id,produit,motif,libelle,quantite,solde,document,acteur,request_id")
    );
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), 1 + 1 + 1 + 110, "opening, sale, breakage and 110 corrections");
    let ids: Vec<i64> = rows.iter().map(|r| r.split(',').next().and_then(|i| i.parse().ok()).expect("id")).collect();
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "newest first, no row twice");
    assert!(rows[0].contains(",ajustement_erreur_saisie,") && rows[0].contains(&format!(",{},", balance + 110)));
    assert!(rows.last().is_some_and(|r| r.contains(",ouverture,")), "{:?}", rows.last());

    // A name a spreadsheet would run as a formula is written as text.
    let formula =
        serde_json::json!({"nom": "=HYPERLINK(\"x\")", "categorie": "Test", "prix": "1.00", "stock_initial": 3});
    let created = b.app.post("/api/v1/products/", formula).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let id = created.body["id"].as_i64().expect("id");
    let csv = b.get(&format!("/mouvements.csv?lieu=entrepot&produit={id}")).await;
    assert!(csv.html.contains(",\"'=HYPERLINK(\"\"x\"\")\","), "{}", csv.html);
}

async fn the_verification_page_says_what_the_last_pass_found(mut b: Browser) {
    b.sign_in().await;
    assert!(b.get("/observabilite").await.has("href=\"/verification\""));
    let never = b.get("/verification").await;
    assert_eq!(never.status, StatusCode::OK);
    assert!(
        never.has("Aucune vérification n&#39;a encore eu lieu.")
            || never.has("Aucune vérification n'a encore eu lieu.")
    );
    b.sell("1", &[("1", "2")]).await;
    let services = b.app.services();
    let report = services.verify_ledger(chrono::Duration::zero()).await.expect("pass").expect("not busy");
    assert!(report.is_sound(), "{report:?}");
    let sound = b.get("/verification").await;
    assert!(sound.has("Aucun écart"), "{}", sound.html);
    assert_eq!(cell_text(&sound.html, "class=\"through\""), report.ledger_through.to_string());
}

/// The text of the first element carrying `attr`.
fn cell_text(html: &str, attr: &str) -> String {
    let at = html.find(attr).unwrap_or_else(|| panic!("no {attr}"));
    let rest = &html[at..];
    let open = rest.find('>').expect("tag end") + 1;
    let close = rest[open..].find('<').expect("element end") + open;
    rest[open..close].trim().to_string()
}

async fn a_count_sheet_is_entered_then_validated_once(mut b: Browser) {
    b.sign_in().await;
    assert!(b.get("/stock?magasin=1").await.has("href=\"/inventaires?lieu=1\""));
    let list = b.get("/inventaires?lieu=1").await;
    assert!(list.has("<form id=\"open-count\""), "{}", list.html);
    let opened = b.post("/inventaires", &[("lieu", "1"), ("categorie", "")]).await;
    assert_eq!(opened.status, StatusCode::SEE_OTHER, "{}", opened.html);
    let sheet_path = opened.location.expect("the sheet");
    let sheet = b.get(&sheet_path).await;
    assert!(sheet.has("<form id=\"count-sheet\"") && sheet.has("name=\"compte-1\""), "{}", sheet.html);
    let before = b.app.local_qty(1, 1).await.expect("a row");
    let bad = b.post(&format!("{sheet_path}/saisie"), &[("compte-1", "-2")]).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(value_of_input(&bad.html, "compte-1").as_deref(), Some("-2"), "the sheet keeps what was typed");
    let empty = b.post(&format!("{sheet_path}/saisie"), &[]).await;
    assert_eq!(empty.status, StatusCode::BAD_REQUEST);
    assert!(empty.has("Saisissez au moins une quantité comptée."));
    let counted = (before - 1).to_string();
    let saved = b.post(&format!("{sheet_path}/saisie"), &[("compte-1", counted.as_str()), ("compte-2", "")]).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    let sheet = b.get(&sheet_path).await;
    assert_eq!(sheet.flash().as_deref(), Some("1 ligne(s) enregistrée(s)."));
    assert_eq!(cell(&sheet.html, "data-product-id=\"1\"", "num ecart"), "-1");
    assert_eq!(value_of_input(&sheet.html, "compte-1"), Some(counted.clone()));
    let validated = b.post(&format!("{sheet_path}/validation"), &[]).await;
    assert_eq!(validated.status, StatusCode::SEE_OTHER);
    assert_eq!(b.app.local_qty(1, 1).await, Some(before - 1));
    let report = b.get(&sheet_path).await;
    assert!(report.has("<dd id=\"statut\">Validé</dd>") && !report.has("<form id=\"count-sheet\""), "{}", report.html);
    let again = b.post(&format!("{sheet_path}/validation"), &[]).await;
    assert_eq!(again.status, StatusCode::CONFLICT, "validated once");
    assert_eq!(b.app.local_qty(1, 1).await, Some(before - 1));
    assert!(b.get("/inventaires?lieu=1").await.has("data-count-id="));
}
