-- A store's stock list ordered or filtered by quantity pages through this index alone: store,
-- quantity, then product (the lists' tie-break), then the row's id, so the rows before the page
-- are skipped inside the index and only the page's rows meet the products. It supersedes the
-- index on (store, quantity), whose order stopped at the quantity: a page of a store holding
-- 2,000 products read and sorted every row of its quantity groups up to the page.
DROP INDEX IF EXISTS store_stock_quantite;
CREATE INDEX IF NOT EXISTS store_stock_quantity_order ON store_stock (magasin_id, quantite, produit_id, id);
