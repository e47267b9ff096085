//! `/regles`: a store's reordering rules as a grid — per product of the store (searched, sorted
//! and paged as on `/stock`) its stock and its rule (min, max, multiple, manual or automatic),
//! saved a page at a time; rules pasted as CSV; the store's rules as CSV (`/regles.csv`).

use super::forms::{FieldErrors, Fields, Form, Query};
use super::layout::{Layout, UiError};
use super::link;
use super::report::spreadsheet_safe;
use super::session::{Flash, Visitor};
use super::stock::Listing;
use super::strings::current;
use crate::AppState;
use crate::api::v1::rules::{as_csv_lines, parse_csv};
use askama::Template;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use magasin_domain::reordering::{CSV_HEADER, RuleInput, RuleMode};
use magasin_domain::{ProductId, StoreId, ValidationCode, ValidationErrors};
use magasin_service::ServiceError;
use std::collections::HashMap;

/// One product of the grid, its rule as kept or as typed.
pub struct RuleRow {
    pub index: usize,
    pub product: i64,
    pub name: String,
    pub quantity: i64,
    pub min: String,
    pub max: String,
    pub multiple: String,
    pub automatic: bool,
    pub has_rule: bool,
    /// Below its minimum: the product needs goods.
    pub short: bool,
}

/// A product below its minimum: `(product, name, held, pending, min, max, to ask, days of cover)`.
pub type SuggestionRow = (i64, String, i64, i64, i64, i64, i64, String);

#[derive(Template)]
#[template(path = "rules.html")]
struct RulesPage {
    layout: Layout,
    suggestions: Vec<SuggestionRow>,
    stores: Vec<(i64, String)>,
    magasin: i64,
    listing: Listing,
    rows: Vec<RuleRow>,
    errors: FieldErrors,
    message: Option<String>,
    csv: String,
    export: String,
}

/// The store the visitor asked for, or the first one.
async fn chosen_store(state: &AppState, fields: &Fields) -> Result<(Vec<(i64, String)>, i64), UiError> {
    let stores = super::store_choices(state).await?;
    let wanted = fields.integer("magasin").ok().flatten();
    let magasin = wanted.filter(|m| stores.iter().any(|(id, _)| id == m)).or(stores.first().map(|s| s.0)).unwrap_or(0);
    Ok((stores, magasin))
}

async fn rules_page(
    state: &AppState,
    visitor: Visitor,
    query: &Fields,
    typed: Option<&Fields>,
    (errors, message, status): (FieldErrors, Option<String>, StatusCode),
) -> Result<Response, UiError> {
    let t = current();
    let (stores, magasin) = chosen_store(state, query).await?;
    let (listing, stock_query) = Listing::new("/regles", query, &[("magasin", magasin.to_string())]);
    let page = state.services.store_stock_page(StoreId(magasin), &stock_query).await?;
    let listing = listing.paged(&page, stock_query.page);
    let rules: HashMap<i64, _> =
        state.services.store_rules(StoreId(magasin)).await?.into_iter().map(|r| (r.produit.0, r)).collect();
    let rows = page
        .items
        .into_iter()
        .enumerate()
        .map(|(i, item)| {
            let index = i + 1;
            let rule = rules.get(&item.produit.0);
            let kept = |value: Option<i64>| value.map(|v| v.to_string()).unwrap_or_default();
            let typed_or = |name: &str, kept: String| typed.map_or(kept, |f| f.raw(&format!("{name}-{index}")));
            RuleRow {
                index,
                product: item.produit.0,
                name: item.produit_nom,
                quantity: item.quantite,
                min: typed_or("min", kept(rule.map(|r| r.min))),
                max: typed_or("max", kept(rule.map(|r| r.max))),
                multiple: typed_or("multiple", kept(rule.map(|r| r.multiple))),
                automatic: typed.map_or(rule.is_some_and(|r| r.mode == RuleMode::Automatic), |f| {
                    f.raw(&format!("mode-{index}")) == RuleMode::Automatic.as_str()
                }),
                has_rule: rule.is_some(),
                short: rule.is_some_and(|r| item.quantite < r.min),
            }
        })
        .collect();
    let suggestions = state.services.suggestions(Some(StoreId(magasin))).await?;
    let suggestions = suggestions
        .into_iter()
        .map(|s| {
            let cover = s.jours_de_couverture.map_or_else(|| "—".to_string(), |d| format!("{d:.0}"));
            (s.produit.0, s.produit_nom, s.disponible, s.en_attente, s.min, s.max, s.a_demander, cover)
        })
        .collect();
    let page = RulesPage {
        layout: visitor.layout(t.rules.title, "/stock"),
        suggestions,
        stores,
        export: link("/regles.csv", &[("magasin", magasin.to_string())], None),
        magasin,
        listing,
        rows,
        errors,
        message,
        csv: typed.map(|f| f.raw("csv")).unwrap_or_default(),
    };
    let mut response = visitor.page(&page)?;
    *response.status_mut() = status;
    Ok(response)
}

