//! The head office's consolidated report and dashboard.

use crate::cache::{Part, Scope};
use crate::{ServiceError, ServiceResult, Services};
use chrono::NaiveDate;
use magasin_domain::reporting::{DashboardRow, ReportFilter, StoreReport};
use magasin_domain::stock::StockThresholds;
use magasin_domain::{StoreId, ValidationCode, ValidationErrors};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// What one store's part of the report or dashboard depends on: its sales, its stock, names.
fn store_figures(store: StoreId) -> [Scope; 3] {
    [Scope::StoreSales(store.0), Scope::StoreStock(store.0), Scope::ProductNames]
}

fn check_range(filter: &ReportFilter) -> ServiceResult<()> {
    check_days(filter.from, filter.to)
}

/// A range of days `date_debut`..=`date_fin` whose start is not after its end.
pub(crate) fn check_days(from: Option<NaiveDate>, to: Option<NaiveDate>) -> ServiceResult<()> {
    match (from, to) {
        (Some(from), Some(to)) if from > to => Err(ServiceError::Invalid(ValidationErrors::single(
            "date_debut",
            ValidationCode::AfterEnd { end: "date_fin".into() },
        ))),
        _ => Ok(()),
    }
}

impl Services {
    /// The consolidated report, one entry per store in id order.
    pub async fn sales_report(&self, filter: &ReportFilter) -> ServiceResult<Vec<StoreReport>> {
        self.sales_report_as(filter, "domain", Ok::<_, std::convert::Infallible>).await
    }

    /// The report as each store's part rendered by `render` (the API renders its JSON once per
    /// part). With a cache, the *rendered* parts are cached, one per store: a sale at one store
    /// renders that store's part again, and an answer costs no rendering at all otherwise.
    /// `view` names the rendering, so two renderings never share entries.
    pub async fn sales_report_as<V, E>(
        &self,
        filter: &ReportFilter,
        view: &'static str,
        render: fn(StoreReport) -> Result<V, E>,
    ) -> ServiceResult<Vec<V>>
    where
        V: Serialize + DeserializeOwned + Clone + Send + Sync + 'static,
        E: std::fmt::Display,
    {
        check_range(filter)?;
        let rendered = |reports: Vec<StoreReport>| {
            reports
                .into_iter()
                .map(|r| render(r).map_err(|e| ServiceError::Internal(format!("rendering the report: {e}").into())))
                .collect::<ServiceResult<Vec<V>>>()
        };
        if !self.cache.is_enabled() {
            return rendered(self.storage.sales_report(filter).await?);
        }
        let stores = self.stores_of(filter).await?;
        let one = |store: StoreId| ReportFilter { magasin: Some(store), ..*filter };
        let parts: Vec<Part> = stores
            .iter()
            .map(|&s| Part { scopes: store_figures(s).to_vec(), params: format!("{view}|{:?}", one(s)) })
            .collect();
        let storage = &self.storage;
        let parts = self
            .cache
            .get_or_compute_each("report", &parts, |i| {
                let filter = one(stores[i]);
                async move { rendered(storage.sales_report(&filter).await?) }
            })
            .await?;
        Ok(parts.into_iter().flatten().collect())
    }

    /// The dashboard with the lab's thresholds for every product (`--stockout-threshold`,
    /// `--overstock-threshold`), as its contract says.
    pub async fn dashboard(&self, filter: &ReportFilter) -> ServiceResult<Vec<DashboardRow>> {
        self.dashboard_of(filter, self.settings.thresholds).await
    }

    /// The dashboard where a product with a reordering rule counts as a stock-out or overstock
    /// against its rule (the others against the thresholds).
    pub async fn dashboard_with_rules(&self, filter: &ReportFilter) -> ServiceResult<Vec<DashboardRow>> {
        self.dashboard_of(filter, self.settings.thresholds.with_rules()).await
    }

    /// The dashboard; with a cache, one cached row per store, as the report.
    async fn dashboard_of(
        &self,
        filter: &ReportFilter,
        thresholds: StockThresholds,
    ) -> ServiceResult<Vec<DashboardRow>> {
        check_range(filter)?;
        let today = Self::now().date_naive();
        if !self.cache.is_enabled() {
            return Ok(self.storage.dashboard(filter, thresholds, today).await?);
        }
        let stores = self.stores_of(filter).await?;
        let one = |store: StoreId| ReportFilter { magasin: Some(store), ..*filter };
        let parts: Vec<Part> = stores
            .iter()
            .map(|&s| Part {
                scopes: store_figures(s).to_vec(),
                params: format!("{:?}|{today}|{thresholds:?}", one(s)),
            })
            .collect();
        let storage = &self.storage;
        let parts = self
            .cache
            .get_or_compute_each("dashboard", &parts, |i| {
                let filter = one(stores[i]);
                async move { Ok(storage.dashboard(&filter, thresholds, today).await?) }
            })
            .await?;
        Ok(parts.into_iter().flatten().collect())
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
            .get_or_compute("stores", &[Scope::Stores], String::new(), || async {
                Ok(storage.list_stores().await?.into_iter().map(|s| s.id.0).collect::<Vec<i64>>())
            })
            .await?;
        Ok(stores.into_iter().map(StoreId).collect())
    }
}
