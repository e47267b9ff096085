//! The stock ledger: movements appended in the transaction that makes them, read back by
//! location, and checked against the stock tables.

use crate::SqlStorage;
use crate::engine::{Connection, Engine};
use crate::rows::{DiscrepancyRow, LIEU, LedgerRow, store_column};
use crate::statement::{Statement, Value};
use magasin_domain::ledger::{DocumentIds, LedgerDiscrepancy, LedgerEntry, LedgerQuery, LedgerReason, SourceDocument};
use magasin_domain::paging::CursorPage;
use magasin_domain::stock::Location;
use magasin_domain::{ProductId, StorageResult, WriteContext};

/// One stock movement: `quantite` is signed, `solde` the balance after it.
pub struct Movement {
    pub location: Location,
    pub produit: ProductId,
    pub quantite: i64,
    pub solde: i64,
    pub motif: LedgerReason,
    pub document: Option<SourceDocument>,
}

/// The movements of one write, appended together in the order pushed.
pub struct LedgerBatch<'a> {
    ctx: &'a WriteContext,
    /// Each movement, and whether it is of the goods in transit to its store.
    movements: Vec<(Movement, bool)>,
}

impl<'a> LedgerBatch<'a> {
    pub fn new(ctx: &'a WriteContext) -> Self {
        Self { ctx, movements: Vec::new() }
    }

    pub fn push(&mut self, movement: Movement) {
        self.movements.push((movement, false));
    }

    /// A movement of the goods in transit to the store `movement.location` names.
    pub fn push_transit(&mut self, movement: Movement) {
        self.movements.push((movement, true));
    }

    /// The ledger row of each movement.
    fn rows(self) -> Vec<Vec<Value>> {
        let (request_id, at, actor) = (self.ctx.request_id.clone(), self.ctx.at, self.ctx.actor.clone());
        self.movements
            .into_iter()
            .map(move |(m, en_transit)| {
                let documents = DocumentIds::of(m.document);
                vec![
                    store_column(m.location).into(),
                    m.produit.0.into(),
                    m.quantite.into(),
                    m.solde.into(),
                    m.motif.as_str().into(),
                    documents.sale.into(),
                    documents.replenishment.into(),
                    documents.receipt.into(),
                    documents.adjustment.into(),
                    documents.sale_return.into(),
                    documents.shipment.into(),
                    en_transit.into(),
                    request_id.as_deref().into(),
                    at.into(),
                    actor.as_str().into(),
                ]
            })
            .collect()
    }
}

/// Every place's quantities, numbered as [`LIEU`] says: `(lieu, produit_id, quantite)`.
pub(crate) const LEVELS: &str = "SELECT CAST(0 AS BIGINT) AS lieu, produit_id, quantite FROM warehouse_stock
     UNION ALL SELECT magasin_id, produit_id, quantite FROM store_stock
     UNION ALL SELECT -magasin_id, produit_id, quantite FROM transit_stock";

const LEDGER_INSERT: &str =
    "INSERT INTO stock_ledger (magasin_id, produit_id, quantite, solde, motif, vente_id, demande_id, reception_id,
                               ajustement_id, retour_id, expedition_id, en_transit, request_id, date, acteur)
     VALUES ";
const LEDGER_WIDTH: usize = 15;

/// The statements appending the batch's movements, as few as the engine's bind budget allows.
pub(crate) fn ledger_inserts<E: Engine>(batch: LedgerBatch<'_>) -> Vec<Statement> {
    row_inserts::<E>(LEDGER_INSERT, "", LEDGER_WIDTH, batch.rows())
}

/// `head` followed by as many rows of `width` values as one statement of the engine binds (its
/// `binds_per_statement`), then `tail`; as many statements as the rows need.
fn row_inserts<E: Engine>(head: &str, tail: &str, width: usize, rows: Vec<Vec<Value>>) -> Vec<Statement> {
    row_inserts_within(E::DIALECT.binds_per_statement, head, tail, width, rows)
}

/// [`row_inserts`] for a budget of `binds` values per statement (one row at least).
fn row_inserts_within(binds: usize, head: &str, tail: &str, width: usize, rows: Vec<Vec<Value>>) -> Vec<Statement> {
    let per_statement = (binds / width).max(1);
    let mut rows = rows.into_iter().peekable();
    let mut inserts = Vec::new();
    while rows.peek().is_some() {
        let mut insert = Statement::new(head);
        insert.bind_rows(rows.by_ref().take(per_statement)).push(tail);
        inserts.push(insert);
    }
    inserts
}

impl<E: Engine> SqlStorage<E> {
    /// Appends the batch's movements, in as few statements as the engine's bind limit allows.
    pub(crate) async fn append_ledger(conn: &mut Connection<E>, batch: LedgerBatch<'_>) -> StorageResult<()> {
        Self::execute_all(conn, ledger_inserts::<E>(batch)).await
    }

