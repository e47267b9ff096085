-- Each store's number of stock rows, so that a page of its whole stock list reads its count here
-- instead of counting every row of the store (2,000 index entries per request for a store holding
-- 2,000 products). Stock rows are never deleted; each writer that creates some adds their number
-- as the last statement of its transaction, so that this row's lock is never held while waiting
-- for another lock (see store-sql/src/stock.rs).
ALTER TABLE stores ADD COLUMN stock_rows BIGINT NOT NULL DEFAULT 0 CHECK (stock_rows >= 0);
UPDATE stores SET stock_rows = (SELECT COUNT(*) FROM store_stock s WHERE s.magasin_id = stores.id);
