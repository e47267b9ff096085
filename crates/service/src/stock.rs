//! Stores and their stock, the warehouse, and the stock ledger.

use crate::cache::Scope;
use crate::{ServiceResult, Services};
use magasin_domain::StoreId;
use magasin_domain::ledger::{LedgerEntry, LedgerQuery};
use magasin_domain::paging::{CursorPage, Page};
use magasin_domain::stock::{StockItem, StockQuery, StoreStockRow, WarehouseStockRow};
use magasin_domain::stores::Magasin;

/// A store's stock answers depend on its stock levels and on product names.
fn store_scopes(store: StoreId) -> [Scope; 2] {
    [Scope::StoreStock(store.0), Scope::ProductNames]
}

impl Services {
    pub async fn list_stores(&self) -> ServiceResult<Vec<Magasin>> {
        Ok(self.storage.list_stores().await?)
    }

    pub async fn get_store(&self, id: StoreId) -> ServiceResult<Magasin> {
        Ok(self.storage.get_store(id).await?)
    }

    pub async fn store_stock(&self, store: StoreId) -> ServiceResult<Vec<StockItem>> {
        let storage = &self.storage;
        self.cache
            .get_or_compute("store_stock", &store_scopes(store), store.to_string(), || async {
                Ok(storage.store_stock(store).await?)
            })
            .await
    }

    pub async fn store_stock_page(&self, store: StoreId, query: &StockQuery) -> ServiceResult<Page<StoreStockRow>> {
        let storage = &self.storage;
        self.cache
            .get_or_compute("store_stock_list", &store_scopes(store), format!("{store}|{query:?}"), || async {
                Ok(storage.store_stock_page(store, query).await?)
            })
            .await
    }

    pub async fn warehouse_stock(&self, query: &StockQuery) -> ServiceResult<Page<WarehouseStockRow>> {
        Ok(self.storage.warehouse_stock(query).await?)
    }

    pub async fn ledger(&self, query: &LedgerQuery) -> ServiceResult<CursorPage<LedgerEntry>> {
        if let magasin_domain::stock::Location::Store(id) = query.location {
            self.storage.get_store(id).await?;
        }
        Ok(self.storage.ledger(query).await?)
    }
}
