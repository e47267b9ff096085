//! The consolidated report and the dashboard, read from the sales aggregates (never the lines).

use crate::errors::map_error;
use crate::rows::StoreRow;
use chrono::NaiveDate;
use magasin_domain::reporting::{
    DashboardRow, NamedQuantity, ReportFilter, StoreReport, TREND_SIZE, top_products, trend_window_start,
};
use magasin_domain::stock::StockThresholds;
use magasin_domain::{Money, ProductId, StorageError, StorageResult, StoreId};
use sqlx::{QueryBuilder, Sqlite, SqlitePool};
use std::collections::HashMap;

async fn stores(pool: &SqlitePool, filter: &ReportFilter) -> StorageResult<Vec<StoreRow>> {
    let mut qb = QueryBuilder::<Sqlite>::new("SELECT id, nom, adresse FROM stores");
    if let Some(id) = filter.magasin {
        qb.push(" WHERE id = ").push_bind(id.0);
    }
    qb.push(" ORDER BY id");
    let rows: Vec<StoreRow> = qb.build_query_as().fetch_all(pool).await.map_err(map_error)?;
    if let (Some(id), true) = (filter.magasin, rows.is_empty()) {
        return Err(StorageError::not_found("store", id.0));
    }
    Ok(rows)
}

/// `(store, product, quantity, amount)` sold, from the all-time totals or the daily buckets.
async fn sold(pool: &SqlitePool, filter: &ReportFilter) -> StorageResult<Vec<(i64, i64, i64, i64)>> {
    let mut qb = if filter.has_date_range() {
        let mut qb = QueryBuilder::<Sqlite>::new(
            "SELECT magasin_id, produit_id, SUM(quantite), SUM(montant_cents) FROM sales_daily WHERE jour BETWEEN ",
        );
        qb.push_bind(filter.from_or_min()).push(" AND ").push_bind(filter.to_or_max());
        qb
    } else {
        QueryBuilder::<Sqlite>::new(
            "SELECT magasin_id, produit_id, quantite, montant_cents FROM sales_totals WHERE 1 = 1",
        )
    };
    if let Some(id) = filter.magasin {
        qb.push(" AND magasin_id = ").push_bind(id.0);
    }
    if filter.has_date_range() {
        qb.push(" GROUP BY magasin_id, produit_id");
    }
    qb.push(" ORDER BY magasin_id, produit_id");
    qb.build_query_as().fetch_all(pool).await.map_err(map_error)
}

/// Every product's name, read once instead of joined on every aggregate row.
async fn product_names(pool: &SqlitePool) -> StorageResult<HashMap<i64, String>> {
    let rows: Vec<(i64, String)> =
        sqlx::query_as("SELECT id, nom FROM products").fetch_all(pool).await.map_err(map_error)?;
    Ok(rows.into_iter().collect())
}

pub async fn sales_report(pool: &SqlitePool, filter: &ReportFilter) -> StorageResult<Vec<StoreReport>> {
    let stores = stores(pool, filter).await?;
    let mut reports: Vec<StoreReport> = stores
        .into_iter()
        .map(|s| StoreReport {
            magasin: StoreId(s.id),
            magasin_nom: s.nom,
            total: Money::ZERO,
            produits_vendus: Vec::new(),
            stock_local: Vec::new(),
        })
        .collect();
    let index: HashMap<i64, usize> = reports.iter().enumerate().map(|(i, r)| (r.magasin.0, i)).collect();
    let names = product_names(pool).await?;
    let named = |produit: i64, quantite: i64| NamedQuantity {
        produit: ProductId(produit),
        nom: names.get(&produit).cloned().unwrap_or_default(),
        quantite,
    };
    for (store, produit, quantite, montant) in sold(pool, filter).await? {
        if let Some(report) = index.get(&store).map(|&i| &mut reports[i]) {
            report.total.0 += montant;
            if quantite > 0 {
                report.produits_vendus.push(named(produit, quantite));
            }
        }
    }
    let mut qb = QueryBuilder::<Sqlite>::new("SELECT magasin_id, produit_id, quantite FROM store_stock");
    if let Some(id) = filter.magasin {
        qb.push(" WHERE magasin_id = ").push_bind(id.0);
    }
    qb.push(" ORDER BY magasin_id, produit_id");
    let stock: Vec<(i64, i64, i64)> = qb.build_query_as().fetch_all(pool).await.map_err(map_error)?;
    for (store, produit, quantite) in stock {
        if let Some(report) = index.get(&store).map(|&i| &mut reports[i]) {
            report.stock_local.push(named(produit, quantite));
        }
    }
    Ok(reports)
}

