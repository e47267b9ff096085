//! `/produits`: the catalogue with search, and the create and edit forms (per-field messages
//! from the domain's validation; the form keeps what was typed).

use super::forms::{FieldErrors, Fields, Form, Query};
use super::layout::{Layout, UiError};
use super::session::{Flash, Visitor};
use super::strings::current;
use super::{link, parse_id};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use magasin_domain::catalogue::{Product, ProductInput};
use magasin_domain::paging::PageRequest;
use magasin_domain::{ProductId, StorageError};
use magasin_service::ServiceError;

const PRODUCTS_PER_PAGE: u32 = 20;

pub struct ProductRow {
    pub id: i64,
    pub name: String,
    pub category: String,
    pub price: String,
    pub barcode: String,
}

#[derive(Template)]
#[template(path = "products.html")]
struct ProductsPage {
    layout: Layout,
    q: String,
    rows: Vec<ProductRow>,
    previous: Option<String>,
    next: Option<String>,
    /// The import form: the text as pasted, and why it was refused.
    csv: String,
    refusal: Option<String>,
}

pub async fn list(State(state): State<AppState>, visitor: Visitor, Query(query): Query) -> Result<Response, UiError> {
    list_page(&state, visitor, query.raw("q"), query.integer("page").ok().flatten(), String::new(), None).await
}

/// The catalogue's page `page` for the search `q`, with the import form holding `csv`.
async fn list_page(
    state: &AppState,
    visitor: Visitor,
    q: String,
    page: Option<i64>,
    csv: String,
    refusal: Option<(String, StatusCode)>,
) -> Result<Response, UiError> {
    let t = current();
    let number = page.and_then(|p| u32::try_from(p).ok()).unwrap_or(1);
    let request = PageRequest::new(number, PRODUCTS_PER_PAGE);
    let page = state.services.list_products(Some(q.as_str()), request).await?;
    let search = [("q", q.clone())];
    let page_link = |p: u32| link("/produits", &search, Some(("page", p.to_string())));
    let view = ProductsPage {
        layout: visitor.layout(t.products_title, "/produits"),
        previous: (request.page > 1).then(|| page_link(request.page - 1)),
        next: page.has_next(request).then(|| page_link(request.page + 1)),
        q,
        csv,
        refusal: refusal.as_ref().map(|(why, _)| why.clone()),
        rows: page
            .items
            .into_iter()
            .map(|p| ProductRow {
                id: p.id.0,
                name: p.nom,
                category: p.categorie,
                price: (t.money)(p.prix),
                barcode: p.code_barres.unwrap_or_default(),
            })
            .collect(),
    };
    let mut response = visitor.page(&view)?;
    if let Some((_, status)) = refusal {
        *response.status_mut() = status;
    }
    Ok(response)
}

/// Imports the catalogue from the CSV pasted in the form, all or nothing; refused, the page
/// comes back with the text as pasted and why (the first ten lines at fault).
pub async fn import(State(state): State<AppState>, visitor: Visitor, Form(fields): Form) -> Result<Response, UiError> {
    let t = current();
    let text = fields.raw("csv");
    let refused = |invalid: &magasin_domain::ValidationErrors| {
        let lines: Vec<String> =
            invalid.0.iter().take(10).map(|e| format!("{} : {}", e.field, (t.validation)(&e.code))).collect();
        (lines.join(" · "), StatusCode::BAD_REQUEST)
    };
    let rows = match crate::api::v1::catalogue_csv::parse_csv(&text) {
        Ok(rows) => rows,
        Err(invalid) => return list_page(&state, visitor, String::new(), None, text, Some(refused(&invalid))).await,
    };
    let created = rows.iter().filter(|(id, _)| id.is_none()).count();
    let refusal = match state.services.import_catalogue(&visitor.actor()?, rows, None).await {
        Ok(written) => {
            let flash = Flash::success((t.catalogue_imported)(created, written.len() - created));
            return Ok(visitor.redirect("/produits", flash));
        }
        Err(ServiceError::Invalid(invalid)) => refused(&invalid),
        Err(ServiceError::Storage(StorageError::Conflict(why))) => (why, StatusCode::CONFLICT),
        Err(ServiceError::Storage(StorageError::NotFound { entity, id })) => {
            ((t.no_such)(entity, id), StatusCode::NOT_FOUND)
        }
        Err(other) => return Err(other.into()),
    };
    list_page(&state, visitor, String::new(), None, text, Some(refusal)).await
}

/// The product form as shown: values (as typed, or as stored) and messages.
pub struct ProductForm {
    pub action: String,
    pub nom: String,
    pub categorie: String,
    pub prix: String,
    pub description: String,
    pub sku: String,
    pub code_barres: String,
    pub errors: FieldErrors,
}

