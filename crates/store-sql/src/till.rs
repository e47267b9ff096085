//! The till's search: a scanned barcode, a SKU or part of a name, with what the store can sell.

use crate::SqlStorage;
use crate::engine::Engine;
use crate::rows::TillRow;
use crate::statement::Statement;
use magasin_domain::till::{MAX_SUGGESTIONS, TillItem, TillSearch};
use magasin_domain::{Money, ProductId, StorageResult, StoreId};

impl<E: Engine> SqlStorage<E> {
    /// Up to [`MAX_SUGGESTIONS`] products for the till of `store`: the one a barcode names, or
    /// the one whose SKU the text is, then those whose name starts with it, then those whose
    /// name contains it (by name). One read of the products (the codes by their unique indexes),
    /// each joined to the store's stock row by its key. Or the products of the till's lines.
    pub(crate) async fn till_items(&self, store: StoreId, search: &TillSearch) -> StorageResult<Vec<TillItem>> {
        let mut select = Statement::new(
            "SELECT p.id, p.nom, p.prix_cents, p.sku, p.code_barres,
                    COALESCE(s.quantite - s.reserve, 0) AS disponible
             FROM products p LEFT JOIN store_stock s ON s.produit_id = p.id AND s.magasin_id = ",
        );
        select.bind(store.0).push(" WHERE ");
        let mut limit = i64::from(MAX_SUGGESTIONS);
        let (sku, barcode) = match search {
            TillSearch::Lines(ids) => {
                let ids = &ids[..ids.len().min(magasin_domain::sales::MAX_LINES)];
                if ids.is_empty() {
                    return Ok(Vec::new());
                }
                limit = i64::try_from(ids.len()).unwrap_or(i64::MAX);
                select.push("p.id IN (").bind_list(ids.iter().map(|p| p.0)).push(") ORDER BY p.id");
                (None, None)
            }
            TillSearch::Barcode(code) => {
                select.push("p.code_barres = ").bind(code.as_str());
                (None, Some(code.as_str()))
            }
            TillSearch::Text { sku: None, name: None } => {
                let mut conn = self.reader.acquire().await?;
                Self::fetch_store(&mut conn, store).await?;
                return Ok(Vec::new());
            }
            TillSearch::Text { sku, name } => {
                let position = E::DIALECT.position;
                select.push("(");
                if let Some(sku) = sku {
                    select.push("p.sku = ").bind(sku.as_str());
                }
                if let Some(name) = name {
                    select.push(if sku.is_some() { " OR " } else { "" });
                    select.push(&format!("{position}(p.nom_key, ")).bind(name.as_str()).push(") > 0");
                }
                select.push(") ORDER BY ");
                if let Some(sku) = sku {
                    select.push("CASE WHEN p.sku = ").bind(sku.as_str()).push(" THEN 0 ELSE 1 END, ");
                }
                if let Some(name) = name {
                    select.push(&format!("CASE WHEN {position}(p.nom_key, ")).bind(name.as_str());
                    select.push(") = 1 THEN 0 ELSE 1 END, ");
                }
                select.push(&format!("p.nom{}, p.id", E::DIALECT.byte_order));
                (sku.as_deref(), None)
            }
        };
        select.limit(limit);
        let mut conn = self.reader.acquire().await?;
        Self::fetch_store(&mut conn, store).await?;
        let rows: Vec<TillRow> = Self::all(&mut conn, &select).await?;
        Ok(rows
            .into_iter()
            .map(|r| TillItem {
                code_exact: (sku.is_some() && r.sku.as_deref() == sku)
                    || (barcode.is_some() && r.code_barres.as_deref() == barcode),
                id: ProductId(r.id),
                nom: r.nom,
                prix: Money(r.prix_cents),
                sku: r.sku,
                code_barres: r.code_barres,
                disponible: r.disponible,
            })
            .collect())
    }
}
