//! The head office's consolidated report and dashboard.

use crate::cache::Scope;
use crate::{ServiceError, ServiceResult, Services};
use magasin_domain::reporting::{DashboardRow, ReportFilter, StoreReport};
use magasin_domain::{StoreId, ValidationErrors};

/// What one store's part of the report or dashboard depends on: its sales, its stock, names.
fn store_figures(store: StoreId) -> [Scope; 3] {
    [Scope::StoreSales(store.0), Scope::StoreStock(store.0), Scope::Catalogue]
}

fn check_range(filter: &ReportFilter) -> ServiceResult<()> {
    match (filter.from, filter.to) {
        (Some(from), Some(to)) if from > to => {
            Err(ServiceError::Invalid(ValidationErrors::single("date_debut", "Must not be after date_fin.")))
        }
        _ => Ok(()),
    }
}

impl Services {
    /// With a cache, the report is assembled from one cached part per store, so a sale at one
    /// store recomputes that store's part only.
    pub async fn sales_report(&self, filter: &ReportFilter) -> ServiceResult<Vec<StoreReport>> {
        check_range(filter)?;
        if !self.cache.is_enabled() {
            return Ok(self.storage.sales_report(filter).await?);
        }
        let mut reports = Vec::new();
        for store in self.stores_of(filter).await? {
            let one = ReportFilter { magasin: Some(store), ..*filter };
            let storage = &self.storage;
            let part = self
                .cache
                .get_or_compute("report", &store_figures(store), format!("{one:?}"), || async move {
                    Ok(storage.sales_report(&one).await?)
                })
                .await?;
            reports.extend(part);
        }
        Ok(reports)
    }

    /// With a cache, one cached row per store, as the report.
    pub async fn dashboard(&self, filter: &ReportFilter) -> ServiceResult<Vec<DashboardRow>> {
        check_range(filter)?;
        let today = Self::now().date_naive();
        let thresholds = self.settings.thresholds;
        if !self.cache.is_enabled() {
            return Ok(self.storage.dashboard(filter, thresholds, today).await?);
        }
        let mut rows = Vec::new();
        for store in self.stores_of(filter).await? {
            let one = ReportFilter { magasin: Some(store), ..*filter };
            let storage = &self.storage;
            let params = format!("{one:?}|{today}|{thresholds:?}");
            let part = self
                .cache
                .get_or_compute("dashboard", &store_figures(store), params, || async move {
                    Ok(storage.dashboard(&one, thresholds, today).await?)
                })
                .await?;
            rows.extend(part);
        }
        Ok(rows)
    }

    /// The stores a report covers, in id order (the list itself is cached: stores do not change
    /// through the API).
    async fn stores_of(&self, filter: &ReportFilter) -> ServiceResult<Vec<StoreId>> {
        if let Some(store) = filter.magasin {
            return Ok(vec![store]);
        }
        let storage = &self.storage;
        let stores = self
            .cache
            .get_or_compute("stores", &[Scope::Catalogue], String::new(), || async {
                Ok(storage.list_stores().await?.into_iter().map(|s| s.id.0).collect::<Vec<i64>>())
            })
            .await?;
        Ok(stores.into_iter().map(StoreId).collect())
    }
}
