//! End-of-day closes. A close takes its store's row exclusively (where the engine locks rows;
//! SQLite serializes its writers anyway), checks the day is not closed, reads the day's figures
//! and records them, in one transaction. Sales, cancellations and returns take the same row
//! shared and check the day is open in their own transactions ([`SqlStorage::check_day_open`]):
//! a write racing a close either commits first (the close, waiting on the lock, then counts it)
//! or finds the day closed.

use crate::SqlStorage;
use crate::engine::{Connection, Engine};
use crate::rows::{ClosingRow, corrupt};
use crate::statement::Statement;
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use magasin_domain::audit::AuditAction;
use magasin_domain::closing::{ClosingQuery, DayClosing, DayFigures, METHODS, ValidClosing};
use magasin_domain::paging::CursorPage;
use magasin_domain::sales::{PaymentMethod, PaymentTotal, SaleStatus};
use magasin_domain::{Money, StorageError, StorageResult, StoreId, WriteContext};

const COLUMNS: &str = "SELECT c.id, c.magasin_id, m.nom AS magasin_nom, c.jour, c.especes_ventes, c.especes_cents,
    c.carte_ventes, c.carte_cents, c.autre_ventes, c.autre_cents, c.non_precise_ventes, c.non_precise_cents,
    c.annulations, c.retours, c.retours_cents, c.especes_attendues_cents, c.especes_comptees_cents, c.ecart_cents,
    c.note, c.acteur, c.date FROM day_closings c JOIN stores m ON m.id = c.magasin_id";

impl From<ClosingRow> for DayClosing {
    fn from(r: ClosingRow) -> Self {
        let total = |mode, ventes, cents| PaymentTotal { mode, ventes, montant: Money(cents) };
        let totals = [
            total(Some(PaymentMethod::Cash), r.especes_ventes, r.especes_cents),
            total(Some(PaymentMethod::Card), r.carte_ventes, r.carte_cents),
            total(Some(PaymentMethod::Other), r.autre_ventes, r.autre_cents),
            total(None, r.non_precise_ventes, r.non_precise_cents),
        ];
        let figures = DayFigures::new(
            StoreId(r.magasin_id),
            r.magasin_nom,
            r.jour,
            &totals,
            r.annulations,
            (r.retours, Money(r.retours_cents)),
        );
        DayClosing {
            id: r.id,
            figures,
            especes_attendues: Money(r.especes_attendues_cents),
            especes_comptees: Money(r.especes_comptees_cents),
            ecart: Money(r.ecart_cents),
            note: r.note,
            acteur: r.acteur,
            date: r.date,
        }
    }
}

/// The first instant of `day` and of the day after (UTC).
fn bounds(day: NaiveDate) -> (DateTime<Utc>, DateTime<Utc>) {
    let start = day.and_time(NaiveTime::MIN).and_utc();
    (start, start + chrono::Duration::days(1))
}

impl<E: Engine> SqlStorage<E> {
    /// A store's standing sales of one day by payment method, through the store-day index.
    pub(crate) async fn fetch_payments(
        conn: &mut Connection<E>,
        store: StoreId,
        day: NaiveDate,
    ) -> StorageResult<Vec<PaymentTotal>> {
        let select = Statement::new(
            "SELECT mode_paiement, CAST(COUNT(*) AS BIGINT), CAST(COALESCE(SUM(total_cents), 0) AS BIGINT)
             FROM sales WHERE magasin_id = $1 AND jour = $2 AND statut = $3
             GROUP BY mode_paiement ORDER BY mode_paiement",
        )
        .value(store.0)
        .value(day)
        .value(SaleStatus::Recorded.as_str());
        let rows: Vec<(Option<String>, i64, i64)> = Self::all(conn, &select).await?;
        rows.into_iter()
            .map(|(mode, ventes, cents)| {
                let mode = match mode {
                    None => None,
                    Some(m) => Some(PaymentMethod::parse(&m).ok_or_else(|| corrupt("payment method", &m))?),
                };
                Ok(PaymentTotal { mode, ventes, montant: Money(cents) })
            })
            .collect()
    }

