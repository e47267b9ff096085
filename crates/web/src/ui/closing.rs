//! `/cloture`: a store's end-of-day close. The page shows a store's day (the visitor's store
//! and today by default): its sales by payment method, cancellations, returns and the cash
//! expected; a form takes the cash counted and closes the day; a closed day shows its close,
//! read-only, with the difference. The store's last closes are listed, with their export.

use super::forms::{FieldErrors, Fields, Form, Query};
use super::layout::{Layout, UiError};
use super::link;
use super::session::{Flash, Visitor};
use super::strings::{Strings, current};
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{NaiveDate, Utc};
use magasin_domain::accounts::{Action, Actor};
use magasin_domain::closing::{ClosingQuery, ClosingRequest, DayClosing, DayFigures};
use magasin_domain::paging::CursorRequest;
use magasin_domain::{StorageError, StoreId};
use magasin_service::ServiceError;

/// Closes listed under the form.
const RECENT: u32 = 10;

/// The form as the visitor left it.
struct ClosingForm {
    magasin: i64,
    jour: NaiveDate,
    counted: String,
    note: String,
    errors: FieldErrors,
    message: Option<String>,
}

impl ClosingForm {
    /// The store and day of `fields` (a bad value is shown next to its field, and the default used).
    fn from_fields(fields: &Fields) -> Self {
        let mut errors = FieldErrors::default();
        let magasin = errors.check(fields.integer("magasin")).unwrap_or(0);
        let jour = errors.check(fields.date("jour")).unwrap_or_else(|| Utc::now().date_naive());
        ClosingForm {
            magasin,
            jour,
            counted: fields.raw("especes_comptees"),
            note: fields.raw("note"),
            errors,
            message: None,
        }
    }
}

/// One line of the figures: a label, a count and an amount.
pub struct FigureLine {
    pub label: &'static str,
    pub count: i64,
    pub amount: String,
}

/// The day's figures as the page shows them.
pub struct FiguresView {
    pub methods: Vec<FigureLine>,
    pub sales: i64,
    pub cancellations: i64,
    pub returns: FigureLine,
    pub expected: String,
}

impl FiguresView {
    fn new(f: &DayFigures, t: &Strings) -> Self {
        let money = t.money;
        FiguresView {
            methods: f
                .paiements
                .iter()
                .map(|p| FigureLine {
                    label: p.mode.map_or(t.closing.unspecified, t.payment.name),
                    count: p.ventes,
                    amount: money(p.montant),
                })
                .collect(),
            sales: f.ventes,
            cancellations: f.annulations,
            returns: FigureLine { label: t.closing.returns, count: f.retours, amount: money(f.retours_montant) },
            expected: money(f.expected_cash()),
        }
    }
}

/// A recorded close as the page shows it.
pub struct CloseView {
    pub day: String,
    pub day_value: String,
    pub sales: i64,
    pub expected: String,
    pub counted: String,
    pub difference: String,
    pub note: String,
    pub closed_by: String,
}

impl CloseView {
    fn new(c: &DayClosing, t: &Strings) -> Self {
        CloseView {
            day: c.figures.jour.format("%d/%m/%Y").to_string(),
            day_value: c.figures.jour.to_string(),
            sales: c.figures.ventes,
            expected: (t.money)(c.especes_attendues),
            counted: (t.money)(c.especes_comptees),
            difference: (t.money)(c.ecart),
            note: c.note.clone(),
            closed_by: (t.closing.closed_by)(&c.acteur, &c.date.format(t.datetime_format).to_string()),
        }
    }
}

#[derive(Template)]
#[template(path = "closing.html")]
struct ClosingPage {
    layout: Layout,
    stores: Vec<(i64, String)>,
    form: ClosingForm,
    figures: FiguresView,
    /// The day's close, when it is closed.
    closed: Option<CloseView>,
    can_close: bool,
    recent: Vec<CloseView>,
    export: String,
}

