//! The web interface end to end, in a real headless Chromium: the real `magasin` binary on a
//! fresh SQLite database with the demo data, driven through chromedriver (WebDriver) by
//! `fantoccini`. A manager signs in, records a two-line sale and finds it in the sales list, the
//! report and the dashboard, then requests a replenishment from the warehouse, approves it, and
//! sees both stocks move; then a cashier and a logistics clerk sign in with their passwords: the
//! cashier finds nothing to approve, logistics approves, records a supplier's delivery and counts
//! the warehouse (one unit missing, posted at validation). Store 2 gets a reordering rule typed
//! in its grid, turns the suggestion into a request, and logistics grants it from the warehouse. Every page visited is saved as a PNG under
//! `target/browser-screenshots/`.
//!
//! Chromium and chromedriver come from Debian (`/usr/bin/chromium`, `/usr/bin/chromedriver`);
//! `scripts/test` installs them. Without them this test fails: it never skips.

#[path = "browser/amount.rs"]
mod amount;
mod common;
#[path = "browser/page.rs"]
mod page;

use common::processes::{Process, free_port, temp_dir};
use fantoccini::ClientBuilder;
use page::{Browser, cents, child, count, submit, text};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const TOKEN: &str = "jeton-du-test-navigateur";
/// Accounts made with `magasin user add` before the server starts: (login, password).
const CASHIER: (&str, &str) = ("caisse-centre", "mot de passe de la caisse");
const LOGISTICS: (&str, &str) = ("entrepot", "mot de passe de l'entrepot");
/// The whole scenario, once the server and the browser are up.
const SCENARIO_LIMIT: Duration = Duration::from_secs(90);

/// The sale: (product id, quantity, unit price in cents in the demo data), sold in store 1.
const SALE: [(i64, i64, i64); 2] = [(1, 2, 8_999), (2, 3, 2_550)];
/// The replenishment: this many units of this product, from the warehouse to store 1.
const REPLENISHED_PRODUCT: i64 = 4;
const REPLENISHED_QUANTITY: i64 = 7;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_manager_sells_replenishes_and_sees_it_everywhere() {
    let started = Instant::now();
    for (binary, package) in [(CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")] {
        assert!(
            Path::new(binary).is_file(),
            "{binary} is missing: the browser test needs Debian's `{package}` package; \
             scripts/test installs chromium and chromium-driver (or: apt-get install chromium chromium-driver)"
        );
    }
    let screenshots = screenshot_dir();
    let dir = temp_dir("magasin-browser");
    let (mut server, server_port) = start_server(dir.path());
    let (mut driver, driver_port) = start_chromedriver(dir.path());
    server.wait_for_port(server_port, Duration::from_secs(20)).await;
    driver.wait_for_port(driver_port, Duration::from_secs(10)).await;

    let mut builder = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new());
    builder.capabilities(capabilities(dir.path()));
    let driver_url = format!("http://127.0.0.1:{driver_port}");
    let session = builder.connect(&driver_url);
    let client = tokio::time::timeout(Duration::from_secs(20), session)
        .await
        .expect("Chromium did not start within 20 s")
        .expect("opening a headless Chromium session through chromedriver");
    let browser = Browser::new(client.clone(), format!("http://127.0.0.1:{server_port}"), screenshots.clone());
    let outcome = tokio::spawn(async move { tokio::time::timeout(SCENARIO_LIMIT, scenario(&browser)).await }).await;

    let succeeded = matches!(outcome, Ok(Ok(())));
    if !succeeded {
        // Keep what the browser showed when it went wrong.
        if let Ok(Ok(png)) = tokio::time::timeout(Duration::from_secs(5), client.screenshot()).await {
            let _ = std::fs::write(screenshots.join("echec.png"), png);
        }
        if let Ok(Ok(url)) = tokio::time::timeout(Duration::from_secs(5), client.current_url()).await {
            eprintln!("the browser was on {url}; its screenshot is {}", screenshots.join("echec.png").display());
        }
    }
    let _ = tokio::time::timeout(Duration::from_secs(5), client.close()).await;
    match outcome {
        Ok(Ok(())) => {
            eprintln!("browser scenario passed in {:?}; screenshots in {}", started.elapsed(), screenshots.display())
        }
        Ok(Err(_)) => panic!("the browser scenario took longer than {SCENARIO_LIMIT:?}"),
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(e) => panic!("the browser scenario did not finish: {e}"),
    }
    drop((driver, server));
}

