//! The product catalogue.

use crate::errors::{begin, map_error, map_product_error};
use crate::rows::ProductRow;
use crate::stock::{LedgerBatch, Movement};
use magasin_domain::catalogue::{NewProduct, Product, ProductPatch, search_key};
use magasin_domain::ledger::LedgerReason;
use magasin_domain::paging::{Page, PageRequest};
use magasin_domain::stock::Location;
use magasin_domain::{ProductId, StorageError, StorageResult, WriteContext};
use sqlx::{PgPool, Postgres, QueryBuilder};

const COLUMNS: &str = "SELECT id, nom, categorie, prix_cents, description FROM products";

pub async fn list(pool: &PgPool, search: Option<&str>, page: PageRequest) -> StorageResult<Page<Product>> {
    let filter = |qb: &mut QueryBuilder<'_, Postgres>| {
        if let Some(s) = search {
            qb.push(" WHERE strpos(nom_key, ").push_bind(s.to_string());
            qb.push(") > 0 OR strpos(categorie_key, ").push_bind(s.to_string()).push(") > 0");
        }
    };
    let mut count = QueryBuilder::<Postgres>::new("SELECT COUNT(*) FROM products");
    filter(&mut count);
    let total: i64 = count.build_query_scalar().fetch_one(pool).await.map_err(map_error)?;
    let mut select = QueryBuilder::<Postgres>::new(COLUMNS);
    filter(&mut select);
    select.push(" ORDER BY id LIMIT ").push_bind(page.limit()).push(" OFFSET ").push_bind(page.offset());
    let rows: Vec<ProductRow> = select.build_query_as().fetch_all(pool).await.map_err(map_error)?;
    Ok(Page { count: u64::try_from(total).unwrap_or(0), items: rows.into_iter().map(Product::from).collect() })
}

pub async fn get(pool: &PgPool, id: ProductId) -> StorageResult<Product> {
    let row: Option<ProductRow> =
        sqlx::query_as(&format!("{COLUMNS} WHERE id = $1")).bind(id.0).fetch_optional(pool).await.map_err(map_error)?;
    row.map(Product::from).ok_or(StorageError::not_found("product", id.0))
}

pub async fn create(pool: &PgPool, p: &NewProduct, ctx: &WriteContext) -> StorageResult<Product> {
    let mut tx = begin(pool).await?;
    let row: ProductRow = sqlx::query_as(
        "INSERT INTO products (nom, nom_key, categorie, categorie_key, prix_cents, description)
         VALUES ($1, $2, $3, $4, $5, $6)
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
    .map_err(|e| map_product_error(e, Some(&p.nom)))?;
    sqlx::query("INSERT INTO warehouse_stock (produit_id, quantite) VALUES ($1, $2)")
        .bind(row.id)
        .bind(p.stock_initial)
        .execute(&mut *tx)
        .await
        .map_err(map_error)?;
    if p.stock_initial != 0 {
        let mut ledger = LedgerBatch::new(ctx);
        ledger.push(Movement {
            location: Location::Warehouse,
            produit: ProductId(row.id),
            quantite: p.stock_initial,
            solde: p.stock_initial,
            motif: LedgerReason::ProductCreated,
            document: None,
        });
        ledger.insert(&mut tx).await?;
    }
    tx.commit().await.map_err(map_error)?;
    Ok(row.into())
}

/// Changes only the fields the patch names; the search keys follow the name and category.
pub async fn update(pool: &PgPool, id: ProductId, patch: &ProductPatch) -> StorageResult<Product> {
    if patch.is_empty() {
        return get(pool, id).await;
    }
    let mut qb = QueryBuilder::<Postgres>::new("UPDATE products SET ");
    let mut set = qb.separated(", ");
    if let Some(nom) = &patch.nom {
        set.push("nom = ").push_bind_unseparated(nom.clone());
        set.push("nom_key = ").push_bind_unseparated(search_key(nom));
    }
    if let Some(categorie) = &patch.categorie {
        set.push("categorie = ").push_bind_unseparated(categorie.clone());
        set.push("categorie_key = ").push_bind_unseparated(search_key(categorie));
    }
    if let Some(prix) = patch.prix {
        set.push("prix_cents = ").push_bind_unseparated(prix.0);
    }
    if let Some(description) = &patch.description {
        set.push("description = ").push_bind_unseparated(description.clone());
    }
    qb.push(" WHERE id = ").push_bind(id.0);
    qb.push(" RETURNING id, nom, categorie, prix_cents, description");
    let row: Option<ProductRow> =
        qb.build_query_as().fetch_optional(pool).await.map_err(|e| map_product_error(e, patch.nom.as_deref()))?;
    row.map(Product::from).ok_or(StorageError::not_found("product", id.0))
}