    /// A store's day as a close keeps it: its sales by the store-day index, its cancellations
    /// by the index of cancellation times, its returns by the day index.
    async fn fetch_figures(
        conn: &mut Connection<E>,
        store: StoreId,
        name: String,
        day: NaiveDate,
    ) -> StorageResult<DayFigures> {
        let payments = Self::fetch_payments(conn, store, day).await?;
        let (start, end) = bounds(day);
        let cancelled = Statement::new(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM sales
             WHERE date_annulation >= $1 AND date_annulation < $2 AND magasin_id = $3",
        )
        .value(start)
        .value(end)
        .value(store.0);
        let (cancellations,): (i64,) = Self::one(conn, &cancelled).await?;
        let returned = Statement::new(
            "SELECT CAST(COUNT(*) AS BIGINT), CAST(COALESCE(SUM(montant_cents), 0) AS BIGINT)
             FROM sale_returns WHERE jour = $1 AND magasin_id = $2",
        )
        .value(day)
        .value(store.0);
        let (returns, refunded): (i64, i64) = Self::one(conn, &returned).await?;
        Ok(DayFigures::new(store, name, day, &payments, cancellations, (returns, Money(refunded))))
    }

    /// The store's name, its row locked with `lock` (the engine's `FOR UPDATE` or `FOR KEY SHARE`).
    pub(crate) async fn lock_store(conn: &mut Connection<E>, store: StoreId, lock: &str) -> StorageResult<String> {
        let mut select = Statement::new("SELECT nom FROM stores WHERE id = ");
        select.bind(store.0).push(lock);
        let row: Option<(String,)> = Self::optional(conn, &select).await?;
        row.map(|(nom,)| nom).ok_or(StorageError::not_found("store", store.0))
    }

    /// The first of `days` the store's till is closed for.
    pub(crate) async fn closed_day(
        conn: &mut Connection<E>,
        store: StoreId,
        days: &[NaiveDate],
    ) -> StorageResult<Option<NaiveDate>> {
        let mut select = Statement::new("SELECT magasin_id, jour FROM day_closings WHERE magasin_id = ");
        select.bind(store.0).push(" AND jour IN (").bind_list(days.iter().copied()).push(") ORDER BY jour LIMIT 1");
        let row: Option<(i64, NaiveDate)> = Self::optional(conn, &select).await?;
        Ok(row.map(|(_, day)| day))
    }

    /// Takes the store's row shared and checks its till is open on every one of `days`: the
    /// check of a sale, a cancellation or a return, inside its transaction. The store's name.
    /// The closed-day read is a statement of its own, after the lock: on PostgreSQL it then sees
    /// a close that committed while this transaction waited for the row.
    pub(crate) async fn check_day_open(
        conn: &mut Connection<E>,
        store: StoreId,
        days: &[NaiveDate],
    ) -> StorageResult<String> {
        let store_name = Self::lock_store(conn, store, E::DIALECT.for_share).await?;
        Self::refuse_closed(store, &store_name, Self::closed_day(conn, store, days).await?)?;
        Ok(store_name)
    }

    /// Refused (day closed) when `closed` names a day the store's till is closed for.
    pub(crate) fn refuse_closed(store: StoreId, store_name: &str, closed: Option<NaiveDate>) -> StorageResult<()> {
        match closed {
            Some(jour) => Err(StorageError::DayClosed { store, store_name: store_name.to_string(), jour }),
            None => Ok(()),
        }
    }

    pub(crate) async fn figures_of_day(&self, store: StoreId, day: NaiveDate) -> StorageResult<DayFigures> {
        let mut conn = self.reader.acquire().await?;
        let name = Self::fetch_store(&mut conn, store).await?.nom;
        Self::fetch_figures(&mut conn, store, name, day).await
    }

