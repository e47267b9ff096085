//! Managing the product catalogue (head office).

use crate::cache::Scope;
use crate::{ServiceResult, Services};
use magasin_domain::accounts::{Action, Actor};
use magasin_domain::catalogue::{
    Product, ProductInput, code_lookup, search_key, validate_import, validate_new_product, validate_product_patch,
};
use magasin_domain::paging::{Page, PageRequest};
use magasin_domain::{ProductId, ValidationErrors, WriteContext};

impl Services {
    pub async fn list_products(&self, search: Option<&str>, page: PageRequest) -> ServiceResult<Page<Product>> {
        let key = search.map(str::trim).filter(|s| !s.is_empty()).map(search_key);
        Ok(self.storage.list_products(key.as_deref(), page).await?)
    }

    /// Creates and updates products from an import's rows (`(id, fields)`: no id creates), all
    /// or none.
    #[tracing::instrument(skip_all, fields(rows = rows.len()))]
    pub async fn import_catalogue(
        &self,
        actor: &Actor,
        rows: Vec<(Option<ProductId>, ProductInput)>,
        request_id: Option<String>,
    ) -> ServiceResult<Vec<Product>> {
        self.authorize(actor, Action::EditCatalogue)?;
        let rows = validate_import(rows)?;
        let ctx = WriteContext::by(actor, request_id, Self::now());
        let written = self.storage.import_products(&rows, &ctx).await?;
        let mut scopes: Vec<Scope> = written.iter().map(|p| Scope::Product(p.id.0)).collect();
        scopes.push(Scope::ProductNames);
        self.cache.invalidate(&scopes).await;
        Ok(written)
    }

    /// Every product, by id (the catalogue's export), read a page at a time.
    pub async fn all_products(&self) -> ServiceResult<Vec<Product>> {
        let mut all = Vec::new();
        for number in 1.. {
            let request = PageRequest::new(number, 100);
            let page = self.storage.list_products(None, request).await?;
            let more = page.has_next(request);
            all.extend(page.items);
            if !more {
                break;
            }
        }
        Ok(all)
    }

    /// The product a scanned or typed code names (its barcode, or else its SKU); a code that
    /// can be neither is invalid (field `code`).
    pub async fn product_by_code(&self, code: &str) -> ServiceResult<Option<Product>> {
        let lookup = code_lookup(code).map_err(|e| ValidationErrors::single("code", e))?;
        Ok(self.storage.product_by_code(&lookup).await?)
    }

    pub async fn get_product(&self, id: ProductId) -> ServiceResult<Product> {
        let storage = &self.storage;
        self.cache
            .get_or_compute("product", &[Scope::Product(id.0)], id.to_string(), || async {
                Ok(storage.get_product(id).await?)
            })
            .await
    }

    #[tracing::instrument(skip_all)]
    pub async fn create_product(
        &self,
        actor: &Actor,
        input: ProductInput,
        request_id: Option<String>,
    ) -> ServiceResult<Product> {
        self.authorize(actor, Action::EditCatalogue)?;
        let product = validate_new_product(input)?;
        let ctx = WriteContext::by(actor, request_id, Self::now());
        let created = self.storage.create_product(&product, &ctx).await?;
        // Its initial stock is in the warehouse, which no cached answer shows.
        self.cache.invalidate(&[Scope::Product(created.id.0)]).await;
        Ok(created)
    }

    #[tracing::instrument(skip_all, fields(product = %id))]
    pub async fn update_product(&self, actor: &Actor, id: ProductId, input: ProductInput) -> ServiceResult<Product> {
        self.authorize(actor, Action::EditCatalogue)?;
        let patch = validate_product_patch(input)?;
        if patch.is_empty() {
            return self.get_product(id).await;
        }
        let renamed = patch.nom.is_some();
        let ctx = WriteContext::by(actor, None, Self::now());
        let updated = self.storage.update_product(id, &patch, &ctx).await?;
        // Lists and reports show names, not prices: a price change leaves them cached.
        let scopes = if renamed { vec![Scope::Product(id.0), Scope::ProductNames] } else { vec![Scope::Product(id.0)] };
        self.cache.invalidate(&scopes).await;
        Ok(updated)
    }
}
