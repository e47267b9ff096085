//! The product catalogue (head office). Single products keep the lab's exact shape.

use super::pagination::{Paginated, numbered, page_request};
use super::route;
use crate::AppState;
use crate::api::extract::{AppJson, Params, ReqId};
use crate::auth::Caller;
use crate::error::ApiError;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use magasin_domain::catalogue::{Product, ProductInput};
use magasin_domain::{ProductId, ValidationCode, ValidationErrors};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

/// A product, as the lab's `GET /api/v1/products/{id}/` answers it.
#[derive(Serialize, ToSchema)]
pub struct ProductDto {
    pub nom: String,
    pub categorie: String,
    /// Decimal string with two places, e.g. `"89.99"`.
    #[schema(example = "89.99")]
    pub prix: String,
    pub description: Option<String>,
}

impl From<Product> for ProductDto {
    fn from(p: Product) -> Self {
        ProductDto { nom: p.nom, categorie: p.categorie, prix: p.prix.to_string(), description: p.description }
    }
}

/// A product in a list, with its id.
#[derive(Serialize, ToSchema)]
pub struct ProductListItem {
    pub id: i64,
    pub nom: String,
    pub categorie: String,
    #[schema(example = "89.99")]
    pub prix: String,
    pub description: Option<String>,
    /// The chain's own reference (uppercase), if it has one.
    pub sku: Option<String>,
    /// The EAN-13 barcode (a UPC-A in its 13-digit form), if it has one.
    #[schema(example = "4006381333931")]
    pub code_barres: Option<String>,
}

impl From<Product> for ProductListItem {
    fn from(p: Product) -> Self {
        ProductListItem {
            id: p.id.0,
            nom: p.nom,
            categorie: p.categorie,
            prix: p.prix.to_string(),
            description: p.description,
            sku: p.sku,
            code_barres: p.code_barres,
        }
    }
}

/// Fields of a creation (nom, categorie, prix required) or an update (any subset).
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ProductWrite {
    /// At most 100 characters.
    nom: Option<String>,
    /// At most 100 characters.
    categorie: Option<String>,
    /// A number or a decimal string, ≥ 0, at most 2 decimal places.
    #[schema(value_type = Option<String>, example = "89.99")]
    prix: Option<Value>,
    description: Option<String>,
    /// Opening warehouse quantity, on creation only (default 0).
    stock_initial: Option<i64>,
    /// 1 to 32 letters, digits, `.`, `-` or `_` (kept uppercase), unique; null or blank clears it.
    sku: Option<String>,
    /// An EAN-13 (13 digits) or UPC-A (12) with its right check digit, unique; null or blank
    /// clears it.
    code_barres: Option<String>,
}

pub fn router() -> Router<AppState> {
    let r = route(Router::new(), "/api/v1/products/", get(list_products).post(create_product));
    route(r, "/api/v1/products/{id}/", get(get_product).put(update_product).patch(update_product))
}

/// Every field a product body may name (`stock_initial` is then refused on updates).
const FIELDS: [&str; 7] = ["nom", "categorie", "prix", "description", "stock_initial", "sku", "code_barres"];

/// Reads a JSON object's fields, giving each wrongly typed one its own message; a field a
/// product does not have is refused, as the sale and request bodies refuse theirs.
fn product_input(body: Value) -> Result<ProductInput, ApiError> {
    let Value::Object(map) = body else {
        return Err(ApiError::BadRequest("Expected a JSON object.".into()));
    };
    let unknown: Vec<String> = map.keys().filter(|k| !FIELDS.contains(&k.as_str())).map(|k| format!("`{k}`")).collect();
    if !unknown.is_empty() {
        return Err(ApiError::BadRequest(format!(
            "Unknown field {}: expected any of {}.",
            unknown.join(", "),
            FIELDS.join(", ")
        )));
    }
    let mut errors = ValidationErrors::new();
    let mut input = ProductInput::default();
    let text = |errors: &mut ValidationErrors, field: &str| match map.get(field) {
        None => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => {
            errors.add(field, ValidationCode::NotAString);
            None
        }
    };
    input.nom = text(&mut errors, "nom");
    input.categorie = text(&mut errors, "categorie");
    input.prix = match map.get("prix") {
        None => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        Some(_) => {
            errors.add("prix", ValidationCode::NotANumber);
            None
        }
    };
    input.description = match map.get("description") {
        None => None,
        Some(Value::Null) => Some(None),
        Some(Value::String(s)) => Some(Some(s.clone())),
        Some(_) => {
            errors.add("description", ValidationCode::NotAString);
            None
        }
    };
    let code = |errors: &mut ValidationErrors, field: &str| match map.get(field) {
        None => None,
        Some(Value::Null) => Some(None),
        Some(Value::String(s)) => Some(Some(s.clone())),
        Some(_) => {
            errors.add(field, ValidationCode::NotAString);
            None
        }
    };
    input.sku = code(&mut errors, "sku");
    input.code_barres = code(&mut errors, "code_barres");
    input.stock_initial = match map.get("stock_initial") {
        None => None,
        Some(v) => match v.as_i64() {
            Some(n) => Some(n),
            None => {
                errors.add("stock_initial", ValidationCode::NotAnInteger);
                None
            }
        },
    };
    errors.into_result(input).map_err(ApiError::Fields)
}