    pub(crate) async fn insert_closing(&self, closing: &ValidClosing, ctx: &WriteContext) -> StorageResult<DayClosing> {
        let (store, jour) = (closing.magasin, closing.jour);
        let mut tx = self.writer.begin().await?;
        let store_name = Self::lock_store(&mut tx, store, E::DIALECT.for_update).await?;
        if Self::closed_day(&mut tx, store, &[jour]).await?.is_some() {
            return Err(StorageError::DayClosed { store, store_name, jour });
        }
        let figures = Self::fetch_figures(&mut tx, store, store_name, jour).await?;
        let mut close =
            DayClosing::of(figures, closing.especes_comptees, closing.note.clone(), ctx.actor.clone(), ctx.at);
        let mut insert = Statement::new(
            "INSERT INTO day_closings (magasin_id, jour, especes_ventes, especes_cents, carte_ventes, carte_cents,
                 autre_ventes, autre_cents, non_precise_ventes, non_precise_cents, annulations, retours, retours_cents,
                 especes_attendues_cents, especes_comptees_cents, ecart_cents, note, acteur, date, request_id) VALUES (",
        );
        insert.bind(store.0).push(", ").bind(jour);
        for mode in METHODS {
            let total = close.figures.paiements.iter().find(|t| t.mode == mode);
            let (ventes, cents) = total.map_or((0, 0), |t| (t.ventes, t.montant.0));
            insert.push(", ").bind_list([ventes, cents]);
        }
        let f = &close.figures;
        insert.push(", ").bind_list([f.annulations, f.retours, f.retours_montant.0]);
        insert.push(", ").bind_list([close.especes_attendues.0, close.especes_comptees.0, close.ecart.0]);
        insert.push(", ").bind(close.note.as_str()).push(", ").bind(ctx.actor.as_str());
        insert.push(", ").bind(ctx.at).push(", ").bind(ctx.request_id.as_deref()).push(") RETURNING id");
        let (id,): (i64,) = Self::one(&mut tx, &insert).await?;
        close.id = id;
        let summary = serde_json::json!({
            "magasin": store.0,
            "jour": jour.to_string(),
            "especes_attendues": close.especes_attendues.to_string(),
            "especes_comptees": close.especes_comptees.to_string(),
            "ecart": close.ecart.to_string(),
        });
        Self::audit(&mut tx, ctx, AuditAction::DayClosed, id, None, Some(summary)).await?;
        tx.commit().await.map_err(E::map_error)?;
        Ok(close)
    }

    pub(crate) async fn closing_of_day(&self, store: StoreId, day: NaiveDate) -> StorageResult<Option<DayClosing>> {
        let mut conn = self.reader.acquire().await?;
        Self::fetch_store(&mut conn, store).await?;
        let select =
            Statement::new(&format!("{COLUMNS} WHERE c.magasin_id = $1 AND c.jour = $2")).value(store.0).value(day);
        let row: Option<ClosingRow> = Self::optional(&mut conn, &select).await?;
        Ok(row.map(DayClosing::from))
    }

    pub(crate) async fn closings_page(&self, query: &ClosingQuery) -> StorageResult<CursorPage<DayClosing>> {
        let mut select = Statement::new(COLUMNS);
        select.push(" WHERE c.magasin_id = ").bind(query.magasin.0);
        select.push(" AND c.id < ").bind(query.cursor.before_or_max());
        if let Some(from) = query.from {
            select.push(" AND c.jour >= ").bind(from);
        }
        if let Some(to) = query.to {
            select.push(" AND c.jour <= ").bind(to);
        }
        select.push(" ORDER BY c.id DESC").limit(query.cursor.fetch_limit());
        let mut conn = self.reader.acquire().await?;
        Self::fetch_store(&mut conn, query.magasin).await?;
        let rows: Vec<ClosingRow> = Self::all(&mut conn, &select).await?;
        let closes = rows.into_iter().map(DayClosing::from).collect();
        Ok(CursorPage::from_rows(closes, query.cursor, |c| c.id))
    }
}
