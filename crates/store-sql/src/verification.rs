//! The ledger's background verifier. A pass (one instance at a time: on PostgreSQL its first
//! step takes an advisory lock, and a second instance skips its pass):
//! 1. in a short write transaction, adds the ledger rows written since the last pass and before
//!    `settled` to the kept sums (`ledger_checkpoint`) and moves their bound; rows newer than
//!    `settled` are added on the fly, never kept, so a slow transaction that commits a lower id
//!    late is still counted next time;
//! 2. with reads only (writers are never held up), compares every balance with its kept sum plus
//!    the newer rows — a join over stock rows, whatever the length of the history — and the kept
//!    aggregates of the store-days (and store-products) that sales, cancellations or returns
//!    touched since the last pass with the sale or return lines they sum, and each store's kept
//!    number of stock rows with the rows it holds (one pass over the stock rows' store index);
//! 3. records what it found for every instance to show.

use crate::SqlStorage;
use crate::engine::{Connection, Engine};
use crate::ledger::LEVELS;
use crate::rows::{AggregateRow, DiscrepancyRow, LIEU, location_of};
use crate::statement::Statement;
use chrono::{DateTime, NaiveDate, SubsecRound, Utc};
use magasin_domain::ledger::LedgerDiscrepancy;
use magasin_domain::verification::{
    AggregateDiscrepancy, AggregateKind, MAX_KEPT_DISCREPANCIES, StockRowsDiscrepancy, VerificationReport,
};
use magasin_domain::{ProductId, StorageResult, StoreId};
use serde_json::{Value, json};

/// Every place's quantity against its kept sum plus the ledger rows since (places numbered as
/// [`LIEU`] says).
fn stock_against_checkpoint() -> String {
    format!(
        "WITH expected AS (
             SELECT lieu, produit_id, CAST(SUM(q) AS BIGINT) AS total FROM (
                 SELECT lieu, produit_id, somme AS q FROM ledger_checkpoint
                 UNION ALL
                 SELECT {LIEU}, produit_id, quantite FROM stock_ledger
                 WHERE id > (SELECT jusqu_a FROM ledger_verification WHERE id = 1)) t
             GROUP BY lieu, produit_id),
         levels AS ({LEVELS})
         SELECT COALESCE(v.lieu, s.lieu) AS lieu, COALESCE(v.produit_id, s.produit_id) AS produit_id,
                COALESCE(v.quantite, 0) AS quantite, COALESCE(s.total, 0) AS ledger_sum
         FROM levels v FULL OUTER JOIN expected s ON s.lieu = v.lieu AND s.produit_id = v.produit_id
         WHERE COALESCE(v.quantite, 0) <> COALESCE(s.total, 0)
         ORDER BY CASE WHEN COALESCE(v.lieu, s.lieu) = 0 THEN 0 ELSE 1 END, ABS(COALESCE(v.lieu, s.lieu)), 1 DESC, 2"
    )
}

/// Every store whose kept number of stock rows differs from the rows it holds.
const STOCK_ROWS_AGAINST_COUNT: &str = "SELECT m.id, m.stock_rows, COALESCE(c.n, 0) FROM stores m
     LEFT JOIN (SELECT magasin_id, COUNT(*) AS n FROM store_stock GROUP BY magasin_id) c ON c.magasin_id = m.id
     WHERE m.stock_rows <> COALESCE(c.n, 0) ORDER BY m.id";

/// A pair of kept aggregates and the lines they sum: which store-days and store-products were
/// touched since a pass (records with an id above `$1`, and for sales those cancelled at or
/// after `$2`; each day and pair once, or the join would count its lines again), and how to
/// reach the lines of a touched day (`days d` joined to `s`, `l`).
struct KeptSums {
    kind: AggregateKind,
    touched_days: &'static str,
    touched_pairs: &'static str,
    lines_of_days: &'static str,
    daily: &'static str,
    totals: &'static str,
}

