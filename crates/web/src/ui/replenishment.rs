//! Replenishment: requests made from the warehouse page, and `/reapprovisionnement` where
//! logistics approves or rejects them and sees the history with statuses and reasons.

use super::forms::{FieldErrors, Form};
use super::layout::{Layout, UiError};
use super::parse_id;
use super::session::{Flash, Visitor};
use super::strings::{Strings, current};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use magasin_domain::paging::CursorRequest;
use magasin_domain::replenishment::{
    ApprovalOutcome, ApprovalTerms, Replenishment, ReplenishmentQuery, ReplenishmentStatus, RequestForm, RequestLine,
    RequestOrigin,
};
use magasin_domain::{ProductId, ReplenishmentId, StorageError, StoreId};
use magasin_service::ServiceError;

/// Requests shown in each table.
const REQUESTS_SHOWN: u32 = 50;

/// A line of a request: the product, what was asked, and what was granted once decided.
pub struct LineView {
    pub product: String,
    pub asked: i64,
    pub granted: Option<i64>,
}

pub struct RequestView {
    pub id: i64,
    pub store: String,
    pub lines: Vec<LineView>,
    pub date: String,
    pub status: &'static str,
    /// Approved with less than asked on some line.
    pub partial: bool,
    /// Empty for a request typed by a person.
    pub origin: &'static str,
    pub reason: String,
}

impl RequestView {
    fn new(r: Replenishment, t: &Strings) -> Self {
        RequestView {
            id: r.id.0,
            partial: r.is_partial(),
            origin: match r.origine {
                RequestOrigin::Manual => "",
                RequestOrigin::Suggestion => t.origin_suggestion,
                RequestOrigin::Automatic => t.origin_automatic,
            },
            store: r.magasin_nom,
            lines: r
                .lignes
                .into_iter()
                .map(|l| LineView { product: l.produit_nom, asked: l.quantite, granted: l.accordee })
                .collect(),
            date: r.date.format(t.datetime_format).to_string(),
            status: match r.statut {
                ReplenishmentStatus::Pending => t.status_pending,
                ReplenishmentStatus::Approved => t.status_approved,
                ReplenishmentStatus::Refused => t.status_refused,
            },
            reason: r.motif.unwrap_or_default(),
        }
    }
}

#[derive(Template)]
#[template(path = "replenishment.html")]
struct RequestsPage {
    layout: Layout,
    pending: Vec<RequestView>,
    history: Vec<RequestView>,
}

pub async fn page(State(state): State<AppState>, visitor: Visitor) -> Result<Response, UiError> {
    let t = current();
    let query = |statut| ReplenishmentQuery { magasin: None, statut, cursor: CursorRequest::new(None, REQUESTS_SHOWN) };
    let (pending_query, recent_query) = (query(Some(ReplenishmentStatus::Pending)), query(None));
    let (pending, recent) = tokio::try_join!(
        state.services.list_replenishments(&pending_query),
        state.services.list_replenishments(&recent_query),
    )?;
    let history = recent.items.into_iter().filter(|r| r.statut != ReplenishmentStatus::Pending);
    let page = RequestsPage {
        layout: visitor.layout(t.replenishment_title, "/reapprovisionnement"),
        pending: pending.items.into_iter().map(|r| RequestView::new(r, t)).collect(),
        history: history.map(|r| RequestView::new(r, t)).collect(),
    };
    visitor.page(&page)
}

/// A refusal the visitor can act on, as a flash on the page they come back to.
pub(super) fn refusal(error: ServiceError) -> Result<Flash, UiError> {
    let t = current();
    match error {
        ServiceError::Invalid(errors) => Ok(Flash::error(FieldErrors::from_service(&errors).all().join(" "))),
        ServiceError::Storage(StorageError::Conflict(message)) => Ok(Flash::error(message)),
        ServiceError::Storage(StorageError::NotFound { entity, id }) => Ok(Flash::error((t.no_such)(entity, id))),
        other => Err(other.into()),
    }
}

pub async fn request(State(state): State<AppState>, visitor: Visitor, Form(form): Form) -> Result<Response, UiError> {
    let t = current();
    let mut errors = FieldErrors::default();
    let produit = errors.check(form.integer("produit"));
    let magasin = errors.check(form.integer("magasin"));
    let quantite = errors.check(form.integer("quantite"));
    let (Some(produit), Some(magasin), Some(quantite)) = (produit, magasin, quantite) else {
        let message = if errors.is_empty() { t.fix_the_form.to_string() } else { errors.all().join(" ") };
        return Ok(visitor.redirect("/entrepot", Flash::error(message)));
    };
    let flash = match state
        .services
        .request_replenishment(
            &visitor.actor()?,
            StoreId(magasin),
            vec![RequestLine { produit: ProductId(produit), quantite }],
            RequestForm::Lab,
        )
        .await
    {
        Ok(r) => Flash::success((t.replenishment_requested)(r.id.0, &r.produit_nom, &r.magasin_nom)),
        Err(error) => refusal(error)?,
    };
    Ok(visitor.redirect("/entrepot", flash))
}

/// Decides request `id` and comes back to the list saying what happened.
async fn decide<F: Future<Output = Result<Flash, ServiceError>>>(
    visitor: Visitor,
    decision: F,
) -> Result<Response, UiError> {
    let flash = match decision.await {
        Ok(flash) => flash,
        Err(error) => refusal(error)?,
    };
    Ok(visitor.redirect("/reapprovisionnement", flash))
}

/// Approves in full (the lab's way), or with `selon_stock` as far as the warehouse holds.
pub async fn approve(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
    Form(form): Form,
) -> Result<Response, UiError> {
    let (t, id, actor) = (current(), parse_id(&id)?, visitor.actor()?);
    let terms = ApprovalTerms { what_is_available: !form.raw("selon_stock").is_empty(), ..ApprovalTerms::lab() };
    decide(visitor, async {
        Ok(match state.services.approve_replenishment(&actor, ReplenishmentId(id), terms, None).await? {
            ApprovalOutcome::Approved(request) if request.is_partial() => {
                Flash::success((t.replenishment_approved_partly)(id))
            }
            ApprovalOutcome::Approved(_) => Flash::success((t.replenishment_approved)(id)),
            ApprovalOutcome::RefusedForLackOfStock { request, .. } => {
                Flash::error((t.replenishment_refused)(id, request.motif.as_deref().unwrap_or_default()))
            }
        })
    })
    .await
}

pub async fn reject(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Result<Response, UiError> {
    let (t, id, actor) = (current(), parse_id(&id)?, visitor.actor()?);
    decide(visitor, async {
        state.services.reject_replenishment(&actor, ReplenishmentId(id), None).await?;
        Ok(Flash::success((t.replenishment_rejected)(id)))
    })
    .await
}
