//! The product catalogue.

use crate::errors::map_error;
use crate::rows::ProductRow;
use crate::stock::{Movement, append_ledger};
use magasin_domain::catalogue::{NewProduct, Product, ProductPatch, search_key};
use magasin_domain::ledger::LedgerReason;
use magasin_domain::paging::{Page, PageRequest};
use magasin_domain::stock::Location;
use magasin_domain::{ProductId, StorageError, StorageResult, WriteContext};
use sqlx::{QueryBuilder, Sqlite, SqlitePool};

const COLUMNS: &str = "SELECT id, nom, categorie, prix_cents, description FROM products";

pub async fn list(pool: &SqlitePool, search: Option<&str>, page: PageRequest) -> StorageResult<Page<Product>> {
    let filter = |qb: &mut QueryBuilder<'_, Sqlite>| {
        if let Some(s) = search {
            qb.push(" WHERE instr(nom_key, ").push_bind(s.to_string());
            qb.push(") > 0 OR instr(categorie_key, ").push_bind(s.to_string()).push(") > 0");
        }
    };
    let mut count = QueryBuilder::<Sqlite>::new("SELECT COUNT(*) FROM products");
    filter(&mut count);
    let total: i64 = count.build_query_scalar().fetch_one(pool).await.map_err(map_error)?;
    let mut select = QueryBuilder::<Sqlite>::new(COLUMNS);
    filter(&mut select);
    select.push(" ORDER BY id LIMIT ").push_bind(page.limit()).push(" OFFSET ").push_bind(page.offset());
    let rows: Vec<ProductRow> = select.build_query_as().fetch_all(pool).await.map_err(map_error)?;
    Ok(Page { count: u64::try_from(total).unwrap_or(0), items: rows.into_iter().map(Product::from).collect() })
}

pub async fn get(pool: &SqlitePool, id: ProductId) -> StorageResult<Product> {
    let row: Option<ProductRow> =
        sqlx::query_as(&format!("{COLUMNS} WHERE id = ?")).bind(id.0).fetch_optional(pool).await.map_err(map_error)?;
    row.map(Product::from).ok_or(StorageError::not_found("product", id.0))
}

pub async fn create(pool: &SqlitePool, p: &NewProduct, ctx: &WriteContext) -> StorageResult<Product> {
    let mut tx = crate::errors::begin(pool, "write").await?;
    let row: ProductRow = sqlx::query_as(
        "INSERT INTO products (nom, nom_key, categorie, categorie_key, prix_cents, description) VALUES (?, ?, ?, ?, ?, ?)
         RETURNING id, nom, categorie, prix_cents, description",
    )
    .bind(&p.nom)
    .bind(search_key(&p.nom))
    .bind(&p.categorie)
    .bind(search_key(&p.categorie))
    .bind(p.prix.0)
    .bind(&p.description)
    .fetch_one(&mut *tx)
    .await
    .map_err(|e| crate::errors::map_product_error(e, Some(&p.nom)))?;
    sqlx::query("INSERT INTO warehouse_stock (produit_id, quantite) VALUES (?, ?)")
        .bind(row.id)
        .bind(p.stock_initial)
        .execute(&mut *tx)
        .await
        .map_err(map_error)?;
    if p.stock_initial > 0 {
        let movement = Movement {
            location: Location::Warehouse,
            produit: ProductId(row.id),
            quantite: p.stock_initial,
            solde: p.stock_initial,
            motif: LedgerReason::ProductCreated,
            document: None,
            request_id: ctx.request_id.as_deref(),
            at: ctx.at,
        };
        append_ledger(&mut tx, movement).await?;
    }
    tx.commit().await.map_err(map_error)?;
    Ok(row.into())
}

pub async fn update(pool: &SqlitePool, id: ProductId, patch: &ProductPatch) -> StorageResult<Product> {
    let mut tx = crate::errors::begin(pool, "write").await?;
    let mut qb = QueryBuilder::<Sqlite>::new("UPDATE products SET id = id");
    if let Some(nom) = &patch.nom {
        qb.push(", nom = ").push_bind(nom.clone()).push(", nom_key = ").push_bind(search_key(nom));
    }
    if let Some(categorie) = &patch.categorie {
        qb.push(", categorie = ").push_bind(categorie.clone());
        qb.push(", categorie_key = ").push_bind(search_key(categorie));
    }
    if let Some(prix) = patch.prix {
        qb.push(", prix_cents = ").push_bind(prix.0);
    }
    if let Some(description) = &patch.description {
        qb.push(", description = ").push_bind(description.clone());
    }
    qb.push(" WHERE id = ").push_bind(id.0);
    qb.push(" RETURNING id, nom, categorie, prix_cents, description");
    let row: Option<ProductRow> = qb
        .build_query_as()
        .fetch_optional(&mut *tx)
        .await
        .map_err(|e| crate::errors::map_product_error(e, patch.nom.as_deref()))?;
    let row = row.ok_or(StorageError::not_found("product", id.0))?;
    tx.commit().await.map_err(map_error)?;
    Ok(row.into())
}
