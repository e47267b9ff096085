-- The warehouse's reordering rules, per product: below `seuil_min` (what it holds and what sent
-- orders still bring) it should order up to `seuil_max`, in whole `multiple`s; and the key of
-- each draft purchase order made from these suggestions (once a day). Written once for both
-- engines: see store-sql/src/migrations.rs.
CREATE TABLE warehouse_rules (
    produit_id   BIGINT NOT NULL PRIMARY KEY REFERENCES products (id),
    seuil_min    BIGINT NOT NULL CHECK (seuil_min >= 0),
    seuil_max    BIGINT NOT NULL CHECK (seuil_max >= 1 AND seuil_max >= seuil_min),
    multiple     BIGINT NOT NULL DEFAULT 1 CHECK (multiple >= 1),
    modifiee_le  TIMESTAMPTZ NOT NULL,
    modifiee_par TEXT NOT NULL
);

ALTER TABLE purchase_orders ADD COLUMN cle TEXT;
CREATE UNIQUE INDEX purchase_orders_key ON purchase_orders (cle);