pub async fn page(State(state): State<AppState>, visitor: Visitor, Query(query): Query) -> Result<Response, UiError> {
    rules_page(&state, visitor, &query, None, (FieldErrors::default(), None, StatusCode::OK)).await
}

/// The grid as posted: the rules to set (with the row of each), the products whose rule was
/// emptied, and the fields that are not whole numbers.
fn read_grid(fields: &Fields, errors: &mut FieldErrors) -> (Vec<RuleInput>, Vec<usize>, Vec<ProductId>) {
    let rows = fields.integer("lignes").ok().flatten().and_then(|n| usize::try_from(n).ok()).unwrap_or(0).min(100);
    let (mut inputs, mut indexes, mut emptied) = (Vec::new(), Vec::new(), Vec::new());
    for index in 1..=rows {
        let Ok(Some(product)) = fields.integer(&format!("produit-{index}")) else { continue };
        let typed = |name: &str| fields.raw(&format!("{name}-{index}")).trim().to_string();
        let (min, max, multiple) = (typed("min"), typed("max"), typed("multiple"));
        if min.is_empty() && max.is_empty() {
            if fields.raw(&format!("regle-{index}")) == "1" {
                emptied.push(ProductId(product));
            }
            continue;
        }
        let mut number = |name: &str, text: &str, default: i64| {
            if text.is_empty() && default > 0 {
                return Some(default);
            }
            text.parse::<i64>()
                .map_err(|_| errors.add_code(&format!("{name}-{index}"), &ValidationCode::NotAWholeNumber))
                .ok()
        };
        let read = (number("min", &min, -1), number("max", &max, -1), number("multiple", &multiple, 1));
        if let (Some(min), Some(max), Some(multiple)) = read {
            let mode = fields.text(&format!("mode-{index}")).unwrap_or(RuleMode::Manual.as_str()).to_string();
            inputs.push(RuleInput { produit: ProductId(product), min, max, multiple, mode });
            indexes.push(index);
        }
    }
    (inputs, indexes, emptied)
}

/// The service's refusal of a grid: each rule's message next to its field of its row.
fn next_to_rows(errors: &ValidationErrors, indexes: &[usize], into: &mut FieldErrors) {
    let t = current();
    for e in &errors.0 {
        let text = (t.validation)(&e.code);
        let row = e.field.strip_prefix("regles[").and_then(|rest| rest.split_once("].")).and_then(|(i, field)| {
            i.parse::<usize>().ok().and_then(|i| indexes.get(i)).map(|index| format!("{field}-{index}"))
        });
        into.add(row.as_deref().unwrap_or("grille"), &text);
    }
}

pub async fn save(State(state): State<AppState>, visitor: Visitor, Form(fields): Form) -> Result<Response, UiError> {
    let t = current();
    let (_, magasin) = chosen_store(&state, &fields).await?;
    let back = link("/regles", &[("magasin", magasin.to_string()), ("page", fields.raw("page"))], None);
    let mut errors = FieldErrors::default();
    let (inputs, indexes, emptied) = read_grid(&fields, &mut errors);
    if !errors.is_empty() {
        let refused = (errors, None, StatusCode::BAD_REQUEST);
        return rules_page(&state, visitor, &fields, Some(&fields), refused).await;
    }
    let actor = visitor.actor()?;
    let mut saved = 0;
    if !inputs.is_empty() {
        match state.services.set_rules(&actor, StoreId(magasin), inputs, None).await {
            Ok(count) => saved = count,
            Err(ServiceError::Invalid(invalid)) => {
                next_to_rows(&invalid, &indexes, &mut errors);
                let refused = (errors, None, StatusCode::BAD_REQUEST);
                return rules_page(&state, visitor, &fields, Some(&fields), refused).await;
            }
            Err(other) => return Err(other.into()),
        }
    }
    for product in &emptied {
        state.services.delete_rule(&actor, StoreId(magasin), *product, None).await?;
    }
    Ok(visitor.redirect(&back, Flash::success((t.rules.saved)(saved, emptied.len()))))
}