const SALES: KeptSums = KeptSums {
    kind: AggregateKind::Sales,
    touched_days: "SELECT magasin_id, jour FROM sales WHERE id > $1
         UNION SELECT magasin_id, jour FROM sales WHERE date_annulation >= $2",
    touched_pairs:
        "SELECT s.magasin_id, l.produit_id FROM sales s JOIN sale_lines l ON l.vente_id = s.id WHERE s.id > $1
         UNION SELECT s.magasin_id, l.produit_id FROM sales s JOIN sale_lines l ON l.vente_id = s.id
               WHERE s.date_annulation >= $2",
    lines_of_days: "JOIN sales s ON s.magasin_id = d.magasin_id AND s.jour = d.jour
         JOIN sale_lines l ON l.vente_id = s.id WHERE s.statut = 'validée'",
    daily: "sales_daily",
    totals: "sales_totals",
};

/// Returns are never undone: what was touched is what was recorded since.
const RETURNS: KeptSums = KeptSums {
    kind: AggregateKind::Returns,
    touched_days: "SELECT DISTINCT magasin_id, jour FROM sale_returns WHERE id > $1",
    touched_pairs: "SELECT DISTINCT s.magasin_id, l.produit_id FROM sale_returns s JOIN sale_return_lines l
         ON l.retour_id = s.id WHERE s.id > $1",
    lines_of_days: "JOIN sale_returns s ON s.magasin_id = d.magasin_id AND s.jour = d.jour
         JOIN sale_return_lines l ON l.retour_id = s.id WHERE TRUE",
    daily: "returns_daily",
    totals: "returns_totals",
};

/// The kept days touched since, against the lines they sum.
fn daily_against_lines(kept: &KeptSums) -> String {
    let KeptSums { touched_days, lines_of_days, daily, .. } = kept;
    format!(
        "WITH days AS ({touched_days}),
         summed AS (
             SELECT s.magasin_id, s.jour, l.produit_id, CAST(SUM(l.quantite) AS BIGINT) AS q,
                    CAST(SUM(l.quantite * l.prix_unitaire_cents) AS BIGINT) AS m
             FROM days d {lines_of_days} GROUP BY s.magasin_id, s.jour, l.produit_id),
         kept AS (
             SELECT k.magasin_id, k.jour, k.produit_id, k.quantite AS q, k.montant_cents AS m
             FROM days d JOIN {daily} k ON k.magasin_id = d.magasin_id AND k.jour = d.jour)
         SELECT COALESCE(k.magasin_id, s.magasin_id) AS magasin_id, COALESCE(k.jour, s.jour) AS jour,
                COALESCE(k.produit_id, s.produit_id) AS produit_id,
                COALESCE(k.q, 0) AS kept_quantite, COALESCE(k.m, 0) AS kept_montant,
                COALESCE(s.q, 0) AS summed_quantite, COALESCE(s.m, 0) AS summed_montant
         FROM kept k FULL OUTER JOIN summed s
              ON s.magasin_id = k.magasin_id AND s.jour = k.jour AND s.produit_id = k.produit_id
         WHERE COALESCE(k.q, 0) <> COALESCE(s.q, 0) OR COALESCE(k.m, 0) <> COALESCE(s.m, 0)
         ORDER BY 1, 2, 3"
    )
}

/// The all-time totals of the store-products touched since, against the sum of their days.
fn totals_against_days(kept: &KeptSums) -> String {
    let KeptSums { touched_pairs, daily, totals, .. } = kept;
    format!(
        "WITH pairs AS ({touched_pairs}),
         days AS (
             SELECT d.magasin_id, d.produit_id, CAST(SUM(d.quantite) AS BIGINT) AS q,
                    CAST(SUM(d.montant_cents) AS BIGINT) AS m
             FROM pairs p JOIN {daily} d ON d.magasin_id = p.magasin_id AND d.produit_id = p.produit_id
             GROUP BY d.magasin_id, d.produit_id),
         kept AS (
             SELECT t.magasin_id, t.produit_id, t.quantite AS q, t.montant_cents AS m
             FROM pairs p JOIN {totals} t ON t.magasin_id = p.magasin_id AND t.produit_id = p.produit_id)
         SELECT COALESCE(k.magasin_id, d.magasin_id) AS magasin_id, CAST(NULL AS DATE) AS jour,
                COALESCE(k.produit_id, d.produit_id) AS produit_id,
                COALESCE(k.q, 0) AS kept_quantite, COALESCE(k.m, 0) AS kept_montant,
                COALESCE(d.q, 0) AS summed_quantite, COALESCE(d.m, 0) AS summed_montant
         FROM kept k FULL OUTER JOIN days d ON d.magasin_id = k.magasin_id AND d.produit_id = k.produit_id
         WHERE COALESCE(k.q, 0) <> COALESCE(d.q, 0) OR COALESCE(k.m, 0) <> COALESCE(d.m, 0)
         ORDER BY 1, 3"
    )
}