pub async fn dashboard(
    pool: &SqlitePool,
    filter: &ReportFilter,
    thresholds: StockThresholds,
    today: NaiveDate,
) -> StorageResult<Vec<DashboardRow>> {
    let stores = stores(pool, filter).await?;
    let mut rows: Vec<DashboardRow> = stores
        .into_iter()
        .map(|s| DashboardRow {
            magasin: StoreId(s.id),
            magasin_nom: s.nom,
            chiffre_affaires: Money::ZERO,
            ruptures: 0,
            surstock: 0,
            tendances: Vec::new(),
        })
        .collect();
    let index: HashMap<i64, usize> = rows.iter().enumerate().map(|(i, r)| (r.magasin.0, i)).collect();

    let mut revenue = if filter.has_date_range() {
        let mut qb =
            QueryBuilder::<Sqlite>::new("SELECT magasin_id, SUM(montant_cents) FROM sales_daily WHERE jour BETWEEN ");
        qb.push_bind(filter.from_or_min()).push(" AND ").push_bind(filter.to_or_max());
        qb
    } else {
        QueryBuilder::<Sqlite>::new("SELECT magasin_id, SUM(montant_cents) FROM sales_totals WHERE 1 = 1")
    };
    if let Some(id) = filter.magasin {
        revenue.push(" AND magasin_id = ").push_bind(id.0);
    }
    revenue.push(" GROUP BY magasin_id");
    let revenue: Vec<(i64, i64)> = revenue.build_query_as().fetch_all(pool).await.map_err(map_error)?;
    for (store, cents) in revenue {
        if let Some(&i) = index.get(&store) {
            rows[i].chiffre_affaires = Money(cents);
        }
    }

    let mut levels = QueryBuilder::<Sqlite>::new("SELECT magasin_id, SUM(CASE WHEN quantite <= ");
    levels.push_bind(thresholds.stockout).push(" THEN 1 ELSE 0 END), SUM(CASE WHEN quantite > ");
    levels.push_bind(thresholds.overstock).push(" THEN 1 ELSE 0 END) FROM store_stock WHERE 1 = 1");
    if let Some(id) = filter.magasin {
        levels.push(" AND magasin_id = ").push_bind(id.0);
    }
    levels.push(" GROUP BY magasin_id");
    let levels: Vec<(i64, i64, i64)> = levels.build_query_as().fetch_all(pool).await.map_err(map_error)?;
    for (store, ruptures, surstock) in levels {
        if let Some(&i) = index.get(&store) {
            rows[i].ruptures = ruptures;
            rows[i].surstock = surstock;
        }
    }

    // RANK on the quantity alone keeps every product that can be in the top 3 (ties share a
    // rank); names are joined on those few rows and `top_products` applies the exact order.
    let mut trend = QueryBuilder::<Sqlite>::new(
        "SELECT r.magasin_id, r.produit_id, p.nom, r.quantite FROM (
             SELECT magasin_id, produit_id, SUM(quantite) AS quantite,
                    RANK() OVER (PARTITION BY magasin_id ORDER BY SUM(quantite) DESC) AS rang
             FROM sales_daily WHERE quantite > 0 AND jour BETWEEN ",
    );
    trend.push_bind(trend_window_start(today)).push(" AND ").push_bind(today);
    if let Some(id) = filter.magasin {
        trend.push(" AND magasin_id = ").push_bind(id.0);
    }
    trend.push(" GROUP BY magasin_id, produit_id) r JOIN products p ON p.id = r.produit_id WHERE r.rang <= ");
    trend.push_bind(TREND_SIZE as i64);
    let trend: Vec<(i64, i64, String, i64)> = trend.build_query_as().fetch_all(pool).await.map_err(map_error)?;
    let mut candidates: HashMap<i64, Vec<NamedQuantity>> = HashMap::new();
    for (store, produit, nom, quantite) in trend {
        candidates.entry(store).or_default().push(NamedQuantity { produit: ProductId(produit), nom, quantite });
    }
    for row in &mut rows {
        row.tendances = top_products(candidates.remove(&row.magasin.0).unwrap_or_default());
    }
    Ok(rows)
}
