-- A store's stock list filtered by name counts the rows it keeps through the store's index
-- alone: each stock row holds its product's search key (`products.nom_key`), indexed after the
-- store. Counting 1,000 matches among a store's 2,000 rows joined them to the catalogue (a hash
-- of the matching products, then a probe per row); the index answers alone, in about half the
-- time. Triggers keep the copy: a new stock row takes its product's key (read `FOR KEY SHARE`,
-- so that a rename committing meanwhile is waited for and then seen), and a product's new key
-- reaches every row of it (a rename first locks the product's stock rows, in store order, then
-- the product: the order a sale takes them in).
ALTER TABLE store_stock ADD COLUMN nom_key TEXT NOT NULL DEFAULT '';
UPDATE store_stock SET nom_key = (SELECT p.nom_key FROM products p WHERE p.id = store_stock.produit_id);
CREATE INDEX IF NOT EXISTS store_stock_name_key ON store_stock (magasin_id, nom_key);
CREATE FUNCTION store_stock_takes_name_key() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.nom_key := COALESCE((SELECT p.nom_key FROM products p WHERE p.id = NEW.produit_id FOR KEY SHARE), '');
    RETURN NEW;
END;
$$;
CREATE TRIGGER store_stock_takes_name_key BEFORE INSERT ON store_stock
    FOR EACH ROW EXECUTE FUNCTION store_stock_takes_name_key();
CREATE FUNCTION products_name_key_to_stock() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE store_stock SET nom_key = NEW.nom_key WHERE produit_id = NEW.id;
    RETURN NULL;
END;
$$;
CREATE TRIGGER products_name_key_to_stock AFTER UPDATE OF nom_key ON products
    FOR EACH ROW WHEN (OLD.nom_key IS DISTINCT FROM NEW.nom_key) EXECUTE FUNCTION products_name_key_to_stock();
