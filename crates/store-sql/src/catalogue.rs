//! The product catalogue.

use crate::SqlStorage;
use crate::engine::{Engine, is_duplicate_product_name};
use crate::ledger::{LedgerBatch, Movement};
use crate::rows::ProductRow;
use crate::statement::Statement;
use magasin_domain::audit::AuditAction;
use magasin_domain::catalogue::{
    CatalogueRow, CodeLookup, NewProduct, Product, ProductPatch, has_control_character, search_key,
};
use magasin_domain::ledger::LedgerReason;
use magasin_domain::paging::{Page, PageRequest};
use magasin_domain::stock::Location;
use magasin_domain::{ProductId, StorageError, StorageResult, WriteContext};

/// A product's fields as the audit log keeps them.
fn fields(product: &Product) -> serde_json::Value {
    serde_json::json!({
        "nom": product.nom,
        "categorie": product.categorie,
        "prix": product.prix.to_string(),
        "description": product.description,
        "sku": product.sku,
        "code_barres": product.code_barres,
    })
}

const COLUMNS: &str = "id, nom, categorie, prix_cents, description, sku, code_barres";

/// `column` contains `needle` (a search key). A needle with a control character matches nothing
/// and is never sent: no stored name or category holds one, and PostgreSQL's text cannot even
/// hold NUL, so both engines answer the same empty page.
pub(crate) fn push_contains<E: Engine>(s: &mut Statement, column: &str, needle: &str) {
    if has_control_character(needle) {
        s.push("1 = 0");
    } else {
        s.push(E::DIALECT.position).push("(").push(column).push(", ").bind(needle).push(") > 0");
    }
}

impl<E: Engine> SqlStorage<E> {
    /// Not found for the first of `ids` the catalogue does not hold (read in as few statements as
    /// the engine's bind limit allows).
    pub(crate) async fn check_products_exist(
        conn: &mut crate::engine::Connection<E>,
        ids: &[i64],
    ) -> StorageResult<()> {
        let mut known = std::collections::HashSet::new();
        for chunk in ids.chunks(E::DIALECT.binds_per_statement) {
            let mut select = Statement::new("SELECT id FROM products WHERE id IN (");
            select.bind_list(chunk.iter().copied()).push(")");
            let found: Vec<(i64,)> = Self::all(conn, &select).await?;
            known.extend(found.into_iter().map(|(id,)| id));
        }
        match ids.iter().find(|id| !known.contains(id)) {
            Some(unknown) => Err(magasin_domain::StorageError::not_found("product", *unknown)),
            None => Ok(()),
        }
    }

    /// Refuses codes another product holds already (a conflict naming it); the unique indexes
    /// stand behind this for two writes at once.
    async fn check_codes_free(
        conn: &mut crate::engine::Connection<E>,
        sku: Option<&str>,
        code_barres: Option<&str>,
        except: Option<ProductId>,
    ) -> StorageResult<()> {
        for (column, code, what) in [("sku", sku, "SKU"), ("code_barres", code_barres, "barcode")] {
            let Some(code) = code else { continue };
            let select = Statement::new(&format!("SELECT id FROM products WHERE {column} = $1 AND id <> $2"))
                .value(code)
                .value(except.map_or(0, |p| p.0));
            if let Some((holder,)) = Self::optional::<(i64,)>(conn, &select).await? {
                return Err(StorageError::Conflict(format!("Product {holder} already has the {what} {code}.")));
            }
        }
        Ok(())
    }

    /// The product a code names: by its barcode or its SKU, as [`CodeLookup`] says, through
    /// that column's unique index.
    pub(crate) async fn product_with_code(&self, lookup: &CodeLookup) -> StorageResult<Option<Product>> {
        let (column, code) = match lookup {
            CodeLookup::Barcode(code) => ("code_barres", code),
            CodeLookup::Sku(code) => ("sku", code),
        };
        let select =
            Statement::new(&format!("SELECT {COLUMNS} FROM products WHERE {column} = $1")).value(code.as_str());
        let mut conn = self.reader.acquire().await?;
        let row: Option<ProductRow> = Self::optional(&mut conn, &select).await?;
        Ok(row.map(Product::from))
    }

