//! Sales: record (atomically, stock never negative), cancel once, read and list.

use crate::errors::{begin, invariant, map_error};
use crate::rows::{LevelRow, LineRow, PriceRow, SaleRow, assemble_sales};
use crate::stock::{LedgerBatch, Movement, restock_store};
use chrono::{DateTime, NaiveDate, Utc};
use magasin_domain::ledger::{LedgerReason, SourceDocument};
use magasin_domain::paging::CursorPage;
use magasin_domain::sales::{IdempotencyKey, RecordedSale, Sale, SaleLine, SaleQuery, SaleStatus, ValidSale};
use magasin_domain::stock::Location;
use magasin_domain::{Money, SaleId, StorageError, StorageResult, StoreId, WriteContext};
use sqlx::{PgConnection, PgPool, Postgres, QueryBuilder};
use std::collections::{BTreeMap, HashMap};

const SALE_COLUMNS: &str = "SELECT v.id, v.magasin_id, m.nom AS magasin_nom, v.date_vente, v.total_cents, v.statut,
    v.date_annulation FROM sales v JOIN stores m ON m.id = v.magasin_id";

/// The lines of several sales, in one query, ordered by sale then line.
async fn load_lines(conn: &mut PgConnection, sale_ids: &[i64]) -> StorageResult<Vec<LineRow>> {
    if sale_ids.is_empty() {
        return Ok(Vec::new());
    }
    sqlx::query_as(
        "SELECT l.vente_id, l.produit_id, p.nom AS produit_nom, l.quantite, l.prix_unitaire_cents
         FROM sale_lines l JOIN products p ON p.id = l.produit_id
         WHERE l.vente_id = ANY($1) ORDER BY l.vente_id, l.id",
    )
    .bind(sale_ids)
    .fetch_all(conn)
    .await
    .map_err(map_error)
}

async fn fetch_sale(conn: &mut PgConnection, id: SaleId) -> StorageResult<Sale> {
    let row: Option<SaleRow> = sqlx::query_as(&format!("{SALE_COLUMNS} WHERE v.id = $1"))
        .bind(id.0)
        .fetch_optional(&mut *conn)
        .await
        .map_err(map_error)?;
    let row = row.ok_or(StorageError::not_found("sale", id.0))?;
    let lines = load_lines(conn, &[id.0]).await?;
    assemble_sales(vec![row], lines)?.pop().ok_or(StorageError::not_found("sale", id.0))
}

pub async fn get(pool: &PgPool, id: SaleId) -> StorageResult<Sale> {
    let mut conn = crate::errors::acquire(pool).await?;
    fetch_sale(&mut conn, id).await
}