fn aggregate_of(kind: AggregateKind, r: AggregateRow) -> AggregateDiscrepancy {
    AggregateDiscrepancy {
        kind,
        magasin: StoreId(r.magasin_id),
        jour: r.jour,
        produit: ProductId(r.produit_id),
        kept_quantite: r.kept_quantite,
        kept_montant: r.kept_montant,
        summed_quantite: r.summed_quantite,
        summed_montant: r.summed_montant,
    }
}

/// What the state row keeps of a pass's discrepancies (the first of each kind).
fn details(stock: &[LedgerDiscrepancy], aggregates: &[AggregateDiscrepancy], rows: &[StockRowsDiscrepancy]) -> String {
    let store = |l: magasin_domain::stock::Location| match l {
        magasin_domain::stock::Location::Warehouse => None,
        magasin_domain::stock::Location::Store(s) => Some(s.0),
    };
    json!({
        "stock": stock.iter().map(|d| json!([store(d.location), d.produit.0, d.quantite, d.ledger_sum, d.en_transit]))
            .collect::<Vec<_>>(),
        "aggregates": aggregates.iter().map(|a| json!([a.magasin.0, a.jour, a.produit.0, a.kept_quantite,
            a.kept_montant, a.summed_quantite, a.summed_montant, a.kind.as_str()])).collect::<Vec<_>>(),
        "stock_rows": rows.iter().map(|r| json!([r.magasin.0, r.kept, r.counted])).collect::<Vec<_>>(),
    })
    .to_string()
}

/// A pass as the state row keeps it: the ledger id it reached, when, how many balances,
/// aggregates and stores' numbers of stock rows differ, the details, how long it took.
type PassRow = (i64, DateTime<Utc>, i64, i64, i64, String, i64);

type Details = (Vec<LedgerDiscrepancy>, Vec<AggregateDiscrepancy>, Vec<StockRowsDiscrepancy>);

/// The discrepancies a state row keeps, read back (a pass kept before stores' rows were checked
/// has none of those).
fn parse_details(text: &str) -> Details {
    let value: Value = serde_json::from_str(text).unwrap_or(Value::Null);
    let int = |v: &Value| v.as_i64().unwrap_or(0);
    let stock = value["stock"]
        .as_array()
        .map(|rows| {
            rows.iter()
                .map(|r| LedgerDiscrepancy {
                    location: location_of(r[0].as_i64()),
                    en_transit: r[4].as_bool().unwrap_or(false),
                    produit: ProductId(int(&r[1])),
                    quantite: int(&r[2]),
                    ledger_sum: int(&r[3]),
                })
                .collect()
        })
        .unwrap_or_default();
    let aggregates = value["aggregates"]
        .as_array()
        .map(|rows| {
            rows.iter()
                .map(|r| AggregateDiscrepancy {
                    kind: AggregateKind::parse(r[7].as_str()),
                    magasin: StoreId(int(&r[0])),
                    jour: r[1].as_str().and_then(|d| d.parse::<NaiveDate>().ok()),
                    produit: ProductId(int(&r[2])),
                    kept_quantite: int(&r[3]),
                    kept_montant: int(&r[4]),
                    summed_quantite: int(&r[5]),
                    summed_montant: int(&r[6]),
                })
                .collect()
        })
        .unwrap_or_default();
    let rows = value["stock_rows"]
        .as_array()
        .map(|rows| {
            rows.iter()
                .map(|r| StockRowsDiscrepancy { magasin: StoreId(int(&r[0])), kept: int(&r[1]), counted: int(&r[2]) })
                .collect()
        })
        .unwrap_or_default();
    (stock, aggregates, rows)
}

