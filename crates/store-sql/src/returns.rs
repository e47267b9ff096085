//! Returns: one transaction locks the sale (so two returns of one sale, or a return and a
//! cancel, take turns), checks what each line may still give back, puts resellable units back
//! into the store's stock with their ledger rows, records the refund at the prices paid and adds
//! it to the return aggregates.

use crate::SqlStorage;
use crate::engine::{Connection, Engine};
use crate::idempotency::RETURN_KEYS;
use crate::rows::{LineRow, ReturnLineRow, ReturnRow, corrupt};
use crate::sales::{RETURNED, Sums};
use crate::statement::Statement;
use chrono::{DateTime, Utc};
use magasin_domain::audit::AuditAction;
use magasin_domain::ledger::{LedgerReason, SourceDocument};
use magasin_domain::returns::{
    ItemCondition, MAX_RETURNS_PER_SALE, RecordedReturn, ReturnLine, SaleReturn, ValidReturn,
};
use magasin_domain::sales::SaleStatus;
use magasin_domain::{Money, ProductId, ReturnId, SaleId, StorageError, StorageResult, StoreId, WriteContext};
use std::collections::{BTreeMap, HashMap};

const RETURN_COLUMNS: &str = "SELECT r.id, r.vente_id, r.magasin_id, m.nom AS magasin_nom, r.montant_cents, r.note,
    r.date, r.acteur FROM sale_returns r JOIN stores m ON m.id = r.magasin_id";

/// Returns and their lines (ordered by return, then line) as the domain's returns.
fn assemble(rows: Vec<ReturnRow>, lines: Vec<ReturnLineRow>) -> StorageResult<Vec<SaleReturn>> {
    let mut by_return: BTreeMap<i64, Vec<ReturnLine>> = BTreeMap::new();
    for l in lines {
        let etat = ItemCondition::parse(&l.etat).map_err(|_| corrupt("item condition", &l.etat))?;
        by_return.entry(l.retour_id).or_default().push(ReturnLine {
            ligne: l.vente_ligne,
            produit: ProductId(l.produit_id),
            produit_nom: l.produit_nom,
            quantite: l.quantite,
            etat,
            prix_unitaire: Money(l.prix_unitaire_cents),
        });
    }
    Ok(rows
        .into_iter()
        .map(|r| SaleReturn {
            id: ReturnId(r.id),
            vente: SaleId(r.vente_id),
            magasin: StoreId(r.magasin_id),
            magasin_nom: r.magasin_nom,
            date: r.date,
            montant: Money(r.montant_cents),
            note: r.note,
            acteur: r.acteur,
            lignes: by_return.remove(&r.id).unwrap_or_default(),
        })
        .collect())
}

fn conflict(text: String) -> StorageError {
    StorageError::Conflict(text)
}