    /// `head` followed by as many rows of `width` values as one statement may bind, then
    /// `tail`; as many statements as the rows need.
    pub(crate) async fn insert_rows(
        conn: &mut Connection<E>,
        head: &str,
        tail: &str,
        width: usize,
        rows: Vec<Vec<Value>>,
    ) -> StorageResult<()> {
        Self::execute_all(conn, row_inserts::<E>(head, tail, width, rows)).await
    }

    pub(crate) async fn ledger_page(&self, query: &LedgerQuery) -> StorageResult<CursorPage<LedgerEntry>> {
        let mut select = Statement::new(
            "SELECT l.id, l.magasin_id, l.produit_id, p.nom AS produit_nom, l.quantite, l.solde, l.motif,
                    l.vente_id, l.demande_id, l.reception_id, l.ajustement_id, l.retour_id, l.expedition_id, l.request_id, l.date, l.acteur
             FROM stock_ledger l JOIN products p ON p.id = l.produit_id",
        );
        match query.location {
            Location::Warehouse => select.push(" WHERE l.magasin_id IS NULL"),
            Location::Store(id) => select.push(" WHERE l.magasin_id = ").bind(id.0),
        };
        select.push(" AND l.en_transit = ").bind(false);
        if let Some(p) = query.produit {
            select.push(" AND l.produit_id = ").bind(p.0);
        }
        select.push(" AND l.id < ").bind(query.cursor.before_or_max());
        select.push(" ORDER BY l.id DESC").limit(query.cursor.fetch_limit());
        let mut conn = self.reader.acquire().await?;
        let rows: Vec<LedgerRow> = Self::all(&mut conn, &select).await?;
        let entries = rows.into_iter().map(LedgerEntry::try_from).collect::<Result<Vec<_>, _>>()?;
        Ok(CursorPage::from_rows(entries, query.cursor, |e| e.id.0))
    }

    /// Ledger sums and stock rows compared by a full outer join on (place, product): a stock
    /// row without entries, or entries without a stock row, count as well. Places are numbered
    /// as [`LIEU`] says: the warehouse, each store, and the goods in transit to each store.
    pub(crate) async fn discrepancies(&self) -> StorageResult<Vec<LedgerDiscrepancy>> {
        let mut conn = self.reader.acquire().await?;
        let select = Statement::new(&format!(
            "WITH sums AS (
                 SELECT {LIEU} AS lieu, produit_id, CAST(SUM(quantite) AS BIGINT) AS total
                 FROM stock_ledger GROUP BY 1, 2),
             levels AS ({LEVELS})
             SELECT COALESCE(v.lieu, s.lieu) AS lieu, COALESCE(v.produit_id, s.produit_id) AS produit_id,
                    COALESCE(v.quantite, 0) AS quantite, COALESCE(s.total, 0) AS ledger_sum
             FROM levels v FULL OUTER JOIN sums s ON s.lieu = v.lieu AND s.produit_id = v.produit_id
             WHERE COALESCE(v.quantite, 0) <> COALESCE(s.total, 0)
             ORDER BY CASE WHEN COALESCE(v.lieu, s.lieu) = 0 THEN 0 ELSE 1 END, ABS(COALESCE(v.lieu, s.lieu)),
                      1 DESC, 2"
        ));
        let rows: Vec<DiscrepancyRow> = Self::all(&mut conn, &select).await?;
        Ok(rows.into_iter().map(LedgerDiscrepancy::from).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(n: i64, width: usize) -> Vec<Vec<Value>> {
        (0..n).map(|i| (0..width).map(|_| Value::from(i)).collect()).collect()
    }

    #[test]
    fn rows_are_split_within_the_bind_budget_and_none_is_lost() {
        let inserts = row_inserts_within(500, "INSERT INTO t VALUES ", " ON CONFLICT DO NOTHING", 15, rows(100, 15));
        let sizes: Vec<usize> = inserts.iter().map(|s| s.values().len()).collect();
        assert_eq!(sizes, [495, 495, 495, 15], "33 rows of 15 values per statement");
        assert!(inserts.iter().all(|s| s.sql().ends_with(" ON CONFLICT DO NOTHING")));
        let first_of_each: Vec<&Value> = inserts.iter().map(|s| &s.values()[0]).collect();
        assert_eq!(first_of_each, [&Value::Int(0), &Value::Int(33), &Value::Int(66), &Value::Int(99)]);
    }

    #[test]
    fn a_row_wider_than_the_budget_still_goes_alone() {
        let inserts = row_inserts_within(10, "INSERT INTO t VALUES ", "", 15, rows(2, 15));
        assert_eq!(inserts.iter().map(|s| s.values().len()).collect::<Vec<_>>(), [15, 15]);
    }
}
