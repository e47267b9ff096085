-- Replenishment requests with several lines, each granted on approval up to what it asked
-- (written once for both engines: see store-sql/src/migrations.rs). A request's first line also
-- stays in replenishments.produit_id and quantite, where the lab reads it. `accordee` is NULL
-- while the request is pending, what moved once approved, 0 when refused.
CREATE TABLE replenishment_lines (
    demande_id BIGINT NOT NULL REFERENCES replenishments (id),
    ligne      BIGINT NOT NULL,
    produit_id BIGINT NOT NULL REFERENCES products (id),
    demandee   BIGINT NOT NULL CHECK (demandee > 0),
    accordee   BIGINT CHECK (accordee >= 0 AND accordee <= demandee),
    PRIMARY KEY (demande_id, ligne),
    UNIQUE (demande_id, produit_id)
);
CREATE INDEX replenishment_lines_product ON replenishment_lines (produit_id, demande_id);
INSERT INTO replenishment_lines (demande_id, ligne, produit_id, demandee, accordee)
SELECT id, 1, produit_id, quantite, CASE statut WHEN 'approuvée' THEN quantite WHEN 'refusée' THEN 0 END
FROM replenishments;

-- Where a request came from: typed by a person (manuelle), made from the suggestions
-- (suggestion: once per store and day, under its key `cle`), or raised by magasin after a sale
-- (automatique: at most one pending per store).
ALTER TABLE replenishments ADD COLUMN origine TEXT NOT NULL DEFAULT 'manuelle'
    CHECK (origine IN ('manuelle', 'suggestion', 'automatique'));
ALTER TABLE replenishments ADD COLUMN cle TEXT;
CREATE UNIQUE INDEX replenishments_key ON replenishments (cle);
CREATE UNIQUE INDEX replenishments_one_automatic_pending ON replenishments (magasin_id)
    WHERE origine = 'automatique' AND statut = 'en_attente';