impl<E: Engine> SqlStorage<E> {
    async fn fetch_returns(conn: &mut Connection<E>, filter: &str, id: i64) -> StorageResult<Vec<SaleReturn>> {
        let select = Statement::new(&format!("{RETURN_COLUMNS} WHERE {filter} = $1 ORDER BY r.id")).value(id);
        let rows: Vec<ReturnRow> = Self::all(conn, &select).await?;
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let mut lines = Statement::new(
            "SELECT l.retour_id, CAST(l.vente_ligne AS BIGINT) AS vente_ligne, l.produit_id, p.nom AS produit_nom,
                    l.quantite, l.etat, l.prix_unitaire_cents
             FROM sale_return_lines l JOIN products p ON p.id = l.produit_id WHERE l.retour_id IN (",
        );
        lines.bind_list(rows.iter().map(|r| r.id)).push(") ORDER BY l.retour_id, l.ligne");
        let lines: Vec<ReturnLineRow> = Self::all(conn, &lines).await?;
        assemble(rows, lines)
    }

    async fn fetch_return(conn: &mut Connection<E>, id: ReturnId) -> StorageResult<SaleReturn> {
        Self::fetch_returns(conn, "r.id", id.0).await?.pop().ok_or(StorageError::not_found("return", id.0))
    }

    pub(crate) async fn sale_return(&self, id: ReturnId) -> StorageResult<SaleReturn> {
        let mut conn = self.reader.acquire().await?;
        Self::fetch_return(&mut conn, id).await
    }

    pub(crate) async fn returns_of_sale(&self, sale: SaleId) -> StorageResult<Vec<SaleReturn>> {
        let mut conn = self.reader.acquire().await?;
        let exists: Option<(i64,)> =
            Self::optional(&mut conn, &Statement::new("SELECT id FROM sales WHERE id = $1").value(sale.0)).await?;
        exists.ok_or(StorageError::not_found("sale", sale.0))?;
        Self::fetch_returns(&mut conn, "r.vente_id", sale.0).await
    }

    /// Locks the sale and checks it may take a return now: recorded, within the window, under
    /// the most returns. Its store.
    async fn lock_returnable_sale(conn: &mut Connection<E>, retour: &ValidReturn) -> StorageResult<StoreId> {
        let id = retour.vente;
        let mut select =
            Statement::new("SELECT magasin_id, date_vente, statut, CAST(retours AS BIGINT) FROM sales WHERE id = ");
        select.bind(id.0).push(E::DIALECT.for_update);
        let row: Option<(i64, DateTime<Utc>, String, i64)> = Self::optional(conn, &select).await?;
        let (store, sold_at, statut, returns) = row.ok_or(StorageError::not_found("sale", id.0))?;
        if SaleStatus::parse(&statut) != Some(SaleStatus::Recorded) {
            return Err(conflict(format!("Sale {id} is cancelled: nothing of it can be returned.")));
        }
        if !retour.window.allows(sold_at, retour.at) {
            return Err(conflict(format!(
                "Sale {id} was made on {}: its goods could be returned for {} days after the sale.",
                sold_at.format("%Y-%m-%d"),
                retour.window.days
            )));
        }
        if returns >= MAX_RETURNS_PER_SALE {
            return Err(conflict(format!(
                "Sale {id} already has {MAX_RETURNS_PER_SALE} returns, the most it may take."
            )));
        }
        let count = Statement::new("UPDATE sales SET retours = retours + 1 WHERE id = $1").value(id.0);
        Self::execute(conn, &count).await?;
        Ok(StoreId(store))
    }

    /// The return's lines priced as sold, after checking that no line of the sale gives back
    /// more than it sold over all its returns.
    async fn price_return(conn: &mut Connection<E>, retour: &ValidReturn) -> StorageResult<Vec<ReturnLine>> {
        let id = retour.vente;
        let sold = Statement::new(
            "SELECT l.vente_id, l.produit_id, p.nom AS produit_nom, l.quantite, l.prix_unitaire_cents
             FROM sale_lines l JOIN products p ON p.id = l.produit_id WHERE l.vente_id = $1 ORDER BY l.id",
        )
        .value(id.0);
        let sold: Vec<LineRow> = Self::all(conn, &sold).await?;
        let returned = Statement::new(
            "SELECT CAST(l.vente_ligne AS BIGINT), CAST(SUM(l.quantite) AS BIGINT)
             FROM sale_return_lines l JOIN sale_returns r ON r.id = l.retour_id WHERE r.vente_id = $1
             GROUP BY l.vente_ligne",
        )
        .value(id.0);
        let returned: HashMap<i64, i64> = Self::all(conn, &returned).await?.into_iter().collect();
        let line_of = |ligne: i64| {
            usize::try_from(ligne - 1).ok().and_then(|i| sold.get(i)).ok_or(StorageError::not_found("sale line", ligne))
        };
        for (ligne, units) in retour.units_per_line() {
            let line = line_of(ligne)?;
            let already = returned.get(&ligne).copied().unwrap_or(0);
            if already + units > line.quantite {
                return Err(conflict(format!(
                    "Line {ligne} of sale {id} sold {} × {}: {already} already returned, {units} more cannot be.",
                    line.quantite, line.produit_nom
                )));
            }
        }
        retour
            .lignes
            .iter()
            .map(|l| {
                let line = line_of(l.ligne)?;
                Ok(ReturnLine {
                    ligne: l.ligne,
                    produit: ProductId(line.produit_id),
                    produit_nom: line.produit_nom.clone(),
                    quantite: l.quantite,
                    etat: l.etat,
                    prix_unitaire: Money(line.prix_unitaire_cents),
                })
            })
            .collect()
    }

    pub(crate) async fn insert_return(
        &self,
        retour: &ValidReturn,
        ctx: &WriteContext,
    ) -> StorageResult<RecordedReturn> {
        let mut tx = self.writer.begin().await?;
        if let Some(key) = &retour.idempotency
            && let Some(id) = Self::claim_key(&mut tx, &RETURN_KEYS, key, ctx).await?
        {
            let retour = Self::fetch_return(&mut tx, ReturnId(id)).await?;
            return Ok(RecordedReturn { retour, replayed: true });
        }
        let store = Self::lock_returnable_sale(&mut tx, retour).await?;
        Self::check_day_open(&mut tx, store, &[retour.at.date_naive()]).await?;
        let lignes = Self::price_return(&mut tx, retour).await?;
        let mut sums = Sums::new();
        let mut montant = Money::ZERO;
        for line in &lignes {
            let entry = sums.entry(line.produit.0).or_default();
            entry.0 += line.quantite;
            entry.1 += line.amount().0;
            montant = montant.saturating_add(line.amount());
        }
        let jour = retour.at.date_naive();
        let insert = Statement::new(
            "INSERT INTO sale_returns (vente_id, magasin_id, montant_cents, note, date, jour, acteur, request_id)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .value(retour.vente.0)
        .value(store.0)
        .value(montant.0)
        .value(retour.note.as_str())
        .value(retour.at)
        .value(jour)
        .value(ctx.actor.as_str())
        .value(ctx.request_id.as_deref());
        let (id,): (i64,) = Self::one(&mut tx, &insert).await?;
        let mut insert = Statement::new(
            "INSERT INTO sale_return_lines (retour_id, ligne, vente_ligne, produit_id, quantite, etat, prix_unitaire_cents)
             VALUES ",
        );
        insert.bind_rows(lignes.iter().enumerate().map(|(i, l)| {
            [
                id.into(),
                i64::try_from(i).unwrap_or(i64::MAX).into(),
                l.ligne.into(),
                l.produit.0.into(),
                l.quantite.into(),
                l.etat.as_str().into(),
                l.prix_unitaire.0.into(),
            ]
        }));
        Self::execute(&mut tx, &insert).await?;
        let resellable: Vec<(ProductId, i64)> =
            lignes.iter().filter(|l| l.etat == ItemCondition::Resellable).map(|l| (l.produit, l.quantite)).collect();
        if !resellable.is_empty() {
            let document = SourceDocument::Return(ReturnId(id));
            Self::put_back(&mut tx, store, &resellable, LedgerReason::Return, document, ctx).await?;
        }
        Self::add_to_aggregates(&mut tx, &RETURNED, store, jour, &sums).await?;
        if let Some(key) = &retour.idempotency {
            Self::link_key(&mut tx, &RETURN_KEYS, key, id).await?;
        }
        let summary = serde_json::json!({"vente": retour.vente.0, "montant": montant.to_string()});
        Self::audit(&mut tx, ctx, AuditAction::ReturnRecorded, id, None, Some(summary)).await?;
        let recorded = Self::fetch_return(&mut tx, ReturnId(id)).await?;
        tx.commit().await.map_err(E::map_error)?;
        Ok(RecordedReturn { retour: recorded, replayed: false })
    }
}
