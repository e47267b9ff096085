//! Physical counts: opening snapshots every product of the location (or of one category) with
//! the ledger id it was taken at; entering stores what was counted and when; validating posts
//! each line's variance as an `inventaire` adjustment, the variance taken against the snapshot
//! plus the movements between it and the moment the line was counted.

use crate::SqlStorage;
use crate::adjustments::Posting;
use crate::engine::{Connection, Engine};
use crate::rows::{CountLineRow, CountRow, store_column};
use crate::statement::Statement;
use crate::stock::NewStockRows;
use magasin_domain::adjustments::AdjustmentReason;
use magasin_domain::audit::AuditAction;
use magasin_domain::counts::{Count, CountEntry, CountQuery, CountStatus, NewCount};
use magasin_domain::paging::CursorPage;
use magasin_domain::stock::Location;
use magasin_domain::{CountId, ProductId, StorageError, StorageResult, WriteContext};

const COUNT_COLUMNS: &str = "SELECT id, magasin_id, categorie, statut, repere, date_ouverture, acteur, date_cloture,
        acteur_cloture FROM counts";

/// The `stock_ledger` condition naming the count's location (alias `g`).
fn ledger_location(location: Location) -> String {
    match location {
        Location::Warehouse => "g.magasin_id IS NULL".into(),
        Location::Store(id) => format!("g.magasin_id = {}", id.0),
    }
}

impl<E: Engine> SqlStorage<E> {
    async fn count_row(conn: &mut Connection<E>, id: CountId, lock: bool) -> StorageResult<CountRow> {
        let mut select = Statement::new(&format!("{COUNT_COLUMNS} WHERE id = $1")).value(id.0);
        if lock {
            select.push(E::DIALECT.for_update);
        }
        let row: Option<CountRow> = Self::optional(conn, &select).await?;
        row.ok_or(StorageError::not_found("count", id.0))
    }

    /// The lines, with what each should hold: the snapshot plus the movements since, up to when
    /// the line was counted (the kept figure once validated).
    async fn count_lines(conn: &mut Connection<E>, row: &CountRow) -> StorageResult<Vec<CountLineRow>> {
        let location = ledger_location(row.location());
        let select = Statement::new(&format!(
            "SELECT l.produit_id, p.nom AS produit_nom, l.attendu, l.compte, l.ecart,
                    COALESCE(l.attendu_final, l.attendu + COALESCE((
                        SELECT CAST(SUM(g.quantite) AS BIGINT) FROM stock_ledger g
                        WHERE {location} AND g.produit_id = l.produit_id AND g.id > $2
                          AND (l.compte_le IS NULL OR g.date <= l.compte_le)), 0)) AS attendu_calcule,
                    COALESCE(l.prix_unitaire_cents, p.prix_cents) AS prix_cents
             FROM count_lines l JOIN products p ON p.id = l.produit_id
             WHERE l.inventaire_id = $1 ORDER BY l.produit_id"
        ))
        .value(row.id)
        .value(row.repere);
        Self::all(conn, &select).await
    }

    async fn fetch_count(conn: &mut Connection<E>, id: CountId) -> StorageResult<Count> {
        let row = Self::count_row(conn, id, false).await?;
        let lines = Self::count_lines(conn, &row).await?;
        row.into_count(lines)
    }

    pub(crate) async fn count(&self, id: CountId) -> StorageResult<Count> {
        let mut conn = self.reader.acquire().await?;
        Self::fetch_count(&mut conn, id).await
    }

    pub(crate) async fn count_place(&self, id: CountId) -> StorageResult<Location> {
        let mut conn = self.reader.acquire().await?;
        Ok(Self::count_row(&mut conn, id, false).await?.location())
    }

