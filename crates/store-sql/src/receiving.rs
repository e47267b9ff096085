//! Goods received at the warehouse: one transaction raises the warehouse's stock (products in
//! id order, so concurrent receipts and approvals never wait on each other in a cycle), appends
//! a ledger row per line and the audit row; an idempotency key is claimed as for sales.

use crate::SqlStorage;
use crate::engine::{Connection, Engine};
use crate::idempotency::RECEIPT_KEYS;
use crate::ledger::{LedgerBatch, Movement};
use crate::rows::{ReceiptLineRow, ReceiptRow};
use crate::statement::Statement;
use magasin_domain::audit::AuditAction;
use magasin_domain::ledger::{LedgerReason, SourceDocument};
use magasin_domain::paging::CursorPage;
use magasin_domain::receiving::{Receipt, ReceiptLine, ReceiptQuery, RecordedReceipt, ValidReceipt};
use magasin_domain::stock::Location;
use magasin_domain::{ProductId, PurchaseOrderId, ReceiptId, StorageError, StorageResult, WriteContext};
use std::collections::BTreeMap;

const RECEIPT_COLUMNS: &str = "SELECT id, fournisseur, bon_livraison, date, acteur, commande_id FROM receipts";

/// Receipts and their lines (ordered by receipt, then line) as the domain's receipts.
fn assemble(rows: Vec<ReceiptRow>, lines: Vec<ReceiptLineRow>) -> Vec<Receipt> {
    let mut by_receipt: BTreeMap<i64, Vec<ReceiptLine>> = BTreeMap::new();
    for l in lines {
        by_receipt.entry(l.reception_id).or_default().push(ReceiptLine {
            produit: ProductId(l.produit_id),
            produit_nom: l.produit_nom,
            quantite: l.quantite,
        });
    }
    rows.into_iter()
        .map(|r| Receipt {
            id: ReceiptId(r.id),
            fournisseur: r.fournisseur,
            bon_livraison: r.bon_livraison,
            date: r.date,
            acteur: r.acteur,
            lignes: by_receipt.remove(&r.id).unwrap_or_default(),
            commande: r.commande_id.map(PurchaseOrderId),
        })
        .collect()
}

impl<E: Engine> SqlStorage<E> {
    async fn receipt_lines(conn: &mut Connection<E>, ids: &[i64]) -> StorageResult<Vec<ReceiptLineRow>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut select = Statement::new(
            "SELECT l.reception_id, l.produit_id, p.nom AS produit_nom, l.quantite
             FROM receipt_lines l JOIN products p ON p.id = l.produit_id WHERE l.reception_id IN (",
        );
        select.bind_list(ids.iter().copied()).push(") ORDER BY l.reception_id, l.ligne");
        Self::all(conn, &select).await
    }

    async fn fetch_receipt(conn: &mut Connection<E>, id: ReceiptId) -> StorageResult<Receipt> {
        let select = Statement::new(&format!("{RECEIPT_COLUMNS} WHERE id = $1")).value(id.0);
        let row: Option<ReceiptRow> = Self::optional(conn, &select).await?;
        let row = row.ok_or(StorageError::not_found("receipt", id.0))?;
        let lines = Self::receipt_lines(conn, &[id.0]).await?;
        assemble(vec![row], lines).pop().ok_or(StorageError::not_found("receipt", id.0))
    }

    pub(crate) async fn receipt(&self, id: ReceiptId) -> StorageResult<Receipt> {
        let mut conn = self.reader.acquire().await?;
        Self::fetch_receipt(&mut conn, id).await
    }

    pub(crate) async fn receipts_page(&self, query: &ReceiptQuery) -> StorageResult<CursorPage<Receipt>> {
        let mut select = Statement::new(RECEIPT_COLUMNS);
        select.push(" WHERE id < ").bind(query.cursor.before_or_max());
        if let Some(product) = query.produit {
            select.push(" AND id IN (SELECT reception_id FROM receipt_lines WHERE produit_id = ").bind(product.0);
            select.push(")");
        }
        if let Some(from) = query.from {
            select.push(" AND jour >= ").bind(from);
        }
        if let Some(to) = query.to {
            select.push(" AND jour <= ").bind(to);
        }
        select.push(" ORDER BY id DESC").limit(query.cursor.fetch_limit());
        let mut conn = self.reader.acquire().await?;
        let rows: Vec<ReceiptRow> = Self::all(&mut conn, &select).await?;
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let lines = Self::receipt_lines(&mut conn, &ids).await?;
        Ok(CursorPage::from_rows(assemble(rows, lines), query.cursor, |r| r.id.0))
    }

