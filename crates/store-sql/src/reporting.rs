//! The consolidated report and the dashboard, read from the sales and returns aggregates (never
//! the lines): what the lab called sold is sold less returned, a return counting on its own day.
//! Each reads every store at once and groups in Rust: the number of queries does not grow
//! with the number of stores.

use crate::SqlStorage;
use crate::engine::{Connection, Engine};
use crate::rows::{DashboardDbRow, PackedFiguresRow, StoreRow, TrendRow, invariant};
use crate::sales::{KeptSums, RETURNED, SOLD};
use crate::statement::Statement;
use chrono::NaiveDate;
use magasin_domain::reporting::{
    DashboardRow, NamedQuantity, ReportFilter, StoreReport, TREND_SIZE, top_products, trend_window_start,
};
use magasin_domain::stock::StockThresholds;
use magasin_domain::{Money, ProductId, StorageError, StorageResult, StoreId};
use std::collections::HashMap;

/// `figure` of a [`Figure`]: a quantity sold or returned (with its amount), or a current stock
/// level.
const FIGURE_SOLD: i64 = 0;
const FIGURE_IN_STOCK: i64 = 1;
const FIGURE_RETURNED: i64 = 2;

/// A figure of the report: a quantity sold or returned with its amount, or a stock level.
struct Figure {
    figure: i64,
    magasin_id: i64,
    produit_id: i64,
    quantite: i64,
    montant_cents: i64,
}

/// The figures packed per store and kind (`produit:quantite:montant,…`), one by one.
fn unpack(packed: Vec<PackedFiguresRow>) -> StorageResult<Vec<Figure>> {
    let mut figures = Vec::new();
    for row in packed {
        for item in row.packed.split(',').filter(|i| !i.is_empty()) {
            let mut fields = item.splitn(3, ':').map(str::parse::<i64>);
            let (Some(Ok(produit_id)), Some(Ok(quantite)), Some(Ok(montant_cents))) =
                (fields.next(), fields.next(), fields.next())
            else {
                return Err(invariant(format!("a packed report figure is not produit:quantite:montant: {item:?}")));
            };
            figures.push(Figure {
                figure: row.figure,
                magasin_id: row.magasin_id,
                produit_id,
                quantite,
                montant_cents,
            });
        }
    }
    Ok(figures)
}

fn push_store_filter(statement: &mut Statement, filter: &ReportFilter, column: &str) {
    if let Some(id) = filter.magasin {
        statement.push(&format!(" AND {column} = ")).bind(id.0);
    }
}

/// Appends the aggregate the figures come from: the all-time totals, or the daily buckets of
/// the filter's days; restricted to the filter's store.
fn push_source(statement: &mut Statement, filter: &ReportFilter, kept: &KeptSums) {
    if filter.has_date_range() {
        statement.push(kept.daily).push(" WHERE jour BETWEEN ");
        statement.bind(filter.from_or_min()).push(" AND ").bind(filter.to_or_max());
    } else {
        statement.push(kept.totals).push(" WHERE TRUE");
    }
    push_store_filter(statement, filter, "magasin_id");
}

/// Appends the quantity and amount sold (or returned) per store and product.
fn push_sums(statement: &mut Statement, filter: &ReportFilter, kept: &KeptSums) {
    if filter.has_date_range() {
        statement.push(
            "SELECT magasin_id, produit_id, CAST(SUM(quantite) AS BIGINT) AS quantite,
                    CAST(SUM(montant_cents) AS BIGINT) AS montant_cents FROM ",
        );
        push_source(statement, filter, kept);
        statement.push(" GROUP BY magasin_id, produit_id");
    } else {
        statement.push("SELECT magasin_id, produit_id, quantite, montant_cents FROM ");
        push_source(statement, filter, kept);
    }
}