impl<E: Engine> SqlStorage<E> {
    /// The kept sales aggregates touched since the sale `last_sale` (and the cancellations since
    /// `since`), and the kept returns aggregates touched since the return `last_return`.
    async fn aggregate_discrepancies(
        conn: &mut Connection<E>,
        last_sale: i64,
        since: DateTime<Utc>,
        last_return: i64,
    ) -> StorageResult<Vec<AggregateDiscrepancy>> {
        let mut found = Vec::new();
        for (kept, last) in [(&SALES, last_sale), (&RETURNS, last_return)] {
            for sql in [daily_against_lines(kept), totals_against_days(kept)] {
                let mut statement = Statement::new(&sql).value(last);
                if kept.kind == AggregateKind::Sales {
                    statement = statement.value(since);
                }
                let rows: Vec<AggregateRow> = Self::all(conn, &statement).await?;
                found.extend(rows.into_iter().map(|r| aggregate_of(kept.kind, r)));
            }
        }
        Ok(found)
    }

    async fn stock_rows_against_count(conn: &mut Connection<E>) -> StorageResult<Vec<StockRowsDiscrepancy>> {
        let rows: Vec<(i64, i64, i64)> = Self::all(conn, &Statement::new(STOCK_ROWS_AGAINST_COUNT)).await?;
        Ok(rows
            .into_iter()
            .map(|(id, kept, counted)| StockRowsDiscrepancy { magasin: StoreId(id), kept, counted })
            .collect())
    }

    pub(crate) async fn verification_pass(
        &self,
        now: DateTime<Utc>,
        settled: DateTime<Utc>,
    ) -> StorageResult<Option<VerificationReport>> {
        let started = std::time::Instant::now();
        // To the microsecond, as both engines keep it.
        let now = now.trunc_subsecs(6);
        // 1. The kept sums, in a short write transaction (the only step two instances must not
        //    run at once: on PostgreSQL, under the advisory lock).
        let mut tx = self.writer.begin().await?;
        if let Some(lock) = E::DIALECT.verifier_lock {
            let (locked,): (bool,) = Self::one(&mut tx, &Statement::new(lock)).await?;
            if !locked {
                return Ok(None);
            }
        }
        let state = Statement::new("SELECT jusqu_a, vente_id, date, retour_id FROM ledger_verification WHERE id = 1");
        let (last, last_sale, last_at, last_return): (i64, i64, Option<DateTime<Utc>>, i64) =
            Self::one(&mut tx, &state).await?;
        let through = Statement::new("SELECT COALESCE(MAX(id), $1) FROM stock_ledger WHERE id > $1 AND date < $2")
            .value(last)
            .value(settled);
        let (through,): (i64,) = Self::one(&mut tx, &through).await?;
        if through > last {
            let add = Statement::new(&format!(
                "INSERT INTO ledger_checkpoint (lieu, produit_id, somme)
                 SELECT {LIEU}, produit_id, CAST(SUM(quantite) AS BIGINT) FROM stock_ledger
                 WHERE id > $1 AND id <= $2 GROUP BY 1, produit_id
                 ON CONFLICT (lieu, produit_id) DO UPDATE SET somme = ledger_checkpoint.somme + excluded.somme"
            ))
            .value(last)
            .value(through);
            Self::execute(&mut tx, &add).await?;
            let moved = Statement::new("UPDATE ledger_verification SET jusqu_a = $1 WHERE id = 1").value(through);
            Self::execute(&mut tx, &moved).await?;
        }
        // Where the next pass starts among sales, read before this one compares: a sale recorded
        // meanwhile, or still in flight within the margin, is looked at next time.
        let next_sales = Statement::new(
            "SELECT COALESCE((SELECT MIN(id) - 1 FROM sales WHERE date_vente >= $1), (SELECT MAX(id) FROM sales), 0)",
        )
        .value(settled);
        let (next_sale,): (i64,) = Self::one(&mut tx, &next_sales).await?;
        let next_returns = Statement::new(
            "SELECT COALESCE((SELECT MIN(id) - 1 FROM sale_returns WHERE date >= $1),
                             (SELECT MAX(id) FROM sale_returns), 0)",
        )
        .value(settled);
        let (next_return,): (i64,) = Self::one(&mut tx, &next_returns).await?;
        tx.commit().await.map_err(E::map_error)?;