async fn scenario(b: &Browser) {
    b.set_viewport(1280, 900).await;
    sign_in(b).await;

    let report_before = report_total(b, false).await;
    let revenue_before = dashboard_revenue(b, false).await;

    let (sale_id, sale_total) = record_sale(b).await;

    b.open("/ventes?magasin=1").await;
    b.wait(&format!("table#sales tr[data-sale-id=\"{sale_id}\"]")).await;
    b.screenshot("ventes").await;

    let report_after = report_total(b, true).await;
    assert_eq!(report_after, report_before + sale_total, "store 1's report total grows by the sale's total");

    let revenue_after = dashboard_revenue(b, true).await;
    assert_eq!(revenue_after, revenue_before + sale_total, "store 1's revenue on the dashboard grows by the sale");

    let refund = return_one_unit(b, &sale_id).await;
    assert_eq!(report_total(b, false).await, report_after - refund, "the report is net of the return");
    assert_eq!(dashboard_revenue(b, false).await, revenue_after - refund, "and so is the dashboard");

    replenish(b).await;

    plan_with_rules(b).await;

    transfer_with_one_unit_missing(b).await;

    sell_at_the_till(b, 1280, "caisse").await;
    sell_at_the_till(b, 768, "caisse-768").await;
    b.set_viewport(1280, 900).await;

    b.open("/produits").await;
    b.wait("table#products").await;
    b.screenshot("produits").await;

    b.open("/observabilite").await;
    b.wait("form#signout").await;
    b.screenshot("observabilite").await;

    scripts_run_under_the_content_security_policy(b).await;

    roles_see_their_own_work(b).await;

    logistics_receives_goods_and_counts_them(b).await;

    sign_in(b).await;
    close_the_day(b, 2, 1280, "cloture").await;
    close_the_day(b, 1, 768, "cloture-768").await;
}

/// Closes store `store`'s day on a window `width` px wide: the figures, the expected cash, one
/// euro missing from the count, « Clôturer »; the close then shows the difference, and the till
/// refuses a sale of that day with a message that says why.
async fn close_the_day(b: &Browser, store: i64, width: u32, name: &str) {
    b.set_viewport(width, 1000).await;
    b.open(&format!("/cloture?magasin={store}")).await;
    b.wait("table#figures").await;
    let expected = cents(&b.wait("p#attendues span.montant").await).await;
    let counted = expected.max(100) - 100;
    let field = b.wait("input#especes_comptees").await;
    field.send_keys(&format!("{}.{:02}", counted / 100, counted % 100)).await.expect("typing the cash counted");
    b.screenshot(name).await;
    submit(&b.wait("form#closing").await).await;
    let difference = cents(&b.wait("table#close tr#ecart td").await).await;
    assert_eq!(difference, counted - expected, "the difference is recorded");
    b.screenshot(&format!("{name}-faite")).await;
    // The day is closed: the till refuses to sell on it, and says why.
    b.open(&format!("/caisse?magasin={store}")).await;
    let input = b.wait("input#code").await;
    input.send_keys("2000000000046\u{E007}").await.expect("scanning a coffee");
    b.wait("#till-lines tr.till-line").await;
    b.wait("input[name=\"paiement.mode\"][value=\"carte\"]").await.click().await.expect("paying by card");
    b.wait("button#pay").await.click().await.expect("paying");
    let refusal = text(&b.wait("#till-message").await).await;
    assert!(refusal.contains("est clôturée pour le"), "a sale on a closed day is refused: {refusal}");
}

