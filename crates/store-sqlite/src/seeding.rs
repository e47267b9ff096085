//! Loading a data set into an empty database, and importing sales history in batches.

use crate::errors::map_error;
use crate::sales::add_to_aggregates;
use crate::stock::{Movement, append_ledger};
use chrono::NaiveDate;
use magasin_domain::catalogue::search_key;
use magasin_domain::ledger::LedgerReason;
use magasin_domain::seed::{Dataset, HistoricSale};
use magasin_domain::stock::Location;
use magasin_domain::{ProductId, StorageResult, StoreId, WriteContext};
use sqlx::SqlitePool;
use std::collections::HashMap;

pub async fn load_dataset(pool: &SqlitePool, d: &Dataset, ctx: &WriteContext) -> StorageResult<()> {
    let mut tx = crate::errors::begin(pool, "write").await?;
    for s in &d.stores {
        sqlx::query("INSERT INTO stores (id, nom, adresse) VALUES (?, ?, ?)")
            .bind(s.id.0)
            .bind(&s.nom)
            .bind(&s.adresse)
            .execute(&mut *tx)
            .await
            .map_err(map_error)?;
    }
    for p in &d.products {
        sqlx::query(
            "INSERT INTO products (id, nom, nom_key, categorie, categorie_key, prix_cents, description)
             VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(p.id.0)
        .bind(&p.nom)
        .bind(search_key(&p.nom))
        .bind(&p.categorie)
        .bind(search_key(&p.categorie))
        .bind(p.prix.0)
        .bind(&p.description)
        .execute(&mut *tx)
        .await
        .map_err(map_error)?;
    }
    let opening = |location, produit, quantite| Movement {
        location,
        produit,
        quantite,
        solde: quantite,
        motif: LedgerReason::Opening,
        document: None,
        request_id: ctx.request_id.as_deref(),
        at: ctx.at,
    };
    for &(produit, quantite) in &d.warehouse {
        sqlx::query("INSERT INTO warehouse_stock (produit_id, quantite) VALUES (?, ?)")
            .bind(produit.0)
            .bind(quantite)
            .execute(&mut *tx)
            .await
            .map_err(map_error)?;
        if quantite != 0 {
            append_ledger(&mut tx, opening(Location::Warehouse, produit, quantite)).await?;
        }
    }
    for &(store, produit, quantite) in &d.local {
        sqlx::query("INSERT INTO store_stock (magasin_id, produit_id, quantite) VALUES (?, ?, ?)")
            .bind(store.0)
            .bind(produit.0)
            .bind(quantite)
            .execute(&mut *tx)
            .await
            .map_err(map_error)?;
        if quantite != 0 {
            append_ledger(&mut tx, opening(Location::Store(store), produit, quantite)).await?;
        }
    }
    tx.commit().await.map_err(map_error)
}

pub async fn import_sales_history(pool: &SqlitePool, sales: &[HistoricSale]) -> StorageResult<u64> {
    let mut tx = crate::errors::begin(pool, "write").await?;
    let mut daily: HashMap<(StoreId, NaiveDate, ProductId), (i64, i64)> = HashMap::new();
    let mut lines = 0u64;
    for sale in sales {
        let total: i64 = sale.lignes.iter().map(|l| l.prix_unitaire.0 * l.quantite).sum();
        let jour = sale.date_vente.date_naive();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO sales (magasin_id, date_vente, jour, total_cents, statut) VALUES (?, ?, ?, ?, 'validée') RETURNING id",
        )
        .bind(sale.magasin.0)
        .bind(sale.date_vente)
        .bind(jour)
        .bind(total)
        .fetch_one(&mut *tx)
        .await
        .map_err(map_error)?;
        for l in &sale.lignes {
            sqlx::query(
                "INSERT INTO sale_lines (vente_id, produit_id, quantite, prix_unitaire_cents) VALUES (?, ?, ?, ?)",
            )
            .bind(id)
            .bind(l.produit.0)
            .bind(l.quantite)
            .bind(l.prix_unitaire.0)
            .execute(&mut *tx)
            .await
            .map_err(map_error)?;
            let bucket = daily.entry((sale.magasin, jour, l.produit)).or_default();
            bucket.0 += l.quantite;
            bucket.1 += l.prix_unitaire.0 * l.quantite;
            lines += 1;
        }
    }
    for ((store, jour, produit), (quantite, montant)) in daily {
        add_to_aggregates(&mut tx, store, jour, produit, quantite, montant).await?;
    }
    tx.commit().await.map_err(map_error)?;
    Ok(lines)
}
