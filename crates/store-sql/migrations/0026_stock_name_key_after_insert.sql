-- A new stock row takes its product's name key after it is inserted, no longer before. Before
-- the insert, the trigger ran for every row an upsert proposed, the restocks of existing rows
-- included, and read the product `FOR KEY SHARE` before waiting for the stock row; a rename holds
-- the product's stock rows, then waits for the product: the two deadlocked. After the insert,
-- only a row really created reads its product, the lock its foreign key takes anyway, and a
-- rename cannot hold a row not yet committed. SQLite's trigger runs after the insert already.
DROP TRIGGER store_stock_takes_name_key ON store_stock;
CREATE OR REPLACE FUNCTION store_stock_takes_name_key() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE store_stock
    SET nom_key = COALESCE((SELECT p.nom_key FROM products p WHERE p.id = NEW.produit_id FOR KEY SHARE), '')
    WHERE id = NEW.id;
    RETURN NULL;
END;
$$;
CREATE TRIGGER store_stock_takes_name_key AFTER INSERT ON store_stock
    FOR EACH ROW EXECUTE FUNCTION store_stock_takes_name_key();
