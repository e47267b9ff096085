//! Pagination: numbered pages for bounded lists (catalogue, stock), cursors for histories
//! (sales, requests, ledger) so that no page costs work proportional to the history.

/// Numbered page request, 1-based.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    pub page: u32,
    pub size: u32,
}

impl PageRequest {
    pub fn new(page: u32, size: u32) -> Self {
        Self { page: page.max(1), size: size.clamp(1, MAX_PAGE_SIZE) }
    }

    pub fn offset(&self) -> i64 {
        i64::from(self.page - 1) * i64::from(self.size)
    }

    pub fn limit(&self) -> i64 {
        i64::from(self.size)
    }
}

/// Largest page or cursor batch a client can ask for.
pub const MAX_PAGE_SIZE: u32 = 100;

/// One numbered page and the total count of matching rows.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Page<T> {
    pub count: u64,
    pub items: Vec<T>,
}

impl<T> Page<T> {
    /// Whether the requested page lies past the last one (page 1 of nothing is valid).
    pub fn is_past_end(&self, request: PageRequest) -> bool {
        request.page > 1 && u64::from(request.page - 1) * u64::from(request.size) >= self.count
    }

    pub fn has_next(&self, request: PageRequest) -> bool {
        u64::from(request.page) * u64::from(request.size) < self.count
    }
}

/// Keyset request: rows with an id below `before`, newest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CursorRequest {
    pub before: Option<i64>,
    pub limit: u32,
}

impl CursorRequest {
    pub fn new(before: Option<i64>, limit: u32) -> Self {
        Self { before, limit: limit.clamp(1, MAX_PAGE_SIZE) }
    }

    /// The `before` bound as a SQL parameter (no bound = the largest id).
    pub fn before_or_max(&self) -> i64 {
        self.before.unwrap_or(i64::MAX)
    }

    /// One more row than the page, to know whether another page follows.
    pub fn fetch_limit(&self) -> i64 {
        i64::from(self.limit) + 1
    }
}

/// One keyset page; `next` is the cursor for the following (older) page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CursorPage<T> {
    pub items: Vec<T>,
    pub next: Option<i64>,
}

impl<T> CursorPage<T> {
    /// Builds a page from `limit + 1` fetched rows, newest first.
    pub fn from_rows(mut rows: Vec<T>, request: CursorRequest, id_of: impl Fn(&T) -> i64) -> Self {
        let limit = request.limit as usize;
        let next = if rows.len() > limit {
            rows.truncate(limit);
            rows.last().map(&id_of)
        } else {
            None
        };
        Self { items: rows, next }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbered_pages() {
        let page = Page { count: 25, items: vec![()] };
        assert!(page.has_next(PageRequest::new(2, 10)));
        assert!(!page.has_next(PageRequest::new(3, 10)));
        assert!(!page.is_past_end(PageRequest::new(3, 10)));
        assert!(page.is_past_end(PageRequest::new(4, 10)));
        let empty: Page<()> = Page { count: 0, items: vec![] };
        assert!(!empty.is_past_end(PageRequest::new(1, 10)));
    }

    #[test]
    fn cursor_pages() {
        let request = CursorRequest::new(None, 2);
        let page = CursorPage::from_rows(vec![9, 7, 4], request, |x| *x);
        assert_eq!(page.items, vec![9, 7]);
        assert_eq!(page.next, Some(7));
        let last = CursorPage::from_rows(vec![3], request, |x| *x);
        assert_eq!(last.next, None);
    }

    #[test]
    fn sizes_are_bounded() {
        assert_eq!(PageRequest::new(0, 10_000), PageRequest { page: 1, size: MAX_PAGE_SIZE });
        assert_eq!(CursorRequest::new(None, 0).limit, 1);
    }
}