impl ProductForm {
    fn of(product: &Product) -> Self {
        ProductForm {
            action: format!("/produits/{}", product.id),
            nom: product.nom.clone(),
            categorie: product.categorie.clone(),
            prix: product.prix.to_string(),
            description: product.description.clone().unwrap_or_default(),
            sku: product.sku.clone().unwrap_or_default(),
            code_barres: product.code_barres.clone().unwrap_or_default(),
            errors: FieldErrors::default(),
        }
    }

    fn typed(action: String, fields: &Fields) -> Self {
        ProductForm {
            action,
            nom: fields.raw("nom"),
            categorie: fields.raw("categorie"),
            prix: fields.raw("prix"),
            description: fields.raw("description"),
            sku: fields.raw("sku"),
            code_barres: fields.raw("code_barres"),
            errors: FieldErrors::default(),
        }
    }

    /// The inputs in order: name, label, value, input mode, message.
    pub fn inputs(&self) -> [(&'static str, &'static str, &str, &'static str, String); 6] {
        let t = current();
        [
            ("nom", t.product, self.nom.as_str(), "text", self.errors.of("nom")),
            ("categorie", t.category, self.categorie.as_str(), "text", self.errors.of("categorie")),
            ("prix", t.price, self.prix.as_str(), "decimal", self.errors.of("prix")),
            ("description", t.description, self.description.as_str(), "text", self.errors.of("description")),
            ("sku", t.sku, self.sku.as_str(), "text", self.errors.of("sku")),
            ("code_barres", t.barcode, self.code_barres.as_str(), "numeric", self.errors.of("code_barres")),
        ]
    }

    /// What the service validates. A decimal comma is read as a point ("12,50" is 12.50); a
    /// blank code clears it.
    fn input(&self) -> ProductInput {
        let description = Some(self.description.trim()).filter(|d| !d.is_empty()).map(str::to_string);
        ProductInput {
            nom: Some(self.nom.clone()),
            categorie: Some(self.categorie.clone()),
            prix: Some(self.prix.trim().replace(',', ".")),
            description: Some(description),
            stock_initial: None,
            sku: Some(Some(self.sku.clone())),
            code_barres: Some(Some(self.code_barres.clone())),
        }
    }
}

#[derive(Template)]
#[template(path = "product_form.html")]
struct ProductPage {
    layout: Layout,
    form: ProductForm,
    creating: bool,
}

fn form_page(visitor: Visitor, form: ProductForm, status: StatusCode) -> Result<Response, UiError> {
    let t = current();
    let creating = form.action == "/produits/nouveau";
    let title = if creating { t.new_product } else { t.edit_product };
    let page = ProductPage { layout: visitor.layout(title, "/produits"), form, creating };
    let mut response = visitor.page(&page)?;
    *response.status_mut() = status;
    Ok(response)
}

/// Saved: to the product's page with a flash. Invalid: the form again with each field's message.
fn outcome(
    visitor: Visitor,
    mut form: ProductForm,
    saved: Result<Product, ServiceError>,
    message: fn(&str) -> String,
) -> Result<Response, UiError> {
    match saved {
        Ok(product) => {
            Ok(visitor.redirect(&format!("/produits/{}", product.id), Flash::success(message(&product.nom))))
        }
        Err(ServiceError::Invalid(errors)) => {
            form.errors = FieldErrors::from_service(&errors);
            form_page(visitor, form, StatusCode::BAD_REQUEST)
        }
        // A code another product holds: said beside the field, the form kept.
        Err(ServiceError::Storage(StorageError::Conflict(message))) if message.contains("already has the") => {
            let field = if message.contains("SKU") { "sku" } else { "code_barres" };
            form.errors.add(field, &message);
            form_page(visitor, form, StatusCode::CONFLICT)
        }
        Err(other) => Err(other.into()),
    }
}

pub async fn new_form(visitor: Visitor) -> Result<Response, UiError> {
    form_page(visitor, ProductForm::typed("/produits/nouveau".into(), &Fields::default()), StatusCode::OK)
}

pub async fn create(State(state): State<AppState>, visitor: Visitor, Form(fields): Form) -> Result<Response, UiError> {
    let form = ProductForm::typed("/produits/nouveau".into(), &fields);
    let saved = state.services.create_product(&visitor.actor()?, form.input(), None).await;
    outcome(visitor, form, saved, current().product_created)
}

pub async fn edit_form(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Result<Response, UiError> {
    let product = state.services.get_product(ProductId(parse_id(&id)?)).await?;
    form_page(visitor, ProductForm::of(&product), StatusCode::OK)
}

pub async fn update(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
    Form(fields): Form,
) -> Result<Response, UiError> {
    let id = parse_id(&id)?;
    let form = ProductForm::typed(format!("/produits/{id}"), &fields);
    let saved = state.services.update_product(&visitor.actor()?, ProductId(id), form.input()).await;
    outcome(visitor, form, saved, current().product_updated)
}
