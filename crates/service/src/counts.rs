//! Physical counts (the store's managers for their stores, logistics for the warehouse — who may
//! adjust the stock may count it). Validating changes a store's cached stock answers.

use crate::cache::Scope;
use crate::{ServiceResult, Services};
use magasin_domain::accounts::{Action, Actor};
use magasin_domain::counts::{Count, CountEntry, CountQuery, validate_entries, validate_new_count};
use magasin_domain::paging::CursorPage;
use magasin_domain::stock::Location;
use magasin_domain::{CountId, WriteContext};

impl Services {
    /// Opens a count of `location`, every product or one category.
    pub async fn open_count(
        &self,
        actor: &Actor,
        location: Location,
        categorie: Option<String>,
        request_id: Option<String>,
    ) -> ServiceResult<Count> {
        self.authorize(actor, Action::AdjustStock(location))?;
        let at = Self::now();
        let count = validate_new_count(location, categorie, at)?;
        Ok(self.storage.open_count(&count, &WriteContext::by(actor, request_id, at)).await?)
    }

    /// Enters what was counted of some products of an open count.
    pub async fn enter_count(
        &self,
        actor: &Actor,
        id: CountId,
        entries: &[CountEntry],
        request_id: Option<String>,
    ) -> ServiceResult<Count> {
        let location = self.storage.count_location(id).await?;
        self.authorize(actor, Action::AdjustStock(location))?;
        validate_entries(entries)?;
        Ok(self.storage.enter_count(id, entries, &WriteContext::by(actor, request_id, Self::now())).await?)
    }

    /// Validates an open count (posting its variances) or cancels it.
    pub async fn close_count(
        &self,
        actor: &Actor,
        id: CountId,
        validate: bool,
        request_id: Option<String>,
    ) -> ServiceResult<Count> {
        let location = self.storage.count_location(id).await?;
        self.authorize(actor, Action::AdjustStock(location))?;
        let count = self.storage.close_count(id, validate, &WriteContext::by(actor, request_id, Self::now())).await?;
        if validate {
            if let Location::Store(store) = count.location {
                self.cache.invalidate(&[Scope::StoreStock(store.0)]).await;
            }
            metrics::counter!("magasin_counts_validated_total").increment(1);
        }
        Ok(count)
    }

    pub async fn get_count(&self, id: CountId) -> ServiceResult<Count> {
        Ok(self.storage.get_count(id).await?)
    }

    pub async fn list_counts(&self, query: &CountQuery) -> ServiceResult<CursorPage<Count>> {
        if let Location::Store(store) = query.location {
            self.storage.get_store(store).await?;
        }
        Ok(self.storage.list_counts(query).await?)
    }
}