/// Turns the store's suggestions into its request of the day, and comes back saying so.
pub async fn apply_suggestions(
    State(state): State<AppState>,
    visitor: Visitor,
    Form(fields): Form,
) -> Result<Response, UiError> {
    let t = current();
    let Some(magasin) = fields.integer("magasin").ok().flatten() else {
        return Ok(visitor.redirect("/regles", Flash::error(t.fix_the_form.to_string())));
    };
    let back = link("/regles", &[("magasin", magasin.to_string())], None);
    let flash = match state.services.apply_suggestions(&visitor.actor()?, Some(StoreId(magasin)), None).await {
        Ok(raised) => {
            let created = raised.iter().filter(|r| r.created).count();
            Flash::success((t.rules.applied)(created, raised.len() - created))
        }
        Err(ServiceError::Storage(magasin_domain::StorageError::NotFound { entity, id })) => {
            Flash::error((t.no_such)(entity, id))
        }
        Err(other) => return Err(other.into()),
    };
    Ok(visitor.redirect(&back, flash))
}

pub async fn import(State(state): State<AppState>, visitor: Visitor, Form(fields): Form) -> Result<Response, UiError> {
    let t = current();
    let (_, magasin) = chosen_store(&state, &fields).await?;
    let refused = |invalid: &ValidationErrors| {
        let lines: Vec<String> =
            invalid.0.iter().take(10).map(|e| format!("{} : {}", e.field, (t.validation)(&e.code))).collect();
        (FieldErrors::default(), Some(lines.join(" · ")), StatusCode::BAD_REQUEST)
    };
    let inputs = match parse_csv(&fields.raw("csv")) {
        Ok(inputs) => inputs,
        Err(invalid) => return rules_page(&state, visitor, &fields, Some(&fields), refused(&invalid)).await,
    };
    match state.services.set_rules(&visitor.actor()?, StoreId(magasin), inputs, None).await {
        Ok(count) => {
            let back = link("/regles", &[("magasin", magasin.to_string())], None);
            Ok(visitor.redirect(&back, Flash::success((t.rules.saved)(count, 0))))
        }
        Err(ServiceError::Invalid(invalid)) => {
            rules_page(&state, visitor, &fields, Some(&fields), refused(&as_csv_lines(invalid))).await
        }
        Err(ServiceError::Storage(magasin_domain::StorageError::NotFound { entity, id })) => {
            let message = Some((t.no_such)(entity, id));
            rules_page(
                &state,
                visitor,
                &fields,
                Some(&fields),
                (FieldErrors::default(), message, StatusCode::NOT_FOUND),
            )
            .await
        }
        Err(other) => Err(other.into()),
    }
}

pub async fn csv(State(state): State<AppState>, Query(query): Query) -> Result<Response, UiError> {
    let (_, magasin) = chosen_store(&state, &query).await?;
    let rules = state.services.store_rules(StoreId(magasin)).await?;
    let mut writer = csv::Writer::from_writer(Vec::new());
    let failed = |e: csv::Error| UiError::Internal(e.to_string());
    writer.write_record(CSV_HEADER).map_err(failed)?;
    for r in rules {
        let cells = [
            r.produit.0.to_string(),
            r.min.to_string(),
            r.max.to_string(),
            r.multiple.to_string(),
            r.mode.as_str().into(),
        ];
        writer.write_record(cells.iter().map(|c| spreadsheet_safe(c).into_owned())).map_err(failed)?;
    }
    let body = writer.into_inner().map_err(|e| UiError::Internal(e.to_string()))?;
    let disposition = format!("attachment; filename=\"regles-magasin-{magasin}.csv\"");
    Ok((
        [(header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()), (header::CONTENT_DISPOSITION, disposition)],
        body,
    )
        .into_response())
}
