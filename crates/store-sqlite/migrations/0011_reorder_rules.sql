-- Reordering rules per store and product: see store-postgres/migrations/0012_reorder_rules.sql,
-- which this pairs.
CREATE TABLE reorder_rules (
    magasin_id   INTEGER NOT NULL REFERENCES stores (id),
    produit_id   INTEGER NOT NULL REFERENCES products (id),
    seuil_min    INTEGER NOT NULL CHECK (seuil_min >= 0),
    seuil_max    INTEGER NOT NULL CHECK (seuil_max >= 1 AND seuil_max >= seuil_min),
    multiple     INTEGER NOT NULL DEFAULT 1 CHECK (multiple >= 1),
    mode         TEXT NOT NULL CHECK (mode IN ('manuel', 'automatique')),
    modifiee_le  TEXT NOT NULL,
    modifiee_par TEXT NOT NULL,
    PRIMARY KEY (magasin_id, produit_id)
);
