//! End-of-day closes (clôtures de caisse) of a store: close a day with the cash counted, read a
//! day's close or its figures before closing, list the closes, export them as CSV.

use super::pagination::{CursorPaginated, cursor, cursor_request};
use super::route;
use crate::AppState;
use crate::api::extract::{AppJson, Params, ReqId};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::fields::day;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono::{DateTime, NaiveDate, Utc};
use magasin_domain::closing::{ClosingQuery, ClosingRequest, DayClosing, DayFigures, method_name};
use magasin_domain::{StoreId, ValidationCode, ValidationErrors};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub fn router() -> Router<AppState> {
    let r = route(Router::new(), "/api/v1/stores/{id}/closings/", get(list_closings).post(close_day));
    let r = route(r, "/api/v1/stores/{id}/closings/csv/", get(export));
    let r = route(r, "/api/v1/stores/{id}/closings/{jour}/", get(get_closing));
    route(r, "/api/v1/stores/{id}/closings/{jour}/preview/", get(preview))
}

#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClosingInput {
    /// The day closed, `YYYY-MM-DD` (UTC, as a sale's day): today or a day past.
    pub jour: String,
    /// The cash counted in the till, a decimal string (or a number) from 0 to 10000000.00.
    #[schema(value_type = String, example = "123.45")]
    pub especes_comptees: serde_json::Value,
    /// Up to 500 characters, no control character.
    #[serde(default)]
    pub note: String,
}

#[derive(Serialize, ToSchema)]
pub struct MethodTotalDto {
    /// `especes`, `carte`, `autre`, or `non_precise` for sales recorded without a payment.
    pub mode: String,
    pub ventes: i64,
    #[schema(example = "1234.50")]
    pub montant: String,
}

/// A store's day: its standing sales by payment method (every method, zero included), its
/// cancellations and returns, and the cash expected in the till.
#[derive(Serialize, ToSchema)]
pub struct DayFiguresDto {
    pub magasin: i64,
    pub magasin_nom: String,
    pub jour: NaiveDate,
    pub paiements: Vec<MethodTotalDto>,
    /// Sales of the day not cancelled.
    pub ventes: i64,
    /// Sales of the store cancelled during the day (whatever day they were made).
    pub annulations: i64,
    /// Returns taken back during the day, and what they refunded.
    pub retours: i64,
    #[schema(example = "89.99")]
    pub retours_montant: String,
    /// Cash sales of the day less the day's returns (refunds are paid in cash).
    #[schema(example = "1144.51")]
    pub especes_attendues: String,
}

impl From<&DayFigures> for DayFiguresDto {
    fn from(f: &DayFigures) -> Self {
        DayFiguresDto {
            magasin: f.magasin.0,
            magasin_nom: f.magasin_nom.clone(),
            jour: f.jour,
            paiements: f
                .paiements
                .iter()
                .map(|t| MethodTotalDto {
                    mode: method_name(t.mode).to_string(),
                    ventes: t.ventes,
                    montant: t.montant.to_string(),
                })
                .collect(),
            ventes: f.ventes,
            annulations: f.annulations,
            retours: f.retours,
            retours_montant: f.retours_montant.to_string(),
            especes_attendues: f.expected_cash().to_string(),
        }
    }
}

/// A day's figures before it is closed, and whether it is closed already.
#[derive(Serialize, ToSchema)]
pub struct PreviewDto {
    pub cloturee: bool,
    #[serde(flatten)]
    pub chiffres: DayFiguresDto,
}

/// A recorded close: the day's figures as they stood, the cash counted and the difference.
#[derive(Serialize, ToSchema)]
pub struct ClosingDto {
    pub id: i64,
    #[serde(flatten)]
    pub chiffres: DayFiguresDto,
    #[schema(example = "1144.50")]
    pub especes_comptees: String,
    /// Counted less expected: negative when cash is missing.
    #[schema(example = "-0.01")]
    pub ecart: String,
    pub note: String,
    /// Who closed the day, and when.
    pub acteur: String,
    pub date: DateTime<Utc>,
}