/// A customer brings back one unit of the sale's first line, resellable: « Retourner des
/// articles » on the receipt, the return form, then the credit note, which refunds the price
/// paid; the unit is back in store 1's stock. Returns the refund, in cents.
async fn return_one_unit(b: &Browser, sale_id: &str) -> i64 {
    let (product, _, price) = SALE[0];
    let row_css = format!("tr[data-product-id=\"{product}\"]");
    let stock_before = store_quantity(b, &row_css, false).await;
    b.open(&format!("/ventes/{sale_id}")).await;
    b.wait("a#return-goods").await.click().await.expect("opening the return form");
    let form = b.wait("form#return").await;
    child(&form, "input[name=\"quantite-1\"]").await.send_keys("1").await.expect("typing the units returned");
    child(&form, "select[name=\"etat-1\"]").await.select_by_value("revendable").await.expect("choosing the state");
    child(&form, "input[name=\"note\"]").await.send_keys("ne convient pas").await.expect("typing a note");
    b.screenshot("retour").await;
    submit(&form).await;
    b.wait("section#credit-note").await;
    let refund = cents(&b.wait("td#refund").await).await;
    assert_eq!(refund, price, "the credit note refunds the price paid for one unit");
    assert_eq!(b.find_all("#credit-note-lines tr.line").await.len(), 1, "one line on the credit note");
    b.screenshot("avoir").await;
    assert_eq!(store_quantity(b, &row_css, false).await, stock_before + 1, "the unit is back on the shelf");
    b.open(&format!("/ventes/{sale_id}")).await;
    b.wait("table#sale-returns").await;
    assert!(b.find("form#cancel").await.is_none(), "a sale with a return is no longer cancelled");
    refund
}

/// Still signed in as logistics: a supplier's delivery is recorded through the receipt form and
/// the warehouse's stock rises; then a count of the warehouse finds one unit missing, and its
/// validation takes it out.
async fn logistics_receives_goods_and_counts_them(b: &Browser) {
    const PRODUCT: i64 = 3;
    const RECEIVED: i64 = 12;
    let row_css = format!("table#warehouse tr[data-product-id=\"{PRODUCT}\"] td.quantite");
    b.open("/entrepot").await;
    let before = count(&b.wait(&row_css).await).await;

    b.open("/entrepot/receptions").await;
    let form = b.wait("form#receipt").await;
    for (field, value) in [
        ("fournisseur", "Grossiste Rhône".to_string()),
        ("bon_livraison", "BL-NAV-1".to_string()),
        ("produit-1", PRODUCT.to_string()),
        ("quantite-1", RECEIVED.to_string()),
    ] {
        child(&form, &format!("input[name=\"{field}\"]")).await.send_keys(&value).await.expect("typing the receipt");
    }
    submit(&form).await;
    let line = b.wait(&format!("table#receipt-lines tr[data-product-id=\"{PRODUCT}\"] td.quantite")).await;
    assert_eq!(count(&line).await, RECEIVED, "the receipt shows its line");
    b.screenshot("reception").await;
    b.open("/entrepot").await;
    assert_eq!(count(&b.wait(&row_css).await).await, before + RECEIVED, "the warehouse received the units");

    b.open("/inventaires?lieu=entrepot").await;
    submit(&b.wait("form#open-count").await).await;
    let sheet = b.wait("form#count-sheet").await;
    let counted = before + RECEIVED - 1;
    child(&sheet, &format!("input[name=\"compte-{PRODUCT}\"]"))
        .await
        .send_keys(&counted.to_string())
        .await
        .expect("typing a count");
    submit(&sheet).await;
    b.wait_until_replaced(&sheet, "saving the count sheet").await;
    let variance = b.wait(&format!("table#count-lines tr[data-product-id=\"{PRODUCT}\"] td.ecart")).await;
    assert_eq!(text(&variance).await, "-1", "one unit missing");
    b.screenshot("inventaire").await;
    let validate = b.wait("button#validate-count").await;
    validate.click().await.expect("validating the count");
    b.wait_until_replaced(&validate, "validating the count").await;
    assert_eq!(text(&b.wait("dd#statut").await).await, "Validé");
    b.open("/entrepot").await;
    assert_eq!(count(&b.wait(&row_css).await).await, counted, "the count's variance is posted");
}

