-- Product codes: the chain's own reference (sku, uppercase) and the EAN-13 barcode (a UPC-A
-- stored as its 13-digit form), each optional and unique: a till finds a product by either.
ALTER TABLE products ADD COLUMN sku TEXT;
ALTER TABLE products ADD COLUMN code_barres TEXT;
CREATE UNIQUE INDEX products_sku ON products (sku);
CREATE UNIQUE INDEX products_code_barres ON products (code_barres);
