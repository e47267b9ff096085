//! A store's reordering rules: read, set in bulk (JSON or CSV), remove one.

use super::route;
use crate::AppState;
use crate::api::extract::{AppJson, Params, ReqId};
use crate::auth::Caller;
use crate::error::ApiError;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use magasin_domain::reordering::{CSV_HEADER, ReorderRule, RuleInput, RuleMode, Suggestion};
use magasin_domain::{FieldError, ProductId, StoreId, ValidationCode, ValidationErrors};
use magasin_service::ServiceError;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleInputDto {
    /// Product id, once per body.
    pub produit: i64,
    /// 0 to 1,000,000: below it, the product needs goods.
    pub min: i64,
    /// 1 to 1,000,000, not below `min`: what to hold.
    pub max: i64,
    /// 1 to 10,000 (1 when absent): the product is asked for in whole multiples.
    #[serde(default = "one")]
    pub multiple: i64,
    /// `manuel` (absent: suggested) or `automatique` (asked for by magasin itself).
    #[serde(default)]
    pub mode: Option<String>,
}

fn one() -> i64 {
    1
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RulesInput {
    /// 1 to 5,000 rules; the store's other rules stay as they are.
    pub regles: Vec<RuleInputDto>,
}

impl RulesInput {
    /// The rules as the use cases take them (`manuel` when no mode is given).
    pub fn into_inputs(self) -> Vec<RuleInput> {
        self.regles
            .into_iter()
            .map(|r| RuleInput {
                produit: ProductId(r.produit),
                min: r.min,
                max: r.max,
                multiple: r.multiple,
                mode: r.mode.unwrap_or_else(|| RuleMode::Manual.as_str().to_string()),
            })
            .collect()
    }
}

#[derive(Serialize, ToSchema)]
pub struct RuleDto {
    pub produit: i64,
    pub produit_nom: String,
    pub min: i64,
    pub max: i64,
    pub multiple: i64,
    pub mode: String,
    pub modifiee_le: DateTime<Utc>,
    pub modifiee_par: String,
}

impl From<ReorderRule> for RuleDto {
    fn from(r: ReorderRule) -> Self {
        RuleDto {
            produit: r.produit.0,
            produit_nom: r.produit_nom,
            min: r.min,
            max: r.max,
            multiple: r.multiple,
            mode: r.mode.as_str().to_string(),
            modifiee_le: r.modifiee_le,
            modifiee_par: r.modifiee_par,
        }
    }
}

/// A product below its minimum, and what its store should ask for.
#[derive(Serialize, ToSchema)]
pub struct SuggestionDto {
    pub magasin: i64,
    pub produit: i64,
    pub produit_nom: String,
    /// What the store holds.
    pub disponible: i64,
    /// What its pending requests already ask for.
    pub en_attente: i64,
    pub min: i64,
    pub max: i64,
    pub multiple: i64,
    pub mode: String,
    /// What the warehouse holds.
    pub entrepot: i64,
    /// Up to `max` counting `disponible` and `en_attente`, rounded up to a whole `multiple`,
    /// capped by the warehouse (in whole multiples): 0 when the warehouse cannot serve one.
    pub a_demander: i64,
    /// Units sold less returned per day over the last 28 days.
    pub ventes_par_jour: f64,
    /// Days `disponible` lasts at that pace; null when nothing sold.
    pub jours_de_couverture: Option<f64>,
}

impl From<Suggestion> for SuggestionDto {
    fn from(s: Suggestion) -> Self {
        SuggestionDto {
            magasin: s.magasin.0,
            produit: s.produit.0,
            produit_nom: s.produit_nom,
            disponible: s.disponible,
            en_attente: s.en_attente,
            min: s.min,
            max: s.max,
            multiple: s.multiple,
            mode: s.mode.as_str().to_string(),
            entrepot: s.entrepot,
            a_demander: s.a_demander,
            ventes_par_jour: (s.ventes_par_jour * 100.0).round() / 100.0,
            jours_de_couverture: s.jours_de_couverture.map(|d| (d * 10.0).round() / 10.0),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct RulesSetDto {
    /// How many rules were set.
    pub regles: u64,
}

pub fn router() -> Router<AppState> {
    let r = route(Router::new(), "/api/v1/stores/{id}/rules/", get(store_rules).put(set_rules));
    let r = route(r, "/api/v1/stores/{id}/rules/csv/", post(import_rules));
    let r = route(r, "/api/v1/replenishments/suggestions/", get(suggestions));
    route(r, "/api/v1/stores/{id}/rules/{product}/", delete(delete_rule))
}

/// A store's reordering rules, by product.
#[utoipa::path(get, path = "/api/v1/stores/{id}/rules/", tag = "replenishment", params(("id" = i64, Path)),
    responses((status = 200, body = [RuleDto]), (status = 404, body = crate::error::ErrorBody)))]
pub async fn store_rules(State(state): State<AppState>, Path(id): Path<i64>) -> Result<Json<Vec<RuleDto>>, ApiError> {
    let rules = state.services.store_rules(StoreId(id)).await?;
    Ok(Json(rules.into_iter().map(RuleDto::from).collect()))
}

/// Sets the store's rules for the products named, in one transaction (a store's managers,
/// logistics, administrators). `max` below `min` is a 400 naming the rule.
#[utoipa::path(put, path = "/api/v1/stores/{id}/rules/", tag = "replenishment", request_body = RulesInput,
    params(("id" = i64, Path)), security(("token" = [])),
    responses((status = 200, body = RulesSetDto), (status = 400, description = "Invalid body or fields (`regles[i].max`…)"),
        (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody, description = "Unknown store or product"),
        (status = 413, body = crate::error::ErrorBody)))]
