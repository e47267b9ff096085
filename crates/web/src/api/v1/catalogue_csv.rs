//! The catalogue as CSV: exported whole, imported all or nothing (rows without an id create a
//! product, rows with one change it). The columns are [`CSV_COLUMNS`]; an import names any
//! subset of them in its header.

use super::products::ProductListItem;
use super::route;
use crate::AppState;
use crate::api::extract::ReqId;
use crate::auth::Caller;
use crate::error::ApiError;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use magasin_domain::catalogue::{CSV_COLUMNS, Product, ProductInput};
use magasin_domain::{ProductId, ValidationCode, ValidationErrors};
use serde::Serialize;
use utoipa::ToSchema;

pub fn router() -> Router<AppState> {
    route(Router::new(), "/api/v1/products/csv/", get(export).post(import))
}

/// The catalogue as CSV text, a product per line, in the columns an import reads.
pub fn to_csv(products: &[Product]) -> Result<Vec<u8>, csv::Error> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(CSV_COLUMNS)?;
    for p in products {
        writer.write_record([
            p.id.0.to_string(),
            p.nom.clone(),
            p.categorie.clone(),
            p.prix.to_string(),
            p.description.clone().unwrap_or_default(),
            p.sku.clone().unwrap_or_default(),
            p.code_barres.clone().unwrap_or_default(),
        ])?;
    }
    writer.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}

/// Reads an import: a header naming columns of [`CSV_COLUMNS`], then a product per line. Every
/// column the header names is set (a blank description or code clears it); `id` blank or absent
/// creates. A line that cannot be read is named (`ligne 3`, the header being line 1).
pub fn parse_csv(text: &str) -> Result<Vec<(Option<ProductId>, ProductInput)>, ValidationErrors> {
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).flexible(false).from_reader(text.as_bytes());
    let choices = || ValidationCode::NotAChoice { choices: CSV_COLUMNS.iter().map(|c| c.to_string()).collect() };
    let header = reader.headers().map_err(|_| ValidationErrors::single("csv", ValidationCode::Required))?.clone();
    if header.is_empty() || header.iter().any(|h| !CSV_COLUMNS.contains(&h)) {
        return Err(ValidationErrors::single("csv", choices()));
    }
    let column = |name: &str| header.iter().position(|h| h == name);
    let mut errors = ValidationErrors::new();
    let mut rows = Vec::new();
    for (n, record) in reader.records().enumerate() {
        let line = format!("ligne {}", n + 2);
        let Ok(record) = record else {
            errors.add(line, ValidationCode::NotAChoice { choices: Vec::new() });
            continue;
        };
        let cell = |name: &str| column(name).and_then(|i| record.get(i)).map(str::to_string);
        let id = match cell("id").filter(|v| !v.is_empty()) {
            None => None,
            Some(v) => match v.parse::<i64>() {
                Ok(id) => Some(ProductId(id)),
                Err(_) => {
                    errors.add(format!("{line}.id"), ValidationCode::NotAWholeNumber);
                    continue;
                }
            },
        };
        let optional = |name: &str| cell(name).map(|v| Some(v).filter(|v| !v.is_empty()));
        let input = ProductInput {
            nom: cell("nom"),
            categorie: cell("categorie"),
            prix: cell("prix").map(|p| p.replace(',', ".")),
            description: optional("description"),
            stock_initial: None,
            sku: optional("sku"),
            code_barres: optional("code_barres"),
        };
        rows.push((id, input));
    }
    errors.into_result(rows)
}

/// The catalogue, whole, as CSV (`id,nom,categorie,prix,description,sku,code_barres`).
#[utoipa::path(get, path = "/api/v1/products/csv/", tag = "products",
    responses((status = 200, content_type = "text/csv", body = String)))]
pub async fn export(State(state): State<AppState>) -> Result<Response, ApiError> {
    let products = state.services.all_products().await?;
    let body = to_csv(&products).map_err(|e| ApiError::Internal(e.to_string()))?;
    let headers = [
        (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
        (header::CONTENT_DISPOSITION, "attachment; filename=\"catalogue.csv\""),
    ];
    Ok((headers, body).into_response())
}

#[derive(Serialize, ToSchema)]
pub struct ImportDto {
    pub crees: usize,
    pub modifies: usize,
    /// Every product written, in the file's order.
    pub produits: Vec<ProductListItem>,
}

/// Imports the catalogue from CSV (`Content-Type: text/csv`), all or nothing: a line without
/// `id` creates a product (`nom`, `categorie`, `prix` required), a line with one changes the
/// columns the header names (a blank description or code clears it). 1 to 5,000 lines. A bad
/// field is a 400 naming its line (`ligne 3.prix`); a name or code taken a 409 naming the line;
/// an unknown id a 404; nothing is written then.
#[utoipa::path(post, path = "/api/v1/products/csv/", tag = "products",
    request_body(content = String, content_type = "text/csv"), security(("token" = [])),
    responses((status = 200, body = ImportDto), (status = 400, description = "Invalid CSV (`csv`, `ligne N.field`)"),
        (status = 401, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody, description = "Not head office nor an administrator"),
        (status = 404, body = crate::error::ErrorBody, description = "Unknown product"),
        (status = 409, body = crate::error::ErrorBody, description = "A name or code taken (the message names the line)"),
        (status = 413, body = crate::error::ErrorBody)))]
pub async fn import(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ReqId(request_id): ReqId,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<ImportDto>, ApiError> {
    let body = body?;
    let text = std::str::from_utf8(&body).map_err(|_| ApiError::BadRequest("The CSV is not UTF-8 text.".into()))?;
    let rows = parse_csv(text).map_err(ApiError::Fields)?;
    let created = rows.iter().filter(|(id, _)| id.is_none()).count();
    let written = state.services.import_catalogue(&actor, rows, request_id).await?;
    Ok(Json(ImportDto {
        crees: created,
        modifies: written.len() - created,
        produits: written.into_iter().map(ProductListItem::from).collect(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_export_reads_back_as_an_import_of_the_same_products() {
        let product = Product {
            id: ProductId(7),
            nom: "Café, moulu".into(),
            categorie: "Épicerie".into(),
            prix: magasin_domain::Money(749),
            description: None,
            sku: Some("CAF-7".into()),
            code_barres: Some("4006381333931".into()),
        };
        let text = String::from_utf8(to_csv(&[product]).expect("csv")).expect("utf-8");
        let rows = parse_csv(&text).expect("readable");
        assert_eq!(rows.len(), 1);
        let (id, input) = &rows[0];
        assert_eq!(*id, Some(ProductId(7)));
        assert_eq!(input.nom.as_deref(), Some("Café, moulu"));
        assert_eq!((input.description.clone(), input.sku.clone()), (Some(None), Some(Some("CAF-7".into()))));
    }

    #[test]
    fn a_bad_header_or_id_is_named() {
        assert_eq!(parse_csv("nom,poids\n").unwrap_err().0[0].field, "csv");
        assert_eq!(parse_csv("id,nom\nx,A\n").unwrap_err().0[0].field, "ligne 2.id");
        assert_eq!(parse_csv("nom,prix\nA\n").unwrap_err().0[0].field, "ligne 2");
        let created = parse_csv("nom,categorie,prix\nA,B,\"1,50\"\n").expect("readable");
        assert_eq!((created[0].0, created[0].1.prix.as_deref()), (None, Some("1.50")));
    }
}