    pub(crate) async fn counts_page(&self, query: &CountQuery) -> StorageResult<CursorPage<Count>> {
        let mut select = Statement::new(COUNT_COLUMNS);
        select.push(" WHERE id < ").bind(query.cursor.before_or_max());
        match query.location {
            Location::Warehouse => select.push(" AND magasin_id IS NULL"),
            Location::Store(id) => select.push(" AND magasin_id = ").bind(id.0),
        };
        select.push(" ORDER BY id DESC").limit(query.cursor.fetch_limit());
        let mut conn = self.reader.acquire().await?;
        let rows: Vec<CountRow> = Self::all(&mut conn, &select).await?;
        let counts = rows.into_iter().map(|r| r.into_count(Vec::new())).collect::<Result<Vec<_>, _>>()?;
        Ok(CursorPage::from_rows(counts, query.cursor, |c| c.id.0))
    }

    pub(crate) async fn insert_count(&self, count: &NewCount, ctx: &WriteContext) -> StorageResult<Count> {
        let mut tx = self.writer.begin().await?;
        let (stock, join) = match count.location {
            Location::Warehouse => ("warehouse_stock", "s.produit_id = p.id".to_string()),
            Location::Store(store) => {
                let exists = Statement::new("SELECT id FROM stores WHERE id = $1").value(store.0);
                let found: Option<(i64,)> = Self::optional(&mut tx, &exists).await?;
                found.ok_or(StorageError::not_found("store", store.0))?;
                ("store_stock", format!("s.produit_id = p.id AND s.magasin_id = {}", store.0))
            }
        };
        // Writers of the location's stock finish first (and wait for this transaction after), so
        // that the snapshot and the ledger id it was taken at agree.
        if !E::DIALECT.for_share.is_empty() {
            let mut lock = Statement::new(&format!("SELECT s.produit_id FROM {stock} s WHERE TRUE"));
            if let Location::Store(store) = count.location {
                lock.push(" AND s.magasin_id = ").bind(store.0);
            }
            lock.push(E::DIALECT.for_share);
            Self::all::<(i64,)>(&mut tx, &lock).await?;
        }
        let (repere,): (i64,) =
            Self::one(&mut tx, &Statement::new("SELECT COALESCE(MAX(id), 0) FROM stock_ledger")).await?;
        let insert = Statement::new(
            "INSERT INTO counts (magasin_id, categorie, statut, repere, date_ouverture, acteur, request_id)
             VALUES ($1, $2, 'ouvert', $3, $4, $5, $6) RETURNING id",
        )
        .value(store_column(count.location))
        .value(count.categorie.as_deref())
        .value(repere)
        .value(count.at)
        .value(ctx.actor.as_str())
        .value(ctx.request_id.as_deref());
        let (id,): (i64,) = Self::one(&mut tx, &insert).await?;
        let mut lines = Statement::new(&format!(
            "INSERT INTO count_lines (inventaire_id, produit_id, attendu)
             SELECT $1, p.id, COALESCE(s.quantite, 0) FROM products p LEFT JOIN {stock} s ON {join} WHERE TRUE"
        ))
        .value(id);
        if let Some(category) = &count.categorie {
            lines.push(" AND p.categorie = ").bind(category.as_str());
        }
        let (inserted,): (i64,) = {
            Self::execute(&mut tx, &lines).await?;
            let n = Statement::new("SELECT COUNT(*) FROM count_lines WHERE inventaire_id = $1").value(id);
            Self::one(&mut tx, &n).await?
        };
        if inserted == 0 {
            return Err(StorageError::Conflict(format!(
                "No product is in the category {:?}: nothing to count.",
                count.categorie.as_deref().unwrap_or_default()
            )));
        }
        let summary = serde_json::json!({"magasin": store_column(count.location), "categorie": count.categorie,
            "lignes": inserted});
        Self::audit(&mut tx, ctx, AuditAction::CountOpened, id, None, Some(summary)).await?;
        let opened = Self::fetch_count(&mut tx, CountId(id)).await?;
        tx.commit().await.map_err(E::map_error)?;
        Ok(opened)
    }