impl From<DayClosing> for ClosingDto {
    fn from(c: DayClosing) -> Self {
        let mut chiffres = DayFiguresDto::from(&c.figures);
        // The expected cash as the close recorded it.
        chiffres.especes_attendues = c.especes_attendues.to_string();
        ClosingDto {
            id: c.id,
            chiffres,
            especes_comptees: c.especes_comptees.to_string(),
            ecart: c.ecart.to_string(),
            note: c.note,
            acteur: c.acteur,
            date: c.date,
        }
    }
}

/// The body as the domain reads it: fields `jour` and `especes_comptees`.
fn closing_request(store: StoreId, input: ClosingInput) -> Result<ClosingRequest, ApiError> {
    let mut errors = ValidationErrors::new();
    let jour = day(input.jour.trim()).map_err(|code| errors.add("jour", code)).ok();
    let counted = match input.especes_comptees {
        serde_json::Value::String(s) => s,
        serde_json::Value::Number(n) => n.to_string(),
        serde_json::Value::Null => String::new(),
        _ => {
            errors.add("especes_comptees", ValidationCode::NotANumber);
            String::new()
        }
    };
    let request = jour.map(|jour| ClosingRequest { magasin: store, jour, especes_comptees: counted, note: input.note });
    match request {
        Some(request) if errors.is_empty() => Ok(request),
        _ => Err(ApiError::Fields(errors)),
    }
}

/// The days `du` and `au` (inclusive): `du` after `au` is a 400.
fn day_range(params: &Params) -> Result<(Option<NaiveDate>, Option<NaiveDate>), ApiError> {
    let (from, to) = (params.date("du")?, params.date("au")?);
    if let (Some(from), Some(to)) = (from, to)
        && from > to
    {
        return Err(ApiError::field("du", ValidationCode::AfterEnd { end: "au".into() }));
    }
    Ok((from, to))
}

/// A day named in the path.
fn path_day(text: &str) -> Result<NaiveDate, ApiError> {
    day(text).map_err(|code| ApiError::field("jour", code))
}

/// Closes a store's day once, with the cash counted. The figures (sales by payment method,
/// cancellations, returns, expected cash) are read in the close's transaction; the day is then
/// read-only: sales, cancellations and returns of the store on that day answer 409.
#[utoipa::path(post, path = "/api/v1/stores/{id}/closings/", tag = "sales", request_body = ClosingInput,
    params(("id" = i64, Path)), security(("token" = [])),
    responses((status = 201, body = ClosingDto), (status = 400, description = "Invalid body or fields, or a day to come"),
        (status = 401, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody, description = "Not allowed to the token's user (role or store)"),
        (status = 404, body = crate::error::ErrorBody, description = "Unknown store"),
        (status = 409, body = crate::error::ErrorBody, description = "The day is closed already")))]
pub async fn close_day(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ReqId(request_id): ReqId,
    Path(id): Path<i64>,
    AppJson(input): AppJson<ClosingInput>,
) -> Result<Response, ApiError> {
    let request = closing_request(StoreId(id), input)?;
    let close = state.services.close_day(&actor, request, request_id).await?;
    Ok((StatusCode::CREATED, Json(ClosingDto::from(close))).into_response())
}

/// A store's closes, the last recorded first, within a range of days (inclusive; `du` after
/// `au` is a 400).
#[utoipa::path(get, path = "/api/v1/stores/{id}/closings/", tag = "sales",
    params(("id" = i64, Path), ("du" = Option<String>, Query, description = "YYYY-MM-DD"),
        ("au" = Option<String>, Query, description = "YYYY-MM-DD"), ("before" = Option<i64>, Query), ("page_size" = Option<u32>, Query)),
    responses((status = 200, body = CursorPaginated<ClosingDto>), (status = 400, description = "Invalid filter"),
        (status = 404, body = crate::error::ErrorBody, description = "Unknown store")))]
pub async fn list_closings(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    params: Params,
) -> Result<Json<CursorPaginated<ClosingDto>>, ApiError> {
    let (from, to) = day_range(&params)?;
    let query = ClosingQuery { magasin: StoreId(id), from, to, cursor: cursor_request(&params)? };
    let page = state.services.list_closings(&query).await?;
    Ok(Json(cursor(page, &params, ClosingDto::from)))
}