/// A cashier and a logistics clerk sign in with their login and password: the cashier finds no
/// approval to make, logistics approves the request the service left pending.
async fn roles_see_their_own_work(b: &Browser) {
    b.open("/entrepot").await;
    let row = b.wait("table#warehouse tr[data-product-id=\"5\"]").await;
    let form = child(&row, "form.replenish").await;
    child(&form, "select[name=magasin]").await.select_by_value("1").await.expect("choosing store 1");
    child(&form, "input[name=quantite]").await.send_keys("2").await.expect("typing the quantity");
    submit(&form).await;
    b.wait_until_replaced(&row, "requesting a replenishment").await;
    sign_out(b).await;

    sign_in_as(b, CASHIER).await;
    b.open("/reapprovisionnement").await;
    b.wait("table#pending tr[data-request-id]").await;
    assert!(b.find("table#pending form.approve").await.is_none(), "a cashier has nothing to approve");
    assert!(b.find("nav a[href=\"/caisse\"]").await.is_some(), "but sells");
    b.screenshot("caissier").await;
    sign_out(b).await;

    sign_in_as(b, LOGISTICS).await;
    b.open("/reapprovisionnement").await;
    let pending = b.wait("table#pending tr[data-request-id]").await;
    assert!(b.find("nav a[href=\"/caisse\"]").await.is_none(), "logistics does not sell");
    submit(&child(&pending, "form.approve").await).await;
    b.wait_until_replaced(&pending, "approving as logistics").await;
    assert!(b.find("table#pending tr[data-request-id]").await.is_none(), "logistics approved it");
    b.screenshot("logistique").await;
}

async fn sign_in_as(b: &Browser, (login, password): (&str, &str)) {
    b.open("/connexion").await;
    let form = b.wait("form#signin").await;
    child(&form, "input[name=login]").await.send_keys(login).await.expect("typing the login");
    child(&form, "input[name=mot_de_passe]").await.send_keys(password).await.expect("typing the password");
    submit(&form).await;
    b.wait("form#signout").await;
}

async fn sign_out(b: &Browser) {
    submit(&b.wait("form#signout").await).await;
    b.wait("a[href=\"/connexion\"]").await;
}

/// The Content Security Policy lets the interface's scripts and Swagger UI run: choosing another
/// store on the sale form shows its stock (the form's script), and Swagger UI draws the API's
/// operations (its bundle, its initializer and the description they fetch).
async fn scripts_run_under_the_content_security_policy(b: &Browser) {
    b.open("/ventes/nouvelle?magasin=1").await;
    let store = b.wait("select#magasin[data-current=\"1\"]").await;
    store.select_by_value("2").await.expect("choosing store 2");
    b.wait("select#magasin[data-current=\"2\"]").await;
    b.open("/swagger/").await;
    b.wait("#swagger-ui .opblock").await;
    b.screenshot("swagger").await;
}

async fn sign_in(b: &Browser) {
    b.open("/connexion").await;
    let form = b.wait("form#signin").await;
    child(&form, "input[name=token]").await.send_keys(TOKEN).await.expect("typing the token");
    submit(&form).await;
    b.wait("form#signout").await;
}

/// Store 1's total on the report, 0 when it has no row yet.
async fn report_total(b: &Browser, screenshot: bool) -> i64 {
    b.open("/rapport").await;
    b.wait("table#report").await;
    if screenshot {
        b.screenshot("rapport").await;
    }
    match b.find("table#report tr[data-store-id=\"1\"] td.total").await {
        Some(cell) => cents(&cell).await,
        None => 0,
    }
}

/// Store 1's revenue on the dashboard, 0 when it has no row yet; checks the charts are drawn.
async fn dashboard_revenue(b: &Browser, screenshot: bool) -> i64 {
    b.open("/").await;
    b.wait("table#dashboard").await;
    b.wait("svg#revenue-chart").await;
    b.wait("svg.sparkline").await;
    if screenshot {
        b.screenshot("tableau-de-bord").await;
    }
    match b.find("table#dashboard tr[data-store-id=\"1\"] td.revenue").await {
        Some(cell) => cents(&cell).await,
        None => 0,
    }
}

