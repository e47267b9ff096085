//! The two page shapes: DRF's numbered pages, and cursor pages for histories.

use crate::api::extract::Params;
use crate::error::ApiError;
use magasin_domain::paging::{CursorPage, CursorRequest, Page, PageRequest};
use serde::Serialize;
use utoipa::ToSchema;

/// DRF's page: `{count, next, previous, results}` with absolute links.
#[derive(Serialize, ToSchema)]
pub struct Paginated<T: ToSchema> {
    pub count: u64,
    pub next: Option<String>,
    pub previous: Option<String>,
    pub results: Vec<T>,
}

/// Reads `page` (and `page_size` when `sizable`).
pub fn page_request(params: &Params, default_size: u32, sizable: bool) -> Result<PageRequest, ApiError> {
    let size = if sizable { params.page_size(default_size)? } else { default_size };
    Ok(PageRequest::new(params.page()?, size))
}

/// Builds the page, or DRF's 404 when the page lies past the end.
pub fn numbered<T: ToSchema, U>(
    page: Page<U>,
    request: PageRequest,
    params: &Params,
    map: impl Fn(U) -> T,
) -> Result<Paginated<T>, ApiError> {
    if page.is_past_end(request) {
        return Err(ApiError::InvalidPage);
    }
    let next = page.has_next(request).then(|| params.link_with("page", Some((request.page + 1).to_string())));
    let previous = match request.page {
        1 => None,
        2 => Some(params.link_with("page", None)),
        n => Some(params.link_with("page", Some((n - 1).to_string()))),
    };
    Ok(Paginated { count: page.count, next, previous, results: page.items.into_iter().map(map).collect() })
}

/// A page of a history, newest first: follow `next` for older entries.
#[derive(Serialize, ToSchema)]
pub struct CursorPaginated<T: ToSchema> {
    /// Link to the next (older) page, null on the last one.
    pub next: Option<String>,
    pub results: Vec<T>,
}

/// Reads `before` (a cursor from a `next` link) and `page_size`.
pub fn cursor_request(params: &Params) -> Result<CursorRequest, ApiError> {
    Ok(CursorRequest::new(params.integer("before")?, params.page_size(20)?))
}

pub fn cursor<T: ToSchema, U>(page: CursorPage<U>, params: &Params, map: impl Fn(U) -> T) -> CursorPaginated<T> {
    CursorPaginated {
        next: page.next.map(|before| params.link_with("before", Some(before.to_string()))),
        results: page.items.into_iter().map(map).collect(),
    }
}