/// The close of a store's day; 404 when the day is not closed (see `preview`).
#[utoipa::path(get, path = "/api/v1/stores/{id}/closings/{jour}/", tag = "sales",
    params(("id" = i64, Path), ("jour" = String, Path, description = "YYYY-MM-DD")),
    responses((status = 200, body = ClosingDto), (status = 400, description = "Invalid day"),
        (status = 404, body = crate::error::ErrorBody, description = "Unknown store, or the day is not closed")))]
pub async fn get_closing(
    State(state): State<AppState>,
    Path((id, jour)): Path<(i64, String)>,
) -> Result<Json<ClosingDto>, ApiError> {
    let jour = path_day(&jour)?;
    match state.services.get_closing(StoreId(id), jour).await? {
        Some(close) => Ok(Json(close.into())),
        None => Err(ApiError::NotFound(format!("Store {id} has no close for {jour}."))),
    }
}

/// A store's day as a close would keep it now, and whether it is closed already: what the
/// till should hold before the cash is counted.
#[utoipa::path(get, path = "/api/v1/stores/{id}/closings/{jour}/preview/", tag = "sales",
    params(("id" = i64, Path), ("jour" = String, Path, description = "YYYY-MM-DD")),
    responses((status = 200, body = PreviewDto), (status = 400, description = "Invalid day"),
        (status = 404, body = crate::error::ErrorBody, description = "Unknown store")))]
pub async fn preview(
    State(state): State<AppState>,
    Path((id, jour)): Path<(i64, String)>,
) -> Result<Json<PreviewDto>, ApiError> {
    let jour = path_day(&jour)?;
    let (figures, close) = tokio::try_join!(
        state.services.day_figures(StoreId(id), Some(jour)),
        state.services.get_closing(StoreId(id), jour)
    )?;
    Ok(Json(PreviewDto { cloturee: close.is_some(), chiffres: DayFiguresDto::from(&figures) }))
}

/// The CSV columns of the export, one close per line.
pub const CSV_COLUMNS: [&str; 21] = [
    "magasin",
    "magasin_nom",
    "jour",
    "ventes",
    "especes_ventes",
    "especes",
    "carte_ventes",
    "carte",
    "autre_ventes",
    "autre",
    "non_precise_ventes",
    "non_precise",
    "annulations",
    "retours",
    "retours_montant",
    "especes_attendues",
    "especes_comptees",
    "ecart",
    "acteur",
    "date",
    "note",
];

/// Closes as CSV text in the columns of [`CSV_COLUMNS`], a day per line in the order given.
pub fn to_csv(closes: &[DayClosing]) -> Result<Vec<u8>, csv::Error> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(CSV_COLUMNS)?;
    for c in closes {
        let f = &c.figures;
        let mut record = vec![f.magasin.0.to_string(), f.magasin_nom.clone(), f.jour.to_string(), f.ventes.to_string()];
        for t in &f.paiements {
            record.push(t.ventes.to_string());
            record.push(t.montant.to_string());
        }
        record.extend([
            f.annulations.to_string(),
            f.retours.to_string(),
            f.retours_montant.to_string(),
            c.especes_attendues.to_string(),
            c.especes_comptees.to_string(),
            c.ecart.to_string(),
            c.acteur.clone(),
            c.date.to_rfc3339(),
            c.note.clone(),
        ]);
        writer.write_record(&record)?;
    }
    writer.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}

/// A store's closes as CSV, by day, within a range of days (inclusive; every day by default).
#[utoipa::path(get, path = "/api/v1/stores/{id}/closings/csv/", tag = "sales",
    params(("id" = i64, Path), ("du" = Option<String>, Query, description = "YYYY-MM-DD"),
        ("au" = Option<String>, Query, description = "YYYY-MM-DD")),
    responses((status = 200, content_type = "text/csv", body = String), (status = 400, description = "Invalid day"),
        (status = 404, body = crate::error::ErrorBody, description = "Unknown store")))]
pub async fn export(State(state): State<AppState>, Path(id): Path<i64>, params: Params) -> Result<Response, ApiError> {
    let (from, to) = day_range(&params)?;
    let closes = state.services.closings_by_day(StoreId(id), from, to).await?;
    let body = to_csv(&closes).map_err(|e| ApiError::Internal(e.to_string()))?;
    let disposition = format!("attachment; filename=\"clotures-magasin-{id}.csv\"");
    Ok((
        [(header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()), (header::CONTENT_DISPOSITION, disposition)],
        body,
    )
        .into_response())
}