pub async fn list(pool: &PgPool, query: &SaleQuery) -> StorageResult<CursorPage<Sale>> {
    let mut conn = crate::errors::acquire(pool).await?;
    let mut qb = QueryBuilder::<Postgres>::new(SALE_COLUMNS);
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

/// Claims the key for this transaction (its `vente_id` is set when the sale is inserted). A
/// concurrent request with the same key waits on the claim: when the first commits, it replays
/// its sale; when the first rolls back (not enough stock), it claims the key itself. Returns the
/// replay when the key already recorded a sale.
async fn claim_key(
    conn: &mut PgConnection,
    key: &IdempotencyKey,
    ctx: &WriteContext,
) -> StorageResult<Option<RecordedSale>> {
    let claimed: Option<String> = sqlx::query_scalar(
        "INSERT INTO sale_idempotency_keys (cle, empreinte, date) VALUES ($1, $2, $3)
         ON CONFLICT (cle) DO NOTHING RETURNING cle",
    )
    .bind(&key.key)
    .bind(&key.fingerprint)
    .bind(ctx.at)
    .fetch_optional(&mut *conn)
    .await
    .map_err(map_error)?;
    if claimed.is_some() {
        return Ok(None);
    }
    let (vente_id, empreinte): (Option<i64>, String) =
        sqlx::query_as("SELECT vente_id, empreinte FROM sale_idempotency_keys WHERE cle = $1")
            .bind(&key.key)
            .fetch_one(&mut *conn)
            .await
            .map_err(map_error)?;
    match vente_id {
        Some(id) if empreinte == key.fingerprint => {
            let sale = fetch_sale(conn, SaleId(id)).await?;
            Ok(Some(RecordedSale { sale, replayed: true }))
        }
        _ => {
            Err(StorageError::Conflict(format!("Idempotency-Key {:?} was already used for a different sale.", key.key)))
        }
    }
}

/// The sale's lines with each product's name and current price, in the order given.
async fn price_lines(conn: &mut PgConnection, sale: &ValidSale) -> StorageResult<Vec<SaleLine>> {
    let ids: Vec<i64> = sale.lignes.iter().map(|l| l.produit.0).collect();
    let rows: Vec<PriceRow> = sqlx::query_as("SELECT id, nom, prix_cents FROM products WHERE id = ANY($1)")
        .bind(&ids)
        .fetch_all(conn)
        .await
        .map_err(map_error)?;
    let products: HashMap<i64, PriceRow> = rows.into_iter().map(|r| (r.id, r)).collect();
    sale.lignes
        .iter()
        .map(|line| {
            let product = products.get(&line.produit.0).ok_or(StorageError::not_found("product", line.produit.0))?;
            Ok(SaleLine {
                produit: line.produit,
                produit_nom: product.nom.clone(),
                quantite: line.quantite,
                prix_unitaire: Money(product.prix_cents),
            })
        })
        .collect()
}

fn too_large() -> StorageError {
    StorageError::Conflict("The sale total is too large.".into())
}

/// Quantity and amount per product over the lines (a product may appear on several lines),
/// in product order: the order in which rows are locked.
fn per_product(lignes: &[SaleLine]) -> StorageResult<BTreeMap<i64, (i64, i64)>> {
    let mut sums: BTreeMap<i64, (i64, i64)> = BTreeMap::new();
    for line in lignes {
        let amount = line.prix_unitaire.times(line.quantite).ok_or_else(too_large)?;
        let entry = sums.entry(line.produit.0).or_default();
        entry.0 = entry.0.checked_add(line.quantite).ok_or_else(too_large)?;
        entry.1 = entry.1.checked_add(amount.0).ok_or_else(too_large)?;
    }
    Ok(sums)
}

/// Locks the store's stock rows of the sold products in product order (two sales cannot
/// deadlock), checks every product has enough, and decrements them. Returns the quantities
/// before the sale.
async fn take_stock(
    conn: &mut PgConnection,
    store: StoreId,
    lignes: &[SaleLine],
    sums: &BTreeMap<i64, (i64, i64)>,
) -> StorageResult<HashMap<i64, i64>> {
    let (produits, quantites, _) = columns(sums);
    let levels: Vec<LevelRow> = sqlx::query_as(
        "SELECT produit_id, quantite FROM store_stock WHERE magasin_id = $1 AND produit_id = ANY($2)
         ORDER BY produit_id FOR UPDATE",
    )
    .bind(store.0)
    .bind(&produits)
    .fetch_all(&mut *conn)
    .await
    .map_err(map_error)?;
    let before: HashMap<i64, i64> = levels.into_iter().map(|r| (r.produit_id, r.quantite)).collect();
    for line in lignes {
        let requested = sums.get(&line.produit.0).map_or(line.quantite, |(q, _)| *q);
        let available = before.get(&line.produit.0).copied().unwrap_or(0);
        if available < requested {
            return Err(StorageError::InsufficientStock {
                product: line.produit,
                product_name: line.produit_nom.clone(),
                requested,
                available,
            });
        }
    }
    let updated = sqlx::query(
        "UPDATE store_stock s SET quantite = s.quantite - u.q
         FROM UNNEST($2::BIGINT[], $3::BIGINT[]) AS u(p, q)
         WHERE s.magasin_id = $1 AND s.produit_id = u.p AND s.quantite >= u.q",
    )
    .bind(store.0)
    .bind(&produits)
    .bind(&quantites)
    .execute(&mut *conn)
    .await
    .map_err(map_error)?
    .rows_affected();
    if updated != produits.len() as u64 {
        return Err(invariant(format!("locked stock rows changed: {updated} of {} updated", produits.len())));
    }
    Ok(before)
}

/// The per-product sums as three arrays, in product order.
fn columns(sums: &BTreeMap<i64, (i64, i64)>) -> (Vec<i64>, Vec<i64>, Vec<i64>) {
    (sums.keys().copied().collect(), sums.values().map(|(q, _)| *q).collect(), sums.values().map(|(_, a)| *a).collect())
}

/// Adds a sale's per-product sums to `sales_totals` and `sales_daily`, rows taken in product order.
async fn add_to_aggregates(
    conn: &mut PgConnection,
    store: StoreId,
    jour: NaiveDate,
    sums: &BTreeMap<i64, (i64, i64)>,
) -> StorageResult<()> {
    let (produits, quantites, montants) = columns(sums);
    sqlx::query(
        "INSERT INTO sales_totals (magasin_id, produit_id, quantite, montant_cents)
         SELECT $1, p, q, a FROM UNNEST($2::BIGINT[], $3::BIGINT[], $4::BIGINT[]) AS u(p, q, a) ORDER BY p
         ON CONFLICT (magasin_id, produit_id) DO UPDATE SET
             quantite = sales_totals.quantite + EXCLUDED.quantite,
             montant_cents = sales_totals.montant_cents + EXCLUDED.montant_cents",
    )
    .bind(store.0)
    .bind(&produits)
    .bind(&quantites)
    .bind(&montants)
    .execute(&mut *conn)
    .await
    .map_err(map_error)?;
    sqlx::query(
        "INSERT INTO sales_daily (magasin_id, jour, produit_id, quantite, montant_cents)
         SELECT $1, $2, p, q, a FROM UNNEST($3::BIGINT[], $4::BIGINT[], $5::BIGINT[]) AS u(p, q, a) ORDER BY p
         ON CONFLICT (magasin_id, jour, produit_id) DO UPDATE SET
             quantite = sales_daily.quantite + EXCLUDED.quantite,
             montant_cents = sales_daily.montant_cents + EXCLUDED.montant_cents",
    )
    .bind(store.0)
    .bind(jour)
    .bind(&produits)
    .bind(&quantites)
    .bind(&montants)
    .execute(&mut *conn)
    .await
    .map_err(map_error)?;
    Ok(())
}

/// Takes a cancelled sale's sums back out of the aggregates (the sale created their rows).
/// The rows are locked in product order first, as every other writer takes them.
async fn remove_from_aggregates(
    conn: &mut PgConnection,
    store: StoreId,
    jour: NaiveDate,
    sums: &BTreeMap<i64, (i64, i64)>,
) -> StorageResult<()> {
    let (produits, quantites, montants) = columns(sums);
    sqlx::query(
        "SELECT produit_id FROM sales_totals WHERE magasin_id = $1 AND produit_id = ANY($2)
         ORDER BY produit_id FOR UPDATE",
    )
    .bind(store.0)
    .bind(&produits)
    .execute(&mut *conn)
    .await
    .map_err(map_error)?;
    sqlx::query(
        "UPDATE sales_totals t SET quantite = t.quantite - u.q, montant_cents = t.montant_cents - u.a
         FROM UNNEST($2::BIGINT[], $3::BIGINT[], $4::BIGINT[]) AS u(p, q, a)
         WHERE t.magasin_id = $1 AND t.produit_id = u.p",
    )
    .bind(store.0)
    .bind(&produits)
    .bind(&quantites)
    .bind(&montants)
    .execute(&mut *conn)
    .await
    .map_err(map_error)?;
    sqlx::query(
        "SELECT produit_id FROM sales_daily WHERE magasin_id = $1 AND jour = $2 AND produit_id = ANY($3)
         ORDER BY produit_id FOR UPDATE",
    )
    .bind(store.0)
    .bind(jour)
    .bind(&produits)
    .execute(&mut *conn)
    .await
    .map_err(map_error)?;
    sqlx::query(
        "UPDATE sales_daily t SET quantite = t.quantite - u.q, montant_cents = t.montant_cents - u.a
         FROM UNNEST($3::BIGINT[], $4::BIGINT[], $5::BIGINT[]) AS u(p, q, a)
         WHERE t.magasin_id = $1 AND t.jour = $2 AND t.produit_id = u.p",
    )
    .bind(store.0)
    .bind(jour)
    .bind(&produits)
    .bind(&quantites)
    .bind(&montants)
    .execute(&mut *conn)
    .await
    .map_err(map_error)?;
    Ok(())
}

pub async fn record(pool: &PgPool, sale: &ValidSale, ctx: &WriteContext) -> StorageResult<RecordedSale> {
    let mut tx = begin(pool).await?;
    if let Some(key) = &sale.idempotency
        && let Some(replay) = claim_key(&mut tx, key, ctx).await?
    {
        return Ok(replay);
    }
    let store_name: Option<String> = sqlx::query_scalar("SELECT nom FROM stores WHERE id = $1")
        .bind(sale.magasin.0)
        .fetch_optional(&mut *tx)
        .await
        .map_err(map_error)?;
    let magasin_nom = store_name.ok_or(StorageError::not_found("store", sale.magasin.0))?;
    let lignes = price_lines(&mut tx, sale).await?;
    let sums = per_product(&lignes)?;
    let total = sums.values().try_fold(0i64, |acc, (_, a)| acc.checked_add(*a)).ok_or_else(too_large)?;
    let mut balance = take_stock(&mut tx, sale.magasin, &lignes, &sums).await?;

    let jour = sale.at.date_naive();
    let (sale_id, date_vente): (i64, DateTime<Utc>) = sqlx::query_as(
        "INSERT INTO sales (magasin_id, date_vente, jour, total_cents, statut) VALUES ($1, $2, $3, $4, 'validée')
         RETURNING id, date_vente",
    )
    .bind(sale.magasin.0)
    .bind(sale.at)
    .bind(jour)
    .bind(total)
    .fetch_one(&mut *tx)
    .await
    .map_err(map_error)?;
    let produits: Vec<i64> = lignes.iter().map(|l| l.produit.0).collect();
    let quantites: Vec<i64> = lignes.iter().map(|l| l.quantite).collect();
    let prix: Vec<i64> = lignes.iter().map(|l| l.prix_unitaire.0).collect();
    sqlx::query(
        "INSERT INTO sale_lines (vente_id, produit_id, quantite, prix_unitaire_cents)
         SELECT $1, p, q, c FROM UNNEST($2::BIGINT[], $3::BIGINT[], $4::BIGINT[]) WITH ORDINALITY AS u(p, q, c, n)
         ORDER BY n",
    )
    .bind(sale_id)
    .bind(&produits)
    .bind(&quantites)
    .bind(&prix)
    .execute(&mut *tx)
    .await
    .map_err(map_error)?;

    let mut ledger = LedgerBatch::new(ctx);
    for line in &lignes {
        let solde = balance.entry(line.produit.0).or_default();
        *solde -= line.quantite;
        ledger.push(Movement {
            location: Location::Store(sale.magasin),
            produit: line.produit,
            quantite: -line.quantite,
            solde: *solde,
            motif: LedgerReason::Sale,
            document: Some(SourceDocument::Sale(SaleId(sale_id))),
        });
    }
    ledger.insert(&mut tx).await?;
    add_to_aggregates(&mut tx, sale.magasin, jour, &sums).await?;
    if let Some(key) = &sale.idempotency {
        sqlx::query("UPDATE sale_idempotency_keys SET vente_id = $1 WHERE cle = $2")
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
        date_vente,
        total: Money(total),
        statut: SaleStatus::Recorded,
        date_annulation: None,
        lignes,
    };
    Ok(RecordedSale { sale: recorded, replayed: false })
}

pub async fn cancel(pool: &PgPool, id: SaleId, ctx: &WriteContext) -> StorageResult<Sale> {
    let mut tx = begin(pool).await?;
    let cancelled: Option<(i64, NaiveDate)> = sqlx::query_as(
        "UPDATE sales SET statut = 'annulée', date_annulation = $1 WHERE id = $2 AND statut = 'validée'
         RETURNING magasin_id, jour",
    )
    .bind(ctx.at)
    .bind(id.0)
    .fetch_optional(&mut *tx)
    .await
    .map_err(map_error)?;
    let Some((store, jour)) = cancelled else {
        let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM sales WHERE id = $1")
            .bind(id.0)
            .fetch_optional(&mut *tx)
            .await
            .map_err(map_error)?;
        return Err(match exists {
            Some(_) => StorageError::Conflict(format!("Sale {id} is already cancelled.")),
            None => StorageError::not_found("sale", id.0),
        });
    };
    let store = StoreId(store);
    let sale = fetch_sale(&mut tx, id).await?;
    let sums = per_product(&sale.lignes)?;
    let items: Vec<(i64, i64)> = sums.iter().map(|(p, (q, _))| (*p, *q)).collect();
    let after = restock_store(&mut tx, store, &items).await?;
    let mut balance: HashMap<i64, i64> =
        sums.iter().map(|(p, (q, _))| (*p, after.get(p).copied().unwrap_or(*q) - q)).collect();
    let mut ledger = LedgerBatch::new(ctx);
    for line in &sale.lignes {
        let solde = balance.entry(line.produit.0).or_default();
        *solde += line.quantite;
        ledger.push(Movement {
            location: Location::Store(store),
            produit: line.produit,
            quantite: line.quantite,
            solde: *solde,
            motif: LedgerReason::SaleCancelled,
            document: Some(SourceDocument::Sale(id)),
        });
    }
    ledger.insert(&mut tx).await?;
    remove_from_aggregates(&mut tx, store, jour, &sums).await?;
    tx.commit().await.map_err(map_error)?;
    Ok(sale)
}
