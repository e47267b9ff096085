//! A thin layer over the WebDriver client: waits with a deadline, reads amounts and counts,
//! takes screenshots, and says which page and selector failed.

use super::amount::parse_cents;
pub use fantoccini::elements::Element;
use fantoccini::{Client, Locator};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// How long a page may take to show an element.
pub const ELEMENT_WAIT: Duration = Duration::from_secs(10);

pub struct Browser {
    pub client: Client,
    base: String,
    screenshots: PathBuf,
}

impl Browser {
    pub fn new(client: Client, base: String, screenshots: PathBuf) -> Browser {
        Browser { client, base, screenshots }
    }

    pub async fn open(&self, path: &str) {
        let url = format!("{}{path}", self.base);
        self.client.goto(&url).await.unwrap_or_else(|e| panic!("opening {url}: {e}"));
    }

    pub async fn url(&self) -> String {
        self.client.current_url().await.map(|u| u.to_string()).unwrap_or_else(|e| format!("(unknown: {e})"))
    }

    /// The element `css` selects, waiting for it to appear.
    pub async fn wait(&self, css: &str) -> Element {
        match self.client.wait().at_most(ELEMENT_WAIT).for_element(Locator::Css(css)).await {
            Ok(element) => element,
            Err(e) => panic!("no `{css}` on {} after {ELEMENT_WAIT:?}: {e}", self.url().await),
        }
    }

    /// The element `css` selects on the page as it is, if there is one.
    pub async fn find(&self, css: &str) -> Option<Element> {
        match self.client.find(Locator::Css(css)).await {
            Ok(element) => Some(element),
            Err(e) if e.is_no_such_element() => None,
            Err(e) => panic!("looking for `{css}` on {}: {e}", self.url().await),
        }
    }

    pub async fn find_all(&self, css: &str) -> Vec<Element> {
        match self.client.find_all(Locator::Css(css)).await {
            Ok(elements) => elements,
            Err(e) => panic!("looking for every `{css}` on {}: {e}", self.url().await),
        }
    }

    /// Waits until `element` is gone from the document: the page it belonged to was replaced.
    pub async fn wait_until_replaced(&self, element: &Element, what: &str) {
        let deadline = Instant::now() + ELEMENT_WAIT;
        loop {
            match element.tag_name().await {
                Err(e) if e.is_stale_element_reference() => return,
                // Chromium 156 may answer for a node of a page being replaced with an inspector
                // error instead of a stale reference: the node is gone all the same.
                Err(e) if e.to_string().contains("does not belong to the document") => return,
                Err(e) => panic!("{what}: {e}"),
                Ok(_) if Instant::now() > deadline => {
                    panic!("{what}: the page {} is still there after {ELEMENT_WAIT:?}", self.url().await)
                }
                Ok(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        }
    }

    /// Makes the page area (not the window, which has the browser's bars too) `width` x `height`.
    pub async fn set_viewport(&self, width: u32, height: u32) {
        let bars = self
            .client
            .execute("return [window.outerWidth - window.innerWidth, window.outerHeight - window.innerHeight];", vec![])
            .await
            .expect("measuring the browser's bars");
        let bar = |i: usize| bars.get(i).and_then(serde_json::Value::as_u64).and_then(|v| u32::try_from(v).ok());
        let (extra_width, extra_height) = (bar(0).unwrap_or(0), bar(1).unwrap_or(0));
        self.client.set_window_size(width + extra_width, height + extra_height).await.expect("resizing the window");
    }

    /// Prints the page as Chromium would on an 80 mm ticket roll, saved as `<name>.pdf`; returns
    /// the PDF's bytes.
    pub async fn print(&self, name: &str) -> Vec<u8> {
        use fantoccini::wd::{PrintConfiguration, PrintSize};
        let ticket =
            PrintConfiguration::builder().size(PrintSize { width: 8.0, height: 29.7 }).build().expect("an 80 mm page");
        let pdf = self.client.print(ticket).await.unwrap_or_else(|e| panic!("printing {name}: {e}"));
        let path = self.screenshots.join(format!("{name}.pdf"));
        std::fs::write(&path, &pdf).unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
        pdf
    }

    /// Saves the viewport as `<name>.png` in the screenshot directory (without a blinking caret).
    pub async fn screenshot(&self, name: &str) {
        let _ = self.client.execute("if (document.activeElement) { document.activeElement.blur(); }", vec![]).await;
        let png = self.client.screenshot().await.unwrap_or_else(|e| panic!("screenshot {name}: {e}"));
        let path = self.screenshots.join(format!("{name}.png"));
        std::fs::write(&path, png).unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
    }
}

/// The text of `element`, trimmed.
pub async fn text(element: &Element) -> String {
    element.text().await.map(|t| t.trim().to_string()).expect("text of an element")
}

/// The amount an element shows, in cents: its `data-cents` attribute when it has one, else its text.
pub async fn cents(element: &Element) -> i64 {
    if let Some(raw) = element.attr("data-cents").await.expect("data-cents attribute") {
        return raw.trim().parse().unwrap_or_else(|e| panic!("data-cents {raw:?}: {e}"));
    }
    let shown = text(element).await;
    parse_cents(&shown).unwrap_or_else(|e| panic!("reading an amount: {e}"))
}

/// The whole number an element shows ("1 234" with any kind of space between thousands).
pub async fn count(element: &Element) -> i64 {
    let shown = text(element).await;
    let digits: String = shown.chars().filter(|c| !c.is_whitespace() && *c != '\u{202f}').collect();
    digits.parse().unwrap_or_else(|e| panic!("reading a quantity from {shown:?}: {e}"))
}

/// A child element of `parent`, which must be there.
pub async fn child(parent: &Element, css: &str) -> Element {
    parent.find(Locator::Css(css)).await.unwrap_or_else(|e| panic!("no `{css}` in its row or form: {e}"))
}

/// Submits `form` by clicking its submit button.
pub async fn submit(form: &Element) {
    let button = child(form, "button[type=submit], input[type=submit], button:not([type])").await;
    button.click().await.expect("clicking a submit button");
}
