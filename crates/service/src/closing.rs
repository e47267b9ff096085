//! End-of-day closes (clôtures de caisse): a store's people, or head office, close a store's
//! day once with the cash they counted; the day's figures are read and kept by the storage in
//! the close's transaction. See [`magasin_domain::closing`] for the rules.

use crate::{ServiceResult, Services};
use chrono::NaiveDate;
use magasin_domain::accounts::{Action, Actor};
use magasin_domain::closing::{ClosingQuery, ClosingRequest, DayClosing, DayFigures, validate_closing};
use magasin_domain::paging::{CursorPage, CursorRequest, MAX_PAGE_SIZE};
use magasin_domain::{StoreId, WriteContext};

impl Services {
    /// Closes a store's day with the cash counted: the actor must be allowed to close that
    /// store's till; a day to come is refused, a day closed already is a conflict.
    #[tracing::instrument(skip_all, fields(store = %request.magasin, day = %request.jour))]
    pub async fn close_day(
        &self,
        actor: &Actor,
        request: ClosingRequest,
        request_id: Option<String>,
    ) -> ServiceResult<DayClosing> {
        self.authorize(actor, Action::CloseTill(request.magasin))?;
        let at = Self::now();
        let closing = validate_closing(request, at)?;
        let ctx = WriteContext::by(actor, request_id, at);
        let close = self.storage.close_day(&closing, &ctx).await?;
        metrics::counter!("magasin_days_closed_total", "store" => close.figures.magasin_nom.clone()).increment(1);
        Ok(close)
    }

    /// A store's day as a close would keep it now (today by default).
    pub async fn day_figures(&self, store: StoreId, day: Option<NaiveDate>) -> ServiceResult<DayFigures> {
        let day = day.unwrap_or_else(|| Self::now().date_naive());
        Ok(self.storage.day_figures(store, day).await?)
    }

    /// The close of a store's day, if it was closed.
    pub async fn get_closing(&self, store: StoreId, day: NaiveDate) -> ServiceResult<Option<DayClosing>> {
        Ok(self.storage.get_closing(store, day).await?)
    }

    /// A store's closes, the last recorded first.
    pub async fn list_closings(&self, query: &ClosingQuery) -> ServiceResult<CursorPage<DayClosing>> {
        Ok(self.storage.list_closings(query).await?)
    }

    /// Every close of a store within a range of days (inclusive), by day: the export.
    pub async fn closings_by_day(
        &self,
        store: StoreId,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
    ) -> ServiceResult<Vec<DayClosing>> {
        let mut closes = Vec::new();
        let mut before = None;
        loop {
            let query = ClosingQuery { magasin: store, from, to, cursor: CursorRequest::new(before, MAX_PAGE_SIZE) };
            let page = self.storage.list_closings(&query).await?;
            closes.extend(page.items);
            match page.next {
                Some(next) => before = Some(next),
                None => break,
            }
        }
        closes.sort_by_key(|c| c.figures.jour);
        Ok(closes)
    }
}