/// Records the two-line sale in store 1; returns its id and total (cents), read on the receipt.
async fn record_sale(b: &Browser) -> (String, i64) {
    b.open("/ventes/nouvelle?magasin=1").await;
    b.wait("form#sale").await;
    let store = b.wait("select#magasin").await;
    if store.prop("value").await.expect("selected store").as_deref() != Some("1") {
        store.select_by_value("1").await.expect("choosing store 1");
        // The form may reload for the chosen store: wait until the page settles on store 1.
        let deadline = Instant::now() + page::ELEMENT_WAIT;
        loop {
            let current = b.wait("select#magasin").await;
            if current.prop("value").await.ok().flatten().as_deref() == Some("1") {
                break;
            }
            assert!(Instant::now() < deadline, "the sale form does not settle on store 1");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    for (line, (product, quantity, _)) in SALE.iter().enumerate() {
        let n = line + 1;
        let select = b.wait(&format!("select#produit-{n}")).await;
        select.select_by_value(&product.to_string()).await.unwrap_or_else(|e| panic!("product {product}: {e}"));
        let input = b.wait(&format!("input#quantite-{n}")).await;
        input.clear().await.expect("clearing a quantity");
        input.send_keys(&quantity.to_string()).await.expect("typing a quantity");
    }
    b.screenshot("nouvelle-vente").await;
    b.wait("button#submit-sale").await.click().await.expect("submitting the sale");

    let receipt = b.wait("#receipt[data-sale-id]").await;
    let sale_id = receipt.attr("data-sale-id").await.expect("sale id").unwrap_or_default();
    assert!(!sale_id.trim().is_empty(), "the receipt names the sale");
    let lines = b.find_all("#receipt tr.line").await;
    assert_eq!(lines.len(), 2, "the receipt lists the two lines");
    let mut sum = 0;
    for line in &lines {
        sum += line_amount(line).await;
    }
    let total = cents(&b.wait("#receipt-total").await).await;
    assert_eq!(total, sum, "the receipt's total is the sum of its lines");
    let expected: i64 = SALE.iter().map(|(_, quantity, price)| quantity * price).sum();
    assert_eq!(total, expected, "the receipt's total is quantities times the demo prices");
    b.screenshot("recu").await;
    (sale_id, total)
}

/// The till (`/caisse`) on a window `width` px wide: three codes typed as a scanner types them
/// (each followed by Enter: a barcode, a SKU, a barcode), the first line's quantity changed to 2,
/// cash tendered with change due, « Encaisser ». The screen posted twice more at once (a double
/// click, a retry) answers the same receipt and records nothing more; the receipt prints.
async fn sell_at_the_till(b: &Browser, width: u32, name: &str) {
    b.set_viewport(width, 1000).await;
    b.open("/ventes?magasin=1").await;
    let newest_before = b.wait("table#sales tr[data-sale-id]").await.attr("data-sale-id").await.expect("sale id");
    let keyboards_before = store_quantity(b, "tr[data-product-id=\"1\"]", false).await;
    b.open("/caisse?magasin=1").await;
    let input = b.wait("input#code").await;
    for code in ["2000000000015", "mag-00002", "2000000000046"] {
        input.send_keys(&format!("{code}\u{E007}")).await.expect("scanning a code");
    }
    let deadline = Instant::now() + page::ELEMENT_WAIT;
    while b.find_all("#till-lines tr.till-line").await.len() < 3 {
        assert!(Instant::now() < deadline, "three scans make three lines");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Two letters of a name: suggestions, the name that starts with them first.
    input.send_keys("so").await.expect("typing part of a name");
    let first = b.wait("ul#suggestions li[role=option]").await;
    assert!(text(&first).await.starts_with("Souris optique"), "the name that starts with « so » first");
    b.screenshot(&format!("{name}-suggestions")).await;
    input.send_keys("\u{E00C}").await.expect("Escape closes the list");
    input.clear().await.expect("clearing the input");
    let quantity = b.wait("#till-lines tr[data-product=\"1\"] input.qty").await;
    quantity.clear().await.expect("clearing the quantity");
    quantity.send_keys("2").await.expect("typing the quantity");
    // Keyboards 2 × 89.99, a mouse 25.50, a coffee 15.99: 221.47; 250 tendered, 28.53 back.
    let total = cents(&b.wait("#till-total").await).await;
    assert_eq!(total, 2 * 8_999 + 2_550 + 1_599, "the running total");
    b.wait("#tendered").await.send_keys("250").await.expect("typing what was tendered");
    assert_eq!(cents(&b.wait("#till-change").await).await, 25_000 - total, "the change due");
    b.screenshot(name).await;
    // Two posts of the screen at once, then the click: one sale, the same receipt each time.
    let posted = b
        .client
        .execute(
            "const data = new URLSearchParams(new FormData(document.getElementById('till')));
             data.set('action', 'encaisser');
             const post = () => fetch('/caisse', {method: 'POST', body: data}).then(r => r.url);
             return Promise.all([post(), post()]);",
            vec![],
        )
        .await
        .expect("posting the screen twice");
    b.wait("button#pay").await.click().await.expect("paying");
    let receipt = b.wait("#receipt[data-sale-id]").await;
    let sale_id = receipt.attr("data-sale-id").await.expect("sale id").unwrap_or_default();
    let receipt_path = format!("/ventes/{sale_id}");
    for url in posted.as_array().expect("two answers") {
        assert!(url.as_str().is_some_and(|u| u.ends_with(&receipt_path)), "{url} is the same receipt");
    }
    assert_eq!(cents(&b.wait("#receipt-total").await).await, total);
    let payment = text(&b.wait("#receipt tfoot").await).await;
    assert!(payment.contains("Espèces") && payment.contains("28,53"), "the receipt says the change: {payment}");
    b.wait("button#print-ticket").await;
    let pdf = b.print(&format!("{name}-ticket")).await;
    assert!(pdf.starts_with(b"%PDF"), "the receipt prints");
    b.screenshot(&format!("{name}-recu")).await;
    b.open("/ventes?magasin=1").await;
    let newest = b.wait("table#sales tr[data-sale-id]").await.attr("data-sale-id").await.expect("sale id");
    assert_eq!(newest.as_deref(), Some(sale_id.as_str()), "the till's sale is the newest");
    let ids: Vec<i64> =
        [newest_before, newest].iter().map(|i| i.as_deref().unwrap_or("0").parse().unwrap_or(0)).collect();
    assert_eq!(ids[1], ids[0] + 1, "one sale, however many times it was posted");
    assert_eq!(store_quantity(b, "tr[data-product-id=\"1\"]", false).await, keyboards_before - 2);
}

/// The amount of a receipt line: its `data-cents`, else its `td.total` cell, else its last cell.
async fn line_amount(line: &page::Element) -> i64 {
    if line.attr("data-cents").await.expect("data-cents attribute").is_some() {
        return cents(line).await;
    }
    if let Ok(cell) = line.find(fantoccini::Locator::Css("td.total")).await {
        return cents(&cell).await;
    }
    let cells = line.find_all(fantoccini::Locator::Css("td")).await.expect("cells of a receipt line");
    cents(cells.last().expect("a receipt line has cells")).await
}

/// Requests a replenishment of store 1 from the warehouse, approves it, and checks both stocks.
async fn replenish(b: &Browser) {
    let product = REPLENISHED_PRODUCT;
    let row_css = format!("tr[data-product-id=\"{product}\"]");
    let stock_before = store_quantity(b, &row_css, false).await;

    b.open("/entrepot").await;
    let row = b.wait(&format!("table#warehouse {row_css}")).await;
    let warehouse_before = count(&child(&row, "td.quantite").await).await;
    let form = child(&row, "form.replenish").await;
    child(&form, "select[name=magasin]").await.select_by_value("1").await.expect("choosing store 1");
    let quantity = child(&form, "input[name=quantite]").await;
    quantity.clear().await.expect("clearing the quantity");
    quantity.send_keys(&REPLENISHED_QUANTITY.to_string()).await.expect("typing the quantity");
    submit(&form).await;
    b.wait_until_replaced(&row, "requesting a replenishment").await;

    b.open("/reapprovisionnement").await;
    let pending = b.wait("table#pending tr[data-request-id]").await;
    let rows = b.find_all("table#pending tr[data-request-id]").await;
    assert_eq!(rows.len(), 1, "one pending request: the one just made");
    let request_id = pending.attr("data-request-id").await.expect("request id").unwrap_or_default();
    submit(&child(&pending, "form.approve").await).await;
    b.wait_until_replaced(&pending, "approving the request").await;

    b.open("/reapprovisionnement").await;
    let status = b.wait(&format!("table#history tr[data-request-id=\"{request_id}\"] td.statut")).await;
    let status = text(&status).await.to_lowercase();
    assert!(status.contains("approuv"), "the request is approved in the history, not {status:?}");
    assert!(b.find("table#pending tr[data-request-id]").await.is_none(), "nothing is pending any more");
    b.screenshot("reapprovisionnement").await;

    b.open("/entrepot").await;
    let warehouse_after = count(&b.wait(&format!("table#warehouse {row_css} td.quantite")).await).await;
    b.screenshot("entrepot").await;
    assert_eq!(warehouse_after, warehouse_before - REPLENISHED_QUANTITY, "the warehouse gave the units");

    let stock_after = store_quantity(b, &row_css, true).await;
    assert_eq!(stock_after, stock_before + REPLENISHED_QUANTITY, "store 1 received the units");
}

/// Store 2's planning: a rule for its keyboards (it holds 18) typed in the grid of `/regles` —
/// min 25, max 40 — shows a suggestion of 22; « Créer la demande » turns it into the store's
/// request, tagged `suggestion`, which logistics approves as far as the warehouse holds: store 2
/// then holds 40 keyboards.
async fn plan_with_rules(b: &Browser) {
    let row_css = "tr[data-product-id=\"1\"]";
    let before = store_quantity_in(b, 2, row_css, false).await;
    b.open("/regles?magasin=2").await;
    let row = b.wait(&format!("table#rules-grid {row_css}")).await;
    for (field, value) in [("min", "25"), ("max", "40")] {
        let input = child(&row, &format!("input[name^=\"{field}-\"]")).await;
        input.clear().await.expect("clearing a rule field");
        input.send_keys(value).await.expect("typing a rule field");
    }
    submit(&b.wait("form#rules").await).await;
    b.wait_until_replaced(&row, "saving the rules").await;
    let suggested = b.wait(&format!("table#suggestions {row_css} td.a-demander")).await;
    assert_eq!(count(&suggested).await, 40 - before, "up to the maximum");
    b.screenshot("regles").await;
    let apply = b.wait("form#apply-suggestions").await;
    submit(&apply).await;
    b.wait_until_replaced(&apply, "applying the suggestions").await;

    b.open("/reapprovisionnement").await;
    let pending = b.wait("table#pending tr[data-request-id]").await;
    assert_eq!(text(&child(&pending, "span.origine").await).await, "suggestion");
    assert_eq!(count(&child(&pending, "td.quantites").await).await, 40 - before);
    submit(&child(&pending, "form.approve-available").await).await;
    b.wait_until_replaced(&pending, "approving as far as the warehouse holds").await;
    assert_eq!(store_quantity_in(b, 2, row_css, false).await, 40, "store 2 holds its maximum");
}

/// Store 1 sends store 2 three units of product 4 on `/expeditions` (the goods are reserved),
/// ships them, and store 2 receives them with one unit missing: two enter its stock, the
/// missing one is shown on the shipment.
async fn transfer_with_one_unit_missing(b: &Browser) {
    let row_css = "tr[data-product-id=\"4\"]";
    let before = store_quantity_in(b, 2, row_css, false).await;
    b.open("/expeditions").await;
    let form = b.wait("form#transfer").await;
    for (name, value) in [("origine", "1"), ("magasin", "2"), ("produit", "4")] {
        child(&form, &format!("select[name={name}]")).await.select_by_value(value).await.expect("choosing");
    }
    let quantity = child(&form, "input[name=quantite]").await;
    quantity.clear().await.expect("clearing the quantity");
    quantity.send_keys("3").await.expect("typing the quantity");
    submit(&form).await;
    b.wait_until_replaced(&form, "reserving the transfer").await;

    let open = b.wait("table#open-shipments tr[data-shipment-id]").await;
    let id = open.attr("data-shipment-id").await.expect("shipment id").unwrap_or_default();
    let row = format!("table#open-shipments tr[data-shipment-id=\"{id}\"]");
    submit(&child(&open, "form.ship").await).await;
    b.wait_until_replaced(&open, "shipping the transfer").await;

    let shipped = b.wait(&row).await;
    let receive = child(&shipped, "form.receive").await;
    let missing = child(&receive, "input[name=manquante_4]").await;
    missing.clear().await.expect("clearing the missing units");
    missing.send_keys("1").await.expect("typing one missing unit");
    b.screenshot("expeditions").await;
    submit(&receive).await;
    b.wait_until_replaced(&shipped, "receiving the transfer").await;

    let done = b.wait(&format!("table#done-shipments tr[data-shipment-id=\"{id}\"] td.quantites")).await;
    let shown = text(&done).await;
    assert!(shown.contains("2 / 3") && shown.contains("1 manquant"), "the shipment shows its gap: {shown:?}");
    assert_eq!(store_quantity_in(b, 2, row_css, false).await, before + 2, "two of three units arrived");
}

async fn store_quantity(b: &Browser, row_css: &str, screenshot: bool) -> i64 {
    store_quantity_in(b, 1, row_css, screenshot).await
}

async fn store_quantity_in(b: &Browser, store: i64, row_css: &str, screenshot: bool) -> i64 {
    b.open(&format!("/stock?magasin={store}")).await;
    let cell = b.wait(&format!("table#stock {row_css} td.quantite")).await;
    if screenshot {
        b.screenshot("stock").await;
    }
    count(&cell).await
}

fn start_server(dir: &Path) -> (Process, u16) {
    let port = free_port();
    let mut command = Command::new(env!("CARGO_BIN_EXE_magasin"));
    for (name, _) in std::env::vars() {
        if name.starts_with("MAGASIN_") || name == "DATABASE_URL" || name == "REDIS_URL" {
            command.env_remove(name);
        }
    }
    let database = format!("sqlite://{}/magasin.db", dir.display());
    let magasin = |args: &[&str], input: &str| {
        use std::io::Write;
        let mut child = Command::new(env!("CARGO_BIN_EXE_magasin"))
            .args(args)
            .env("DATABASE_URL", &database)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("run magasin");
        child.stdin.take().expect("stdin").write_all(input.as_bytes()).expect("password");
        assert!(child.wait().expect("magasin").success(), "magasin {args:?}");
    };
    magasin(&["seed", "demo"], "");
    for ((login, password), role) in [(CASHIER, "caissier"), (LOGISTICS, "logistique")] {
        magasin(&["user", "add", login, "--role", role, "--store", "1", "--password-stdin"], &format!("{password}\n"));
    }
    command
        .args(["serve", "--bind", &format!("127.0.0.1:{port}"), "--api-token", TOKEN, "--shutdown-grace", "1"])
        .env("DATABASE_URL", &database);
    (Process::spawn("magasin", command, dir.join("magasin.log")), port)
}

fn start_chromedriver(dir: &Path) -> (Process, u16) {
    let port = free_port();
    let mut command = Command::new(CHROMEDRIVER);
    command.arg(format!("--port={port}"));
    (Process::spawn("chromedriver", command, dir.join("chromedriver.log")), port)
}

fn capabilities(dir: &Path) -> fantoccini::wd::Capabilities {
    let profile = dir.join("chromium-profile");
    let caps = serde_json::json!({
        "browserName": "chrome",
        "goog:chromeOptions": {
            "binary": CHROMIUM,
            "args": [
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--window-size=1280,900",
                "--hide-scrollbars",
                "--force-device-scale-factor=1",
                "--lang=fr-FR",
                format!("--user-data-dir={}", profile.display()),
            ],
        },
    });
    caps.as_object().cloned().expect("capabilities are a JSON object")
}

/// `target/browser-screenshots/` (emptied), in CARGO_TARGET_DIR when set, else the workspace's `target/`.
fn screenshot_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    let dir = target.join("browser-screenshots");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("creating {}: {e}", dir.display()));
    dir
}