    /// The count, locked, if it is still open; a conflict naming its state otherwise.
    async fn open_count(conn: &mut Connection<E>, id: CountId) -> StorageResult<CountRow> {
        let row = Self::count_row(conn, id, true).await?;
        match CountStatus::parse(&row.statut) {
            Some(CountStatus::Open) => Ok(row),
            Some(CountStatus::Validated) => Err(StorageError::Conflict(format!("Count {id} is already validated."))),
            _ => Err(StorageError::Conflict(format!("Count {id} is cancelled."))),
        }
    }

    pub(crate) async fn enter_entries(
        &self,
        id: CountId,
        entries: &[CountEntry],
        ctx: &WriteContext,
    ) -> StorageResult<Count> {
        let mut tx = self.writer.begin().await?;
        Self::open_count(&mut tx, id).await?;
        for entry in entries {
            let update = Statement::new(
                "UPDATE count_lines SET compte = $1, compte_le = $2 WHERE inventaire_id = $3 AND produit_id = $4
                 RETURNING produit_id",
            )
            .value(entry.compte)
            .value(ctx.at)
            .value(id.0)
            .value(entry.produit.0);
            let found: Option<(i64,)> = Self::optional(&mut tx, &update).await?;
            found.ok_or(StorageError::not_found("product on this count", entry.produit.0))?;
        }
        let summary =
            serde_json::json!({"lignes": entries.iter().map(|e| [e.produit.0, e.compte]).collect::<Vec<_>>()});
        Self::audit(&mut tx, ctx, AuditAction::CountEntered, id.0, None, Some(summary)).await?;
        let count = Self::fetch_count(&mut tx, id).await?;
        tx.commit().await.map_err(E::map_error)?;
        Ok(count)
    }

    pub(crate) async fn close_count(&self, id: CountId, validate: bool, ctx: &WriteContext) -> StorageResult<Count> {
        let mut tx = self.writer.begin().await?;
        let row = Self::open_count(&mut tx, id).await?;
        let mut posted = 0;
        // The stock rows its lines create are added to the store's count last: holding the
        // store's row from one line to the next could deadlock with a restock of the store.
        let mut created = NewStockRows::default();
        if validate {
            let location = row.location();
            let note = format!("Inventaire n° {id}");
            for line in Self::count_lines(&mut tx, &row).await? {
                let Some(counted) = line.compte else { continue };
                let variance = counted - line.attendu_calcule;
                let mut adjustment = None;
                if variance != 0 {
                    let posting = Posting {
                        location,
                        product: (ProductId(line.produit_id), &line.produit_nom, line.prix_cents),
                        delta: variance,
                        motif: AdjustmentReason::CountVariance,
                        note: &note,
                        count: Some(id.0),
                    };
                    adjustment = Some(Self::post_adjustment(&mut tx, &posting, ctx, &mut created).await?.0);
                    posted += 1;
                }
                let keep = Statement::new(
                    "UPDATE count_lines SET attendu_final = $1, ecart = $2, prix_unitaire_cents = $3, ajustement_id = $4
                     WHERE inventaire_id = $5 AND produit_id = $6",
                )
                .value(line.attendu_calcule)
                .value(variance)
                .value(line.prix_cents)
                .value(adjustment)
                .value(id.0)
                .value(line.produit_id);
                Self::execute(&mut tx, &keep).await?;
            }
        }
        let status = if validate { CountStatus::Validated } else { CountStatus::Cancelled };
        let close =
            Statement::new("UPDATE counts SET statut = $1, date_cloture = $2, acteur_cloture = $3 WHERE id = $4")
                .value(status.as_str())
                .value(ctx.at)
                .value(ctx.actor.as_str())
                .value(id.0);
        Self::execute(&mut tx, &close).await?;
        let action = if validate { AuditAction::CountValidated } else { AuditAction::CountCancelled };
        let summary = serde_json::json!({"ajustements": posted});
        Self::audit(&mut tx, ctx, action, id.0, None, Some(summary)).await?;
        let count = Self::fetch_count(&mut tx, id).await?;
        created.record::<E>(&mut tx).await?;
        tx.commit().await.map_err(E::map_error)?;
        Ok(count)
    }
}