/// Appends, per store, the stock rows at or below the stock-out threshold and above the
/// overstock one; with `per_product`, a product's reordering rule decides where it has one
/// (empty or below its minimum, above its maximum).
fn push_stock_counts(statement: &mut Statement, filter: &ReportFilter, thresholds: StockThresholds) {
    if thresholds.per_product {
        statement.push(
            " LEFT JOIN (SELECT s.magasin_id,
                 COUNT(*) FILTER (WHERE CASE WHEN r.produit_id IS NULL THEN s.quantite <= ",
        );
        statement.bind(thresholds.stockout).push(" ELSE s.quantite <= 0 OR s.quantite < r.seuil_min END) AS ruptures,");
        statement.push(" COUNT(*) FILTER (WHERE CASE WHEN r.produit_id IS NULL THEN s.quantite > ");
        statement.bind(thresholds.overstock).push(" ELSE s.quantite > r.seuil_max END) AS surstock");
        statement.push(
            " FROM store_stock s LEFT JOIN reorder_rules r ON r.magasin_id = s.magasin_id AND r.produit_id = s.produit_id
              WHERE TRUE",
        );
    } else {
        statement.push(" LEFT JOIN (SELECT s.magasin_id, COUNT(*) FILTER (WHERE s.quantite <= ");
        statement.bind(thresholds.stockout).push(") AS ruptures, COUNT(*) FILTER (WHERE s.quantite > ");
        statement.bind(thresholds.overstock).push(") AS surstock FROM store_stock s WHERE TRUE");
    }
    push_store_filter(statement, filter, "s.magasin_id");
    statement.push(" GROUP BY s.magasin_id)");
}

/// Appends the amount per store of the filter's aggregates, as `alias` joined to the stores `m`.
fn join_amounts(statement: &mut Statement, filter: &ReportFilter, kept: &KeptSums, alias: &str) {
    statement.push(" LEFT JOIN (SELECT magasin_id, SUM(montant_cents) AS montant_cents FROM ");
    push_source(statement, filter, kept);
    statement.push(&format!(" GROUP BY magasin_id) {alias} ON {alias}.magasin_id = m.id"));
}

impl<E: Engine> SqlStorage<E> {
    async fn report_stores(conn: &mut Connection<E>, filter: &ReportFilter) -> StorageResult<Vec<StoreRow>> {
        let mut statement = Statement::new("SELECT id, nom, adresse FROM stores WHERE TRUE");
        push_store_filter(&mut statement, filter, "id");
        statement.push(" ORDER BY id");
        let rows: Vec<StoreRow> = Self::all(conn, &statement).await?;
        match filter.magasin {
            Some(id) if rows.is_empty() => Err(StorageError::not_found("store", id.0)),
            _ => Ok(rows),
        }
    }

    /// Three queries whatever the number of stores: the stores, every product's name (read once
    /// rather than joined on every aggregate row), and the sold, returned and stock figures
    /// together, packed into one text per store and kind (unordered: sorting them per store in
    /// Rust is cheaper than sorting the union).
    pub(crate) async fn report(&self, filter: &ReportFilter) -> StorageResult<Vec<StoreReport>> {
        let mut conn = self.reader.acquire().await?;
        let mut reports: Vec<StoreReport> = Self::report_stores(&mut conn, filter)
            .await?
            .into_iter()
            .map(|s| StoreReport {
                magasin: StoreId(s.id),
                magasin_nom: s.nom,
                total: Money::ZERO,
                produits_vendus: Vec::new(),
                stock_local: Vec::new(),
                retours: Money::ZERO,
                articles_retournes: 0,
            })
            .collect();
        let index: HashMap<i64, usize> = reports.iter().enumerate().map(|(i, r)| (r.magasin.0, i)).collect();
        let names: HashMap<i64, String> =
            Self::all(&mut conn, &Statement::new("SELECT id, nom FROM products")).await?.into_iter().collect();

        let mut statement = Statement::new(&format!(
            "SELECT figure, magasin_id,
                    {}(CAST(produit_id AS TEXT) || ':' || CAST(quantite AS TEXT) || ':' || CAST(montant_cents AS TEXT), ',')
                        AS packed
             FROM (SELECT CAST({FIGURE_SOLD} AS BIGINT) AS figure, magasin_id, produit_id, quantite, montant_cents FROM (",
            E::DIALECT.join_texts
        ));
        push_sums(&mut statement, filter, &SOLD);
        statement.push(&format!(
            ") sold UNION ALL SELECT {FIGURE_RETURNED}, magasin_id, produit_id, quantite, montant_cents FROM ("
        ));
        push_sums(&mut statement, filter, &RETURNED);
        statement.push(&format!(
            ") returned UNION ALL SELECT {FIGURE_IN_STOCK}, magasin_id, produit_id, quantite, 0 FROM store_stock WHERE TRUE"
        ));
        push_store_filter(&mut statement, filter, "magasin_id");
        statement.push(") figures GROUP BY figure, magasin_id");
        let packed: Vec<PackedFiguresRow> = Self::all(&mut conn, &statement).await?;
        let figures = unpack(packed)?;

        let mut net: HashMap<(usize, i64), i64> = HashMap::new();
        for f in figures {
            let Some(&i) = index.get(&f.magasin_id) else { continue };
            let report = &mut reports[i];
            match f.figure {
                FIGURE_SOLD => {
                    report.total = report.total.saturating_add(Money(f.montant_cents));
                    *net.entry((i, f.produit_id)).or_default() += f.quantite;
                }
                FIGURE_RETURNED => {
                    report.total = report.total.saturating_add(Money(-f.montant_cents));
                    report.retours = report.retours.saturating_add(Money(f.montant_cents));
                    report.articles_retournes = report.articles_retournes.saturating_add(f.quantite);
                    *net.entry((i, f.produit_id)).or_default() -= f.quantite;
                }
                _ => report.stock_local.push(NamedQuantity {
                    produit: ProductId(f.produit_id),
                    nom: names.get(&f.produit_id).cloned().unwrap_or_default(),
                    quantite: f.quantite,
                }),
            }
        }
        for ((i, produit), quantite) in net {
            if quantite > 0 {
                let nom = names.get(&produit).cloned().unwrap_or_default();
                reports[i].produits_vendus.push(NamedQuantity { produit: ProductId(produit), nom, quantite });
            }
        }
        for report in &mut reports {
            report.produits_vendus.sort_unstable_by_key(|q| q.produit);
            report.stock_local.sort_unstable_by_key(|q| q.produit);
        }
        Ok(reports)
    }

    /// Two queries whatever the number of stores: each store with its revenue, refunds and stock
    /// counts, then the trend of every store (sold less returned).
    pub(crate) async fn dashboard_rows(
        &self,
        filter: &ReportFilter,
        thresholds: StockThresholds,
        today: NaiveDate,
    ) -> StorageResult<Vec<DashboardRow>> {
        let mut statement = Statement::new(
            "SELECT m.id, m.nom, CAST(COALESCE(r.montant_cents, 0) AS BIGINT) AS chiffre_affaires,
                    CAST(COALESCE(rt.montant_cents, 0) AS BIGINT) AS retours,
                    COALESCE(l.ruptures, 0) AS ruptures, COALESCE(l.surstock, 0) AS surstock
             FROM stores m",
        );
        join_amounts(&mut statement, filter, &SOLD, "r");
        join_amounts(&mut statement, filter, &RETURNED, "rt");
        push_stock_counts(&mut statement, filter, thresholds);
        statement.push(" l ON l.magasin_id = m.id WHERE TRUE");
        push_store_filter(&mut statement, filter, "m.id");
        statement.push(" ORDER BY m.id");
        let mut conn = self.reader.acquire().await?;
        let stores: Vec<DashboardDbRow> = Self::all(&mut conn, &statement).await?;
        if let (Some(id), true) = (filter.magasin, stores.is_empty()) {
            return Err(StorageError::not_found("store", id.0));
        }

        // RANK on the quantity alone keeps every product that can be in the top 3 (ties share a
        // rank); names are joined on those few rows and `top_products` applies the exact order.
        let mut trend = Statement::new(
            "SELECT r.magasin_id, r.produit_id, p.nom, r.quantite FROM (
                 SELECT magasin_id, produit_id, CAST(SUM(quantite) AS BIGINT) AS quantite,
                        RANK() OVER (PARTITION BY magasin_id ORDER BY SUM(quantite) DESC) AS rang
                 FROM (SELECT magasin_id, produit_id, quantite FROM sales_daily WHERE quantite > 0 AND jour BETWEEN ",
        );
        trend.bind(trend_window_start(today)).push(" AND ").bind(today);
        push_store_filter(&mut trend, filter, "magasin_id");
        trend.push(" UNION ALL SELECT magasin_id, produit_id, -quantite FROM returns_daily WHERE jour BETWEEN ");
        trend.bind(trend_window_start(today)).push(" AND ").bind(today);
        push_store_filter(&mut trend, filter, "magasin_id");
        trend.push(" ) moved GROUP BY magasin_id, produit_id HAVING SUM(quantite) > 0) r");
        trend.push(" JOIN products p ON p.id = r.produit_id WHERE r.rang <= ");
        trend.bind(TREND_SIZE as i64);
        let trend: Vec<TrendRow> = Self::all(&mut conn, &trend).await?;
        let mut candidates: HashMap<i64, Vec<NamedQuantity>> = HashMap::new();
        for t in trend {
            candidates.entry(t.magasin_id).or_default().push(NamedQuantity {
                produit: ProductId(t.produit_id),
                nom: t.nom,
                quantite: t.quantite,
            });
        }
        Ok(stores
            .into_iter()
            .map(|s| DashboardRow {
                magasin: StoreId(s.id),
                magasin_nom: s.nom,
                chiffre_affaires: Money(s.chiffre_affaires.saturating_sub(s.retours)),
                retours: Money(s.retours),
                ruptures: s.ruptures,
                surstock: s.surstock,
                tendances: top_products(candidates.remove(&s.id).unwrap_or_default()),
            })
            .collect())
    }
}
