//! Sales: record (atomically, stock never negative), cancel once, read and list.

use crate::errors::map_error;
use crate::rows::{LineRow, SaleRow, assemble_sales};
use crate::stock::{Movement, add_to_store, append_ledger};
use chrono::NaiveDate;
use magasin_domain::ledger::{LedgerReason, SourceDocument};
use magasin_domain::paging::CursorPage;
use magasin_domain::sales::{RecordedSale, Sale, SaleLine, SaleQuery, SaleStatus, ValidSale};
use magasin_domain::stock::Location;
use magasin_domain::{Money, ProductId, SaleId, StorageError, StorageResult, StoreId, WriteContext};
use sqlx::{QueryBuilder, Sqlite, SqliteConnection, SqlitePool};

const SALE_COLUMNS: &str = "SELECT v.id, v.magasin_id, m.nom AS magasin_nom, v.date_vente, v.total_cents, v.statut,
    v.date_annulation FROM sales v JOIN stores m ON m.id = v.magasin_id";

async fn load_lines(conn: &mut SqliteConnection, sale_ids: &[i64]) -> StorageResult<Vec<LineRow>> {
    if sale_ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut qb = QueryBuilder::<Sqlite>::new(
        "SELECT l.vente_id, l.produit_id, p.nom AS produit_nom, l.quantite, l.prix_unitaire_cents
         FROM sale_lines l JOIN products p ON p.id = l.produit_id WHERE l.vente_id IN (",
    );
    let mut ids = qb.separated(", ");
    for id in sale_ids {
        ids.push_bind(*id);
    }
    qb.push(") ORDER BY l.vente_id, l.id");
    qb.build_query_as().fetch_all(conn).await.map_err(map_error)
}

async fn fetch_sale(conn: &mut SqliteConnection, id: SaleId) -> StorageResult<Sale> {
    let row: Option<SaleRow> = sqlx::query_as(&format!("{SALE_COLUMNS} WHERE v.id = ?"))
        .bind(id.0)
        .fetch_optional(&mut *conn)
        .await
        .map_err(map_error)?;
    let row = row.ok_or(StorageError::not_found("sale", id.0))?;
    let lines = load_lines(conn, &[id.0]).await?;
    assemble_sales(vec![row], lines)?.pop().ok_or(StorageError::not_found("sale", id.0))
}

pub async fn get(pool: &SqlitePool, id: SaleId) -> StorageResult<Sale> {
    let mut conn = crate::errors::acquire(pool, "read").await?;
    fetch_sale(&mut conn, id).await
}

pub async fn list(pool: &SqlitePool, query: &SaleQuery) -> StorageResult<CursorPage<Sale>> {
    let mut conn = crate::errors::acquire(pool, "read").await?;
    let mut qb = QueryBuilder::<Sqlite>::new(SALE_COLUMNS);
    qb.push(" WHERE v.id < ").push_bind(query.cursor.before_or_max());
    if let Some(store) = query.magasin {
        qb.push(" AND v.magasin_id = ").push_bind(store.0);
    }
    if let Some(from) = query.from {
        qb.push(" AND v.jour >= ").push_bind(from);
    }
    if let Some(to) = query.to {
        qb.push(" AND v.jour <= ").push_bind(to);
    }
    qb.push(" ORDER BY v.id DESC LIMIT ").push_bind(query.cursor.fetch_limit());
    let rows: Vec<SaleRow> = qb.build_query_as().fetch_all(&mut *conn).await.map_err(map_error)?;
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let lines = load_lines(&mut conn, &ids).await?;
    let sales = assemble_sales(rows, lines)?;
    Ok(CursorPage::from_rows(sales, query.cursor, |s| s.id.0))
}

/// Adds sold quantities to the report aggregates (creating their rows).
pub async fn add_to_aggregates(
    conn: &mut SqliteConnection,
    store: StoreId,
    jour: NaiveDate,
    produit: ProductId,
    quantite: i64,
    montant: i64,
) -> StorageResult<()> {
    sqlx::query(
        "INSERT INTO sales_totals (magasin_id, produit_id, quantite, montant_cents) VALUES (?, ?, ?, ?)
         ON CONFLICT (magasin_id, produit_id) DO UPDATE SET
             quantite = sales_totals.quantite + excluded.quantite,
             montant_cents = sales_totals.montant_cents + excluded.montant_cents",
    )
    .bind(store.0)
    .bind(produit.0)
    .bind(quantite)
    .bind(montant)
    .execute(&mut *conn)
    .await
    .map_err(map_error)?;
    sqlx::query(
        "INSERT INTO sales_daily (magasin_id, jour, produit_id, quantite, montant_cents) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (magasin_id, jour, produit_id) DO UPDATE SET
             quantite = sales_daily.quantite + excluded.quantite,
             montant_cents = sales_daily.montant_cents + excluded.montant_cents",
    )
    .bind(store.0)
    .bind(jour)
    .bind(produit.0)
    .bind(quantite)
    .bind(montant)
    .execute(&mut *conn)
    .await
    .map_err(map_error)?;
    Ok(())
}

/// Takes a cancelled line back out of the aggregates (their rows exist: the sale created them).
/// SQLite checks CHECK constraints on an upsert's proposed row, so this is a plain UPDATE.
async fn remove_from_aggregates(
    conn: &mut SqliteConnection,
    store: StoreId,
    jour: NaiveDate,
    produit: ProductId,
    quantite: i64,
    montant: i64,
) -> StorageResult<()> {
    sqlx::query(
        "UPDATE sales_totals SET quantite = quantite - ?, montant_cents = montant_cents - ?
         WHERE magasin_id = ? AND produit_id = ?",
    )
    .bind(quantite)
    .bind(montant)
    .bind(store.0)
    .bind(produit.0)
    .execute(&mut *conn)
    .await
    .map_err(map_error)?;
    sqlx::query(
        "UPDATE sales_daily SET quantite = quantite - ?, montant_cents = montant_cents - ?
         WHERE magasin_id = ? AND jour = ? AND produit_id = ?",
    )
    .bind(quantite)
    .bind(montant)
    .bind(store.0)
    .bind(jour)
    .bind(produit.0)
    .execute(&mut *conn)
    .await
    .map_err(map_error)?;
    Ok(())
}

pub async fn record(pool: &SqlitePool, sale: &ValidSale, ctx: &WriteContext) -> StorageResult<RecordedSale> {
    let mut tx = crate::errors::begin(pool, "write").await?;
    if let Some(key) = &sale.idempotency {
        let claimed: Option<String> = sqlx::query_scalar(
            "INSERT INTO sale_idempotency_keys (cle, empreinte, date) VALUES (?, ?, ?)
             ON CONFLICT (cle) DO NOTHING RETURNING cle",
        )
        .bind(&key.key)
        .bind(&key.fingerprint)
        .bind(ctx.at)
        .fetch_optional(&mut *tx)
        .await
        .map_err(map_error)?;
        if claimed.is_none() {
            let (vente_id, empreinte): (Option<i64>, String) =
                sqlx::query_as("SELECT vente_id, empreinte FROM sale_idempotency_keys WHERE cle = ?")
                    .bind(&key.key)
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(map_error)?;
            let vente_id = match vente_id {
                Some(id) if empreinte == key.fingerprint => id,
                _ => {
                    return Err(StorageError::Conflict(format!(
                        "Idempotency-Key {:?} was already used for a different sale.",
                        key.key
                    )));
                }
            };
            let sale = fetch_sale(&mut tx, SaleId(vente_id)).await?;
            return Ok(RecordedSale { sale, replayed: true });
        }
    }
    let store_name: Option<String> = sqlx::query_scalar("SELECT nom FROM stores WHERE id = ?")
        .bind(sale.magasin.0)
        .fetch_optional(&mut *tx)
        .await
        .map_err(map_error)?;
    let magasin_nom = store_name.ok_or(StorageError::not_found("store", sale.magasin.0))?;

    let mut lignes = Vec::with_capacity(sale.lignes.len());
    for line in &sale.lignes {
        let product: Option<(String, i64)> = sqlx::query_as("SELECT nom, prix_cents FROM products WHERE id = ?")
            .bind(line.produit.0)
            .fetch_optional(&mut *tx)
            .await
            .map_err(map_error)?;
        let (produit_nom, prix) = product.ok_or(StorageError::not_found("product", line.produit.0))?;
        lignes.push(SaleLine {
            produit: line.produit,
            produit_nom,
            quantite: line.quantite,
            prix_unitaire: Money(prix),
        });
    }
    let total = lignes
        .iter()
        .try_fold(0i64, |acc, l| l.prix_unitaire.times(l.quantite).and_then(|m| acc.checked_add(m.0)))
        .ok_or_else(|| StorageError::Conflict("The sale total is too large.".into()))?;
    let jour = sale.at.date_naive();
    let sale_id: i64 = sqlx::query_scalar(
        "INSERT INTO sales (magasin_id, date_vente, jour, total_cents, statut) VALUES (?, ?, ?, ?, 'validée') RETURNING id",
    )
    .bind(sale.magasin.0)
    .bind(sale.at)
    .bind(jour)
    .bind(total)
    .fetch_one(&mut *tx)
    .await
    .map_err(map_error)?;

    // A product on several lines draws on one stock: a refusal reports the sale's total for it
    // against the stock before the sale.
    let mut wanted: std::collections::HashMap<ProductId, i64> = std::collections::HashMap::new();
    for line in &lignes {
        *wanted.entry(line.produit).or_insert(0) += line.quantite;
    }
    let mut taken: std::collections::HashMap<ProductId, i64> = std::collections::HashMap::new();
    for line in &lignes {
        let left: Option<i64> = sqlx::query_scalar(
            "UPDATE store_stock SET quantite = quantite - ? WHERE magasin_id = ? AND produit_id = ? AND quantite >= ?
             RETURNING quantite",
        )
        .bind(line.quantite)
        .bind(sale.magasin.0)
        .bind(line.produit.0)
        .bind(line.quantite)
        .fetch_optional(&mut *tx)
        .await
        .map_err(map_error)?;
        let Some(solde) = left else {
            let available: Option<i64> =
                sqlx::query_scalar("SELECT quantite FROM store_stock WHERE magasin_id = ? AND produit_id = ?")
                    .bind(sale.magasin.0)
                    .bind(line.produit.0)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(map_error)?;
            return Err(StorageError::InsufficientStock {
                product: line.produit,
                product_name: line.produit_nom.clone(),
                requested: wanted.get(&line.produit).copied().unwrap_or(line.quantite),
                available: available.unwrap_or(0) + taken.get(&line.produit).copied().unwrap_or(0),
            });
        };
        *taken.entry(line.produit).or_insert(0) += line.quantite;
        sqlx::query("INSERT INTO sale_lines (vente_id, produit_id, quantite, prix_unitaire_cents) VALUES (?, ?, ?, ?)")
            .bind(sale_id)
            .bind(line.produit.0)
            .bind(line.quantite)
            .bind(line.prix_unitaire.0)
            .execute(&mut *tx)
            .await
            .map_err(map_error)?;
        let movement = Movement {
            location: Location::Store(sale.magasin),
            produit: line.produit,
            quantite: -line.quantite,
            solde,
            motif: LedgerReason::Sale,
            document: Some(SourceDocument::Sale(SaleId(sale_id))),
            request_id: ctx.request_id.as_deref(),
            at: ctx.at,
        };
        append_ledger(&mut tx, movement).await?;
        add_to_aggregates(&mut tx, sale.magasin, jour, line.produit, line.quantite, line.amount().0).await?;
    }
    if let Some(key) = &sale.idempotency {
        sqlx::query("UPDATE sale_idempotency_keys SET vente_id = ? WHERE cle = ?")
            .bind(sale_id)
            .bind(&key.key)
            .execute(&mut *tx)
            .await
            .map_err(map_error)?;
    }
    tx.commit().await.map_err(map_error)?;
    let recorded = Sale {
        id: SaleId(sale_id),
        magasin: sale.magasin,
        magasin_nom,
        date_vente: sale.at,
        total: Money(total),
        statut: SaleStatus::Recorded,
        date_annulation: None,
        lignes,
    };
    Ok(RecordedSale { sale: recorded, replayed: false })
}

pub async fn cancel(pool: &SqlitePool, id: SaleId, ctx: &WriteContext) -> StorageResult<Sale> {
    let mut tx = crate::errors::begin(pool, "write").await?;
    let changed =
        sqlx::query("UPDATE sales SET statut = 'annulée', date_annulation = ? WHERE id = ? AND statut = 'validée'")
            .bind(ctx.at)
            .bind(id.0)
            .execute(&mut *tx)
            .await
            .map_err(map_error)?
            .rows_affected();
    let sale = fetch_sale(&mut tx, id).await?;
    if changed == 0 {
        return Err(StorageError::Conflict(format!("Sale {id} is already cancelled.")));
    }
    let jour = sale.date_vente.date_naive();
    for line in &sale.lignes {
        let solde = add_to_store(&mut tx, sale.magasin, line.produit, line.quantite).await?;
        let movement = Movement {
            location: Location::Store(sale.magasin),
            produit: line.produit,
            quantite: line.quantite,
            solde,
            motif: LedgerReason::SaleCancelled,
            document: Some(SourceDocument::Sale(id)),
            request_id: ctx.request_id.as_deref(),
            at: ctx.at,
        };
        append_ledger(&mut tx, movement).await?;
        remove_from_aggregates(&mut tx, sale.magasin, jour, line.produit, line.quantite, line.amount().0).await?;
    }
    tx.commit().await.map_err(map_error)?;
    Ok(sale)
}
