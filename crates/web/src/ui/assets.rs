//! The stylesheet and the small scripts, compiled into the binary (no CDN: works offline).

use super::layout::page_not_found;
use axum::extract::Path;
use axum::http::header;
use axum::response::{IntoResponse, Response};

const STYLESHEET: &str = include_str!("../../static/magasin.css");
const OBSERVABILITY_SCRIPT: &str = include_str!("../../static/observabilite.js");
const SALE_SCRIPT: &str = include_str!("../../static/vente.js");
const TILL_SCRIPT: &str = include_str!("../../static/caisse.js");
const TICKET_SCRIPT: &str = include_str!("../../static/ticket.js");

pub async fn serve(Path(file): Path<String>) -> Response {
    let (body, content_type) = match file.as_str() {
        "magasin.css" => (STYLESHEET, "text/css; charset=utf-8"),
        "observabilite.js" => (OBSERVABILITY_SCRIPT, "text/javascript; charset=utf-8"),
        "vente.js" => (SALE_SCRIPT, "text/javascript; charset=utf-8"),
        "caisse.js" => (TILL_SCRIPT, "text/javascript; charset=utf-8"),
        "ticket.js" => (TICKET_SCRIPT, "text/javascript; charset=utf-8"),
        _ => return page_not_found(),
    };
    ([(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, "public, max-age=3600")], body).into_response()
}