    /// Maps an error of a write that names a product, naming it when the name is taken.
    fn product_error(error: sqlx::Error, nom: Option<&str>) -> StorageError {
        match nom {
            Some(nom) if matches!(&error, sqlx::Error::Database(db) if is_duplicate_product_name(db.as_ref())) => {
                StorageError::Conflict(format!("A product named {nom:?} already exists."))
            }
            _ => E::map_error(error),
        }
    }

    pub(crate) async fn products(&self, search: Option<&str>, page: PageRequest) -> StorageResult<Page<Product>> {
        let filter = |s: &mut Statement| {
            if let Some(text) = search {
                s.push(" WHERE ");
                push_contains::<E>(s, "nom_key", text);
                s.push(" OR ");
                push_contains::<E>(s, "categorie_key", text);
            }
        };
        let mut count = Statement::new("SELECT COUNT(*) FROM products");
        filter(&mut count);
        let mut select = Statement::new(&format!("SELECT {COLUMNS} FROM products"));
        filter(&mut select);
        select.push(" ORDER BY id").limit(page.limit()).offset(page.offset());
        let mut conn = self.reader.acquire().await?;
        let (total,): (i64,) = Self::one(&mut conn, &count).await?;
        let rows: Vec<ProductRow> = Self::all(&mut conn, &select).await?;
        Ok(Page { count: u64::try_from(total).unwrap_or(0), items: rows.into_iter().map(Product::from).collect() })
    }

    pub(crate) async fn product(&self, id: ProductId) -> StorageResult<Product> {
        let mut conn = self.reader.acquire().await?;
        let select = Statement::new(&format!("SELECT {COLUMNS} FROM products WHERE id = $1")).value(id.0);
        let row: Option<ProductRow> = Self::optional(&mut conn, &select).await?;
        row.map(Product::from).ok_or(StorageError::not_found("product", id.0))
    }

    /// The product, its warehouse stock row, and an opening ledger entry when its opening
    /// stock is not zero.
    pub(crate) async fn insert_product(&self, p: &NewProduct, ctx: &WriteContext) -> StorageResult<Product> {
        let mut tx = self.writer.begin().await?;
        let created = Self::insert_product_in(&mut tx, p, ctx).await?;
        tx.commit().await.map_err(E::map_error)?;
        Ok(created)
    }

    /// [`Self::insert_product`] in the caller's transaction.
    async fn insert_product_in(
        tx: &mut crate::engine::Connection<E>,
        p: &NewProduct,
        ctx: &WriteContext,
    ) -> StorageResult<Product> {
        Self::check_codes_free(tx, p.sku.as_deref(), p.code_barres.as_deref(), None).await?;
        let insert = Statement::new(&format!(
            "INSERT INTO products (nom, nom_key, categorie, categorie_key, prix_cents, description, sku, code_barres)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING {COLUMNS}"
        ))
        .value(p.nom.as_str())
        .value(search_key(&p.nom))
        .value(p.categorie.as_str())
        .value(search_key(&p.categorie))
        .value(p.prix.0)
        .value(p.description.as_deref())
        .value(p.sku.as_deref())
        .value(p.code_barres.as_deref());
        let row: ProductRow = Self::try_one(tx, &insert).await.map_err(|e| Self::product_error(e, Some(&p.nom)))?;
        let stock = Statement::new("INSERT INTO warehouse_stock (produit_id, quantite) VALUES ($1, $2)")
            .value(row.id)
            .value(p.stock_initial);
        Self::execute(tx, &stock).await?;
        let mut ledger = LedgerBatch::new(ctx);
        if p.stock_initial != 0 {
            ledger.push(Movement {
                location: Location::Warehouse,
                produit: ProductId(row.id),
                quantite: p.stock_initial,
                solde: p.stock_initial,
                motif: LedgerReason::ProductCreated,
                document: None,
            });
        }
        Self::append_ledger(tx, ledger).await?;
        let created = Product::from(row);
        Self::audit(tx, ctx, AuditAction::ProductCreated, created.id.0, None, Some(fields(&created))).await?;
        Ok(created)
    }