pub async fn set_rules(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ReqId(request_id): ReqId,
    Path(id): Path<i64>,
    AppJson(input): AppJson<RulesInput>,
) -> Result<Json<RulesSetDto>, ApiError> {
    let regles = state.services.set_rules(&actor, StoreId(id), input.into_inputs(), request_id).await?;
    Ok(Json(RulesSetDto { regles }))
}

/// Every product whose store holds and already asked for less than its rule's minimum, with what
/// to ask for and its days of cover; one store with `magasin`. One set query, whatever the number
/// of stores and products.
#[utoipa::path(get, path = "/api/v1/replenishments/suggestions/", tag = "replenishment",
    params(("magasin" = Option<i64>, Query, description = "Only this store")),
    responses((status = 200, body = [SuggestionDto]), (status = 400, description = "Invalid filter"),
        (status = 404, body = crate::error::ErrorBody, description = "Unknown store")))]
pub async fn suggestions(State(state): State<AppState>, params: Params) -> Result<Json<Vec<SuggestionDto>>, ApiError> {
    let store = params.integer("magasin")?.map(StoreId);
    let suggestions = state.services.suggestions(store).await?;
    Ok(Json(suggestions.into_iter().map(SuggestionDto::from).collect()))
}

/// Reads rules from CSV text: a header naming at least `produit`, `min` and `max` (and
/// optionally `multiple`, `mode`), then one rule per line. A bad line is named by its line number
/// (`ligne 3`).
pub(crate) fn parse_csv(text: &str) -> Result<Vec<RuleInput>, ValidationErrors> {
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).flexible(false).from_reader(text.as_bytes());
    let header = reader.headers().map_err(|_| ValidationErrors::single("csv", ValidationCode::Required))?.clone();
    let column = |name: &str| header.iter().position(|h| h == name);
    let (Some(produit), Some(min), Some(max)) = (column("produit"), column("min"), column("max")) else {
        let choices = CSV_HEADER.iter().map(|c| c.to_string()).collect();
        return Err(ValidationErrors::single("csv", ValidationCode::NotAChoice { choices }));
    };
    let (multiple, mode) = (column("multiple"), column("mode"));
    let mut errors = ValidationErrors::new();
    let mut inputs = Vec::new();
    for (n, record) in reader.records().enumerate() {
        let line = format!("ligne {}", n + 2);
        let Ok(record) = record else {
            errors.add(line, ValidationCode::NotAChoice { choices: Vec::new() });
            continue;
        };
        let number = |index: Option<usize>, default: i64, field: &str, errors: &mut ValidationErrors| match index
            .and_then(|i| record.get(i))
            .filter(|v| !v.is_empty())
        {
            None => Some(default),
            Some(v) => v
                .parse::<i64>()
                .map_err(|_| errors.add(format!("{line}.{field}"), ValidationCode::NotAWholeNumber))
                .ok(),
        };
        let read = (
            number(Some(produit), -1, "produit", &mut errors),
            number(Some(min), -1, "min", &mut errors),
            number(Some(max), -1, "max", &mut errors),
            number(multiple, 1, "multiple", &mut errors),
        );
        let mode = mode.and_then(|i| record.get(i)).filter(|v| !v.is_empty()).unwrap_or(RuleMode::Manual.as_str());
        if let (Some(p), Some(min), Some(max), Some(multiple)) = read {
            inputs.push(RuleInput { produit: ProductId(p), min, max, multiple, mode: mode.to_string() });
        }
    }
    errors.into_result(inputs)
}