    pub(crate) async fn insert_receipt(
        &self,
        receipt: &ValidReceipt,
        ctx: &WriteContext,
    ) -> StorageResult<RecordedReceipt> {
        let mut tx = self.writer.begin().await?;
        if let Some(key) = &receipt.idempotency
            && let Some(id) = Self::claim_key(&mut tx, &RECEIPT_KEYS, key, ctx).await?
        {
            let receipt = Self::fetch_receipt(&mut tx, ReceiptId(id)).await?;
            return Ok(RecordedReceipt { receipt, replayed: true });
        }
        let mut per_product: BTreeMap<i64, i64> = BTreeMap::new();
        for line in &receipt.lignes {
            let sum = per_product.entry(line.produit.0).or_default();
            *sum = sum.checked_add(line.quantite).ok_or_else(|| StorageError::Conflict("Too many units.".into()))?;
        }
        if let Some(order) = receipt.commande {
            Self::receive_against(&mut tx, order, &per_product, ctx).await?;
        }
        let mut balances = BTreeMap::new();
        for (&product, &units) in &per_product {
            let raise = Statement::new(
                "UPDATE warehouse_stock SET quantite = quantite + $1 WHERE produit_id = $2 RETURNING quantite",
            )
            .value(units)
            .value(product);
            let after: Option<(i64,)> = Self::optional(&mut tx, &raise).await?;
            let (after,) = after.ok_or(StorageError::not_found("product", product))?;
            balances.insert(product, after - units);
        }
        let insert = Statement::new(
            "INSERT INTO receipts (fournisseur, bon_livraison, date, jour, acteur, request_id, commande_id)
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .value(receipt.fournisseur.as_str())
        .value(receipt.bon_livraison.as_str())
        .value(receipt.at)
        .value(receipt.at.date_naive())
        .value(ctx.actor.as_str())
        .value(ctx.request_id.as_deref())
        .value(receipt.commande.map(|o| o.0));
        let (id,): (i64,) = Self::one(&mut tx, &insert).await?;
        let mut lines = Statement::new("INSERT INTO receipt_lines (reception_id, ligne, produit_id, quantite) VALUES ");
        lines.bind_rows(receipt.lignes.iter().enumerate().map(|(i, l)| {
            [id.into(), i64::try_from(i).unwrap_or(i64::MAX).into(), l.produit.0.into(), l.quantite.into()]
        }));
        Self::execute(&mut tx, &lines).await?;

        let mut ledger = LedgerBatch::new(ctx);
        for line in &receipt.lignes {
            let solde = balances.entry(line.produit.0).or_default();
            *solde += line.quantite;
            ledger.push(Movement {
                location: Location::Warehouse,
                produit: line.produit,
                quantite: line.quantite,
                solde: *solde,
                motif: LedgerReason::Receipt,
                document: Some(SourceDocument::Receipt(ReceiptId(id))),
            });
        }
        Self::append_ledger(&mut tx, ledger).await?;
        if let Some(key) = &receipt.idempotency {
            Self::link_key(&mut tx, &RECEIPT_KEYS, key, id).await?;
        }
        let summary = serde_json::json!({
            "fournisseur": receipt.fournisseur,
            "bon_livraison": receipt.bon_livraison,
            "lignes": receipt.lignes.iter().map(|l| [l.produit.0, l.quantite]).collect::<Vec<_>>(),
            "commande": receipt.commande.map(|o| o.0),
        });
        Self::audit(&mut tx, ctx, AuditAction::ReceiptRecorded, id, None, Some(summary)).await?;
        let recorded = Self::fetch_receipt(&mut tx, ReceiptId(id)).await?;
        tx.commit().await.map_err(E::map_error)?;
        Ok(RecordedReceipt { receipt: recorded, replayed: false })
    }
}