/// Products by id; `search` matches name or category (case-insensitive, accents kept); `code`
/// finds the one product whose barcode (EAN-13, or UPC-A) or else SKU it is, as a till scans it.
#[utoipa::path(get, path = "/api/v1/products/", tag = "products",
    params(("search" = Option<String>, Query), ("code" = Option<String>, Query, description = "A barcode or a SKU: one result or none"),
        ("page" = Option<u32>, Query), ("page_size" = Option<u32>, Query, description = "1 to 100, default 20")),
    responses((status = 200, body = Paginated<ProductListItem>),
        (status = 400, description = "A code that is neither a barcode nor a SKU (or a barcode with a wrong check digit)"),
        (status = 404, description = "Invalid page.")))]
pub async fn list_products(
    State(state): State<AppState>,
    params: Params,
) -> Result<Json<Paginated<ProductListItem>>, ApiError> {
    let request = page_request(&params, 20, true)?;
    if let Some(code) = params.text("code") {
        let found = state.services.product_by_code(code).await?;
        let page =
            magasin_domain::paging::Page { count: u64::from(found.is_some()), items: found.into_iter().collect() };
        return Ok(Json(numbered(page, request, &params, ProductListItem::from)?));
    }
    let page = state.services.list_products(params.text("search"), request).await?;
    Ok(Json(numbered(page, request, &params, ProductListItem::from)?))
}

/// One product (the lab's shape).
#[utoipa::path(get, path = "/api/v1/products/{id}/", tag = "products",
    params(("id" = i64, Path)),
    responses((status = 200, body = ProductDto), (status = 404, body = crate::error::ErrorBody)))]
pub async fn get_product(State(state): State<AppState>, Path(id): Path<i64>) -> Result<Json<ProductDto>, ApiError> {
    Ok(Json(state.services.get_product(ProductId(id)).await?.into()))
}

/// Creates a product and its warehouse stock (`stock_initial`, default 0).
#[utoipa::path(post, path = "/api/v1/products/", tag = "products", request_body = ProductWrite,
    security(("token" = [])),
    responses((status = 201, body = ProductListItem), (status = 400, description = "`{\"<field>\": [\"<message>\"]}`"),
        (status = 401, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody, description = "Not allowed to the token's user (role or store)"), (status = 409, body = crate::error::ErrorBody, description = "Name already used")))]
pub async fn create_product(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ReqId(request_id): ReqId,
    AppJson(body): AppJson<Value>,
) -> Result<(StatusCode, Json<ProductListItem>), ApiError> {
    let input = product_input(body)?;
    let product = state.services.create_product(&actor, input, request_id).await?;
    Ok((StatusCode::CREATED, Json(product.into())))
}

/// Updates the fields the body names among `nom`, `categorie`, `prix`, `description` and
/// leaves the others as they are, with PUT (the lab's partial update) as with PATCH; any other
/// field is a 400.
#[utoipa::path(put, path = "/api/v1/products/{id}/", tag = "products", request_body = ProductWrite,
    params(("id" = i64, Path)), security(("token" = [])),
    responses((status = 200, body = ProductDto), (status = 400, description = "`{\"<field>\": [\"<message>\"]}`"),
        (status = 401, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody, description = "Not allowed to the token's user (role or store)"), (status = 404, body = crate::error::ErrorBody),
        (status = 409, body = crate::error::ErrorBody, description = "Name already used")))]
pub async fn update_product(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<i64>,
    AppJson(body): AppJson<Value>,
) -> Result<Json<ProductDto>, ApiError> {
    let input = product_input(body)?;
    Ok(Json(state.services.update_product(&actor, ProductId(id), input).await?.into()))
}