        // 2. The comparisons: reads, each one statement (one snapshot) that reads the kept sums
        //    with the ledger id they go up to, so writers are never held up.
        let mut conn = self.reader.acquire().await?;
        let stock: Vec<DiscrepancyRow> = Self::all(&mut conn, &Statement::new(&stock_against_checkpoint())).await?;
        let stock: Vec<LedgerDiscrepancy> = stock.into_iter().map(LedgerDiscrepancy::from).collect();
        // Cancellations since the last pass, with the same margin as the ledger's.
        let since = last_at.map_or(DateTime::<Utc>::UNIX_EPOCH, |at| at - (now - settled));
        let aggregates = Self::aggregate_discrepancies(&mut conn, last_sale, since, last_return).await?;
        let stock_rows = Self::stock_rows_against_count(&mut conn).await?;
        drop(conn);
        let report = VerificationReport {
            at: now,
            ledger_through: through,
            stock_count: i64::try_from(stock.len()).unwrap_or(i64::MAX),
            aggregate_count: i64::try_from(aggregates.len()).unwrap_or(i64::MAX),
            stock: stock.into_iter().take(MAX_KEPT_DISCREPANCIES).collect(),
            aggregates: aggregates.into_iter().take(MAX_KEPT_DISCREPANCIES).collect(),
            stock_rows_count: i64::try_from(stock_rows.len()).unwrap_or(i64::MAX),
            stock_rows: stock_rows.into_iter().take(MAX_KEPT_DISCREPANCIES).collect(),
            duration_ms: i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX),
        };

        // 3. What it found, for every instance to show.
        let record = Statement::new(
            "UPDATE ledger_verification SET vente_id = $1, date = $2, ecarts_stock = $3, ecarts_agregats = $4,
                    details = $5, duree_ms = $6, retour_id = $7, ecarts_lignes = $8 WHERE id = 1",
        )
        .value(next_sale.max(last_sale))
        .value(report.at)
        .value(report.stock_count)
        .value(report.aggregate_count)
        .value(details(&report.stock, &report.aggregates, &report.stock_rows))
        .value(report.duration_ms)
        .value(next_return.max(last_return))
        .value(report.stock_rows_count);
        let mut conn = self.writer.acquire().await?;
        Self::execute(&mut conn, &record).await?;
        Ok(Some(report))
    }

    /// Every day and total: as if no pass had run.
    pub(crate) async fn every_aggregate_discrepancy(&self) -> StorageResult<Vec<AggregateDiscrepancy>> {
        let mut conn = self.reader.acquire().await?;
        Self::aggregate_discrepancies(&mut conn, 0, DateTime::<Utc>::UNIX_EPOCH, 0).await
    }

    /// Every store whose kept number of stock rows differs from its rows.
    pub(crate) async fn every_stock_rows_discrepancy(&self) -> StorageResult<Vec<StockRowsDiscrepancy>> {
        let mut conn = self.reader.acquire().await?;
        Self::stock_rows_against_count(&mut conn).await
    }

    pub(crate) async fn last_pass(&self) -> StorageResult<Option<VerificationReport>> {
        let mut conn = self.reader.acquire().await?;
        let select = Statement::new(
            "SELECT jusqu_a, date, ecarts_stock, ecarts_agregats, ecarts_lignes, details, duree_ms FROM ledger_verification
             WHERE id = 1 AND date IS NOT NULL",
        );
        let row: Option<PassRow> = Self::optional(&mut conn, &select).await?;
        Ok(row.map(|(through, at, stock_count, aggregate_count, stock_rows_count, text, duration_ms)| {
            let (stock, aggregates, stock_rows) = parse_details(&text);
            VerificationReport {
                at,
                ledger_through: through,
                stock,
                stock_count,
                aggregates,
                aggregate_count,
                stock_rows,
                stock_rows_count,
                duration_ms,
            }
        }))
    }
}