/// The store shown: the one asked for when it exists, else the first the visitor may close.
fn shown_store(stores: &[(i64, String)], wanted: i64, actor: Option<&Actor>) -> i64 {
    if stores.iter().any(|(id, _)| *id == wanted) {
        return wanted;
    }
    let may = |id: i64| actor.is_none_or(|a| a.may(&Action::CloseTill(StoreId(id))));
    stores.iter().map(|(id, _)| *id).find(|id| may(*id)).or(stores.first().map(|(id, _)| *id)).unwrap_or(0)
}

async fn closing_page(
    state: &AppState,
    visitor: Visitor,
    mut form: ClosingForm,
    status: StatusCode,
) -> Result<Response, UiError> {
    let t = current();
    let stores = super::store_choices(state).await?;
    let actor = visitor.actor().ok();
    form.magasin = shown_store(&stores, form.magasin, actor.as_ref());
    let store = StoreId(form.magasin);
    let recent = ClosingQuery { magasin: store, from: None, to: None, cursor: CursorRequest::new(None, RECENT) };
    let (figures, closed, recent) = tokio::try_join!(
        state.services.day_figures(store, Some(form.jour)),
        state.services.get_closing(store, form.jour),
        state.services.list_closings(&recent),
    )?;
    let today = Utc::now().date_naive();
    let may_close = actor.as_ref().is_none_or(|a| a.may(&Action::CloseTill(store)));
    let from = (today - chrono::Duration::days(30)).to_string();
    let page = ClosingPage {
        layout: visitor.layout(t.closing.title, "/cloture"),
        figures: FiguresView::new(closed.as_ref().map_or(&figures, |c| &c.figures), t),
        can_close: closed.is_none() && may_close && form.jour <= today,
        closed: closed.as_ref().map(|c| CloseView::new(c, t)),
        recent: recent.items.iter().map(|c| CloseView::new(c, t)).collect(),
        export: link(
            &format!("/api/v1/stores/{}/closings/csv/", store.0),
            &[("du", from), ("au", today.to_string())],
            None,
        ),
        stores,
        form,
    };
    let mut response = visitor.page(&page)?;
    *response.status_mut() = status;
    Ok(response)
}

pub async fn page(State(state): State<AppState>, visitor: Visitor, Query(query): Query) -> Result<Response, UiError> {
    let mut form = ClosingForm::from_fields(&query);
    // A bad store or day in the address is said next to its field, and the default shown.
    form.counted.clear();
    closing_page(&state, visitor, form, StatusCode::OK).await
}

pub async fn close(State(state): State<AppState>, visitor: Visitor, Form(fields): Form) -> Result<Response, UiError> {
    let t = current();
    let mut form = ClosingForm::from_fields(&fields);
    if form.magasin <= 0 && form.errors.of("magasin").is_empty() {
        form.errors.add("magasin", t.choose_store);
    }
    if !form.errors.is_empty() {
        return closing_page(&state, visitor, form, StatusCode::BAD_REQUEST).await;
    }
    let request = ClosingRequest {
        magasin: StoreId(form.magasin),
        jour: form.jour,
        especes_comptees: form.counted.trim().replace(',', "."),
        note: form.note.clone(),
    };
    match state.services.close_day(&visitor.actor()?, request, None).await {
        Ok(close) => {
            let to = link("/cloture", &[("magasin", form.magasin.to_string()), ("jour", form.jour.to_string())], None);
            let flash = Flash::success((t.closing.closed_flash)(&close.figures.magasin_nom, close.figures.jour));
            Ok(visitor.redirect(&to, flash))
        }
        Err(ServiceError::Invalid(errors)) => {
            form.errors = FieldErrors::from_service(&errors);
            closing_page(&state, visitor, form, StatusCode::BAD_REQUEST).await
        }
        Err(ServiceError::Storage(StorageError::DayClosed { store_name, jour, .. })) => {
            form.message = Some((t.closing.day_closed)(&store_name, jour));
            closing_page(&state, visitor, form, StatusCode::CONFLICT).await
        }
        Err(other) => Err(other.into()),
    }
}