    /// Changes only the fields the patch names (none: the product as it is).
    pub(crate) async fn patch_product(
        &self,
        id: ProductId,
        patch: &ProductPatch,
        ctx: &WriteContext,
    ) -> StorageResult<Product> {
        let mut tx = self.writer.begin().await?;
        let after = Self::patch_product_in(&mut tx, id, patch, ctx).await?;
        tx.commit().await.map_err(E::map_error)?;
        Ok(after)
    }

    /// Creates and updates products as `rows` say, in one transaction: a row that cannot be
    /// written (a name or code taken, an unknown product) writes nothing at all, and a conflict
    /// names its line (`ligne 3`, the header being line 1).
    pub(crate) async fn import_products(
        &self,
        rows: &[CatalogueRow],
        ctx: &WriteContext,
    ) -> StorageResult<Vec<Product>> {
        let mut tx = self.writer.begin().await?;
        let mut written = Vec::with_capacity(rows.len());
        for (i, row) in rows.iter().enumerate() {
            let product = match row {
                CatalogueRow::Create(p) => Self::insert_product_in(&mut tx, p, ctx).await,
                CatalogueRow::Update(id, patch) => Self::patch_product_in(&mut tx, *id, patch, ctx).await,
            };
            written.push(product.map_err(|e| match e {
                StorageError::Conflict(why) => StorageError::Conflict(format!("ligne {}: {why}", i + 2)),
                other => other,
            })?);
        }
        tx.commit().await.map_err(E::map_error)?;
        Ok(written)
    }

    /// Changes only the fields the patch names, in the caller's transaction; the search keys
    /// follow the name and category.
    async fn patch_product_in(
        tx: &mut crate::engine::Connection<E>,
        id: ProductId,
        patch: &ProductPatch,
        ctx: &WriteContext,
    ) -> StorageResult<Product> {
        let mut update = Statement::new("UPDATE products SET id = id");
        if let Some(nom) = &patch.nom {
            update.push(", nom = ").bind(nom.as_str()).push(", nom_key = ").bind(search_key(nom));
        }
        if let Some(categorie) = &patch.categorie {
            update.push(", categorie = ").bind(categorie.as_str());
            update.push(", categorie_key = ").bind(search_key(categorie));
        }
        if let Some(prix) = patch.prix {
            update.push(", prix_cents = ").bind(prix.0);
        }
        if let Some(description) = &patch.description {
            update.push(", description = ").bind(description.as_deref());
        }
        if let Some(sku) = &patch.sku {
            update.push(", sku = ").bind(sku.as_deref());
        }
        if let Some(code) = &patch.code_barres {
            update.push(", code_barres = ").bind(code.as_deref());
        }
        update.push(" WHERE id = ").bind(id.0).push(&format!(" RETURNING {COLUMNS}"));
        if patch.nom.is_some() && !E::DIALECT.for_update.is_empty() {
            // A new name's key reaches every stock row of the product (a trigger): its rows are
            // locked first, in store order, then the product, the order a sale takes them in.
            let rows = Statement::new(&format!(
                "SELECT id FROM store_stock WHERE produit_id = $1 ORDER BY magasin_id{}",
                E::DIALECT.for_update
            ))
            .value(id.0);
            let _: Vec<(i64,)> = Self::all(tx, &rows).await?;
        }
        let select = Statement::new(&format!("SELECT {COLUMNS} FROM products WHERE id = $1{}", E::DIALECT.for_update))
            .value(id.0);
        let before: Option<ProductRow> = Self::optional(tx, &select).await?;
        let before = Product::from(before.ok_or(StorageError::not_found("product", id.0))?);
        let (sku, code_barres) = (patch.sku.clone().flatten(), patch.code_barres.clone().flatten());
        Self::check_codes_free(tx, sku.as_deref(), code_barres.as_deref(), Some(id)).await?;
        let row: Option<ProductRow> =
            Self::try_optional(tx, &update).await.map_err(|e| Self::product_error(e, patch.nom.as_deref()))?;
        let after = Product::from(row.ok_or(StorageError::not_found("product", id.0))?);
        let (old, new) = (fields(&before), fields(&after));
        Self::audit(tx, ctx, AuditAction::ProductUpdated, id.0, Some(old), Some(new)).await?;
        Ok(after)
    }
}
