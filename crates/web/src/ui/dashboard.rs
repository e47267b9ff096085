//! `/`: the head office's dashboard — per store revenue, stock-outs, overstock, the week's best
//! sellers, a revenue bar chart and a 7-day sales sparkline per store.

use super::charts::{Bar, bar_chart, sparkline};
use super::layout::{Layout, UiError};
use super::session::Visitor;
use super::strings::current;
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use chrono::{Days, NaiveDate, Utc};
use magasin_domain::reporting::{ReportFilter, TREND_DAYS, format_trend, trend_window_start};
use magasin_domain::{Money, StoreId};
use magasin_service::Services;
use std::collections::HashMap;

pub struct StoreRow {
    pub id: i64,
    pub name: String,
    /// Net of returns.
    pub revenue: String,
    /// What returns refunded.
    pub returns: String,
    pub ruptures: i64,
    pub surstock: i64,
    pub trend: String,
    pub sparkline: String,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    layout: Layout,
    rows: Vec<StoreRow>,
    chart: String,
}

/// Each store's revenue on each day of the trend window, oldest day first (one cached dashboard
/// read per day, whatever the number of stores: its rows are a few figures per store, where a
/// report's would list every product of every store).
async fn daily_revenue(services: &Services, today: NaiveDate) -> Result<HashMap<StoreId, Vec<i64>>, UiError> {
    let first = trend_window_start(today);
    let days: Vec<NaiveDate> = (0..TREND_DAYS).filter_map(|i| first.checked_add_days(Days::new(i))).collect();
    let dashboards = futures::future::try_join_all(days.iter().map(|day| {
        let filter = ReportFilter { magasin: None, from: Some(*day), to: Some(*day) };
        async move { services.dashboard(&filter).await }
    }))
    .await?;
    let mut series: HashMap<StoreId, Vec<i64>> = HashMap::new();
    for day in dashboards {
        for store in day {
            series.entry(store.magasin).or_default().push(store.chiffre_affaires.cents());
        }
    }
    Ok(series)
}

pub async fn page(State(state): State<AppState>, visitor: Visitor) -> Result<Response, UiError> {
    let t = current();
    let today = Utc::now().date_naive();
    let (rows, mut series) = tokio::try_join!(
        async { Ok(state.services.dashboard_with_rules(&ReportFilter::default()).await?) },
        daily_revenue(&state.services, today)
    )?;
    let bars: Vec<Bar> = rows
        .iter()
        .map(|r| Bar {
            label: r.magasin_nom.clone(),
            value: r.chiffre_affaires.cents(),
            display: (t.money)(r.chiffre_affaires),
        })
        .collect();
    let rows = rows
        .into_iter()
        .map(|r| {
            let days = series.remove(&r.magasin).unwrap_or_default();
            let week: Money = days.iter().map(|c| Money(*c)).sum();
            StoreRow {
                id: r.magasin.0,
                sparkline: sparkline(&format!("{} : {}", t.sales_7_days, (t.money)(week)), &days),
                name: r.magasin_nom,
                revenue: (t.money)(r.chiffre_affaires),
                returns: (t.money)(r.retours),
                ruptures: r.ruptures,
                surstock: r.surstock,
                trend: format_trend(&r.tendances),
            }
        })
        .collect();
    let page = DashboardPage {
        layout: visitor.layout(t.dashboard_title, "/"),
        rows,
        chart: bar_chart("revenue-chart", t.revenue_chart_title, &bars),
    };
    visitor.page(&page)
}
