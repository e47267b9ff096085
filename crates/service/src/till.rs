//! The till's one input: what a cashier scans or types, and the products it finds.

use crate::{ServiceResult, Services};
use magasin_domain::till::{TillItem, TillSearch};
use magasin_domain::{ProductId, StoreId, ValidationErrors};

impl Services {
    /// The products the till's input `text` names for `store` (field `q`): the one a barcode or
    /// SKU names first, then names that start with it, then names that contain it. Read
    /// uncached: what the store can sell changes with every sale.
    pub async fn till_search(&self, store: StoreId, text: &str) -> ServiceResult<Vec<TillItem>> {
        let search = TillSearch::parse(text).map_err(|e| ValidationErrors::single("q", e))?;
        Ok(self.storage.till_search(store, &search).await?)
    }

    /// The products of a till's lines, with what `store` can sell of each.
    pub async fn till_lines(&self, store: StoreId, products: Vec<ProductId>) -> ServiceResult<Vec<TillItem>> {
        Ok(self.storage.till_search(store, &TillSearch::Lines(products)).await?)
    }
}
