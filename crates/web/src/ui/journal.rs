//! Le journal: who did what, newest first, for head office and administrators.

use super::forms::{FieldErrors, Query};
use super::layout::{Layout, UiError};
use super::link;
use super::session::Visitor;
use super::strings::current;
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use magasin_domain::FieldError;
use magasin_domain::accounts::parse_login;
use magasin_domain::audit::{AuditAction, AuditEntry, AuditQuery};
use magasin_domain::paging::CursorRequest;

const ENTRIES_PER_PAGE: u32 = 50;

/// One line of the journal, as shown.
struct EntryView {
    date: String,
    acteur: String,
    action: &'static str,
    what: String,
    change: String,
}

impl EntryView {
    fn new(e: AuditEntry) -> Self {
        let t = current();
        let change = match (&e.avant, &e.apres) {
            (Some(before), Some(after)) => format!("{before} → {after}"),
            (None, Some(after)) => after.clone(),
            _ => String::new(),
        };
        EntryView {
            date: e.date.format(t.datetime_format).to_string(),
            acteur: e.acteur,
            action: (t.audit_action)(e.action),
            what: format!("{} {}", e.action.entity(), e.entite_id),
            change,
        }
    }
}

#[derive(Template)]
#[template(path = "journal.html")]
struct JournalPage {
    layout: Layout,
    actions: Vec<(&'static str, &'static str)>,
    acteur: String,
    action: String,
    du: String,
    au: String,
    errors: FieldErrors,
    entries: Vec<EntryView>,
    next: Option<String>,
    first: Option<String>,
}

/// A refusal of `field`, as the form shows it.
fn invalid(field: &'static str) -> impl Fn(magasin_domain::ValidationCode) -> FieldError {
    move |code| FieldError { field: field.to_string(), code }
}

pub async fn page(State(state): State<AppState>, visitor: Visitor, Query(query): Query) -> Result<Response, UiError> {
    let t = current();
    let actor = visitor.actor()?;
    let mut errors = FieldErrors::default();
    let acteur = errors.check(query.text("acteur").map(|a| parse_login(a).map_err(invalid("acteur"))).transpose());
    let action =
        errors.check(query.text("action").map(|a| AuditAction::choose(a).map_err(invalid("action"))).transpose());
    let from = errors.check(query.date("du"));
    let to = errors.check(query.date("au"));
    let before = errors.check(query.integer("avant"));
    let (entries, next) = if errors.is_empty() {
        let audit = AuditQuery { acteur, action, from, to, cursor: CursorRequest::new(before, ENTRIES_PER_PAGE) };
        let page = state.services.audit_log(&actor, &audit).await?;
        (page.items.into_iter().map(EntryView::new).collect(), page.next)
    } else {
        (Vec::new(), None)
    };
    let filters = [
        ("acteur", query.raw("acteur")),
        ("action", query.raw("action")),
        ("du", query.raw("du")),
        ("au", query.raw("au")),
    ];
    let page = JournalPage {
        layout: visitor.layout(t.journal_title, "/journal"),
        actions: AuditAction::ALL.iter().map(|a| (a.as_str(), (t.audit_action)(*a))).collect(),
        acteur: query.raw("acteur"),
        action: query.raw("action"),
        du: query.raw("du"),
        au: query.raw("au"),
        errors,
        entries,
        next: next.map(|n| link("/journal", &filters, Some(("avant", n.to_string())))),
        first: before.map(|_| link("/journal", &filters, None)),
    };
    visitor.page(&page)
}