/// `regles[i].field` → `ligne {i + 2}.field`: a CSV line as the person who wrote it counts them.
pub(crate) fn as_csv_lines(errors: ValidationErrors) -> ValidationErrors {
    let fields = errors.0.into_iter().map(|e| {
        let field = match e.field.strip_prefix("regles[").and_then(|rest| rest.split_once(']')) {
            Some((i, rest)) => i.parse::<usize>().map_or(e.field.clone(), |i| format!("ligne {}{rest}", i + 2)),
            None => e.field,
        };
        FieldError { field, code: e.code }
    });
    ValidationErrors(fields.collect())
}

/// Sets rules from a CSV body (`Content-Type: text/csv`): `produit,min,max,multiple,mode`, one
/// rule per line, as the rules page exports them. Errors name the line (`ligne 3.max`).
#[utoipa::path(post, path = "/api/v1/stores/{id}/rules/csv/", tag = "replenishment",
    request_body(content = String, content_type = "text/csv"), params(("id" = i64, Path)), security(("token" = [])),
    responses((status = 200, body = RulesSetDto), (status = 400, description = "Invalid CSV (`ligne N.field`)"),
        (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody), (status = 413, body = crate::error::ErrorBody)))]
pub async fn import_rules(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ReqId(request_id): ReqId,
    Path(id): Path<i64>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<RulesSetDto>, ApiError> {
    let body = body?;
    let text = std::str::from_utf8(&body).map_err(|_| ApiError::BadRequest("The CSV is not UTF-8 text.".into()))?;
    let inputs = parse_csv(text).map_err(ApiError::Fields)?;
    match state.services.set_rules(&actor, StoreId(id), inputs, request_id).await {
        Ok(regles) => Ok(Json(RulesSetDto { regles })),
        Err(ServiceError::Invalid(errors)) => Err(ApiError::Fields(as_csv_lines(errors))),
        Err(other) => Err(other.into()),
    }
}

/// Removes a store's rule of one product.
#[utoipa::path(delete, path = "/api/v1/stores/{id}/rules/{product}/", tag = "replenishment",
    params(("id" = i64, Path), ("product" = i64, Path)), security(("token" = [])),
    responses((status = 204), (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody, description = "No such rule")))]
pub async fn delete_rule(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ReqId(request_id): ReqId,
    Path((id, product)): Path<(i64, i64)>,
) -> Result<StatusCode, ApiError> {
    state.services.delete_rule(&actor, StoreId(id), ProductId(product), request_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_rules_name_their_line() {
        let read = parse_csv("produit,min,max,multiple,mode\n1,2,10,6,automatique\n 2 , 0 , 5 ,,\n").expect("valid");
        assert_eq!(read.len(), 2);
        assert_eq!((read[0].multiple, read[0].mode.as_str()), (6, "automatique"));
        assert_eq!((read[1].produit, read[1].multiple, read[1].mode.as_str()), (ProductId(2), 1, "manuel"));
        let bad = parse_csv("produit,min,max\n1,x,3\n").unwrap_err();
        assert_eq!(bad.0[0].field, "ligne 2.min");
        assert_eq!(parse_csv("nom,prix\n").unwrap_err().0[0].field, "csv");
        let remapped = as_csv_lines(ValidationErrors::single("regles[3].max", ValidationCode::BelowMin { min: 4 }));
        assert_eq!(remapped.0[0].field, "ligne 5.max");
    }
}
