-- Reordering rules per store and product: the minimum below which the product needs goods, the
-- maximum to hold, the multiple it is asked for in, and whether magasin asks by itself
-- (automatique) or suggests (manuel); who set each last. Paired with
-- store-sqlite/migrations/0011_reorder_rules.sql.
CREATE TABLE reorder_rules (
    magasin_id   BIGINT NOT NULL REFERENCES stores (id),
    produit_id   BIGINT NOT NULL REFERENCES products (id),
    seuil_min    BIGINT NOT NULL CHECK (seuil_min >= 0),
    seuil_max    BIGINT NOT NULL CHECK (seuil_max >= 1 AND seuil_max >= seuil_min),
    multiple     BIGINT NOT NULL DEFAULT 1 CHECK (multiple >= 1),
    mode         TEXT NOT NULL CHECK (mode IN ('manuel', 'automatique')),
    modifiee_le  TIMESTAMPTZ NOT NULL,
    modifiee_par TEXT NOT NULL,
    PRIMARY KEY (magasin_id, produit_id)
);
