-- The ledger's background verifier: the sum of the ledger per location and product up to a
-- ledger id (lieu 0 is the warehouse), so that a pass adds only the rows since; and the state
-- of the last pass, shared by every instance. Paired with
-- store-sqlite/migrations/0007_ledger_verification.sql.
CREATE TABLE ledger_checkpoint (
    lieu       BIGINT NOT NULL,
    produit_id BIGINT NOT NULL,
    somme      BIGINT NOT NULL,
    PRIMARY KEY (lieu, produit_id)
);

CREATE TABLE ledger_verification (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    -- ledger rows summed into ledger_checkpoint: id <= jusqu_a
    jusqu_a         BIGINT NOT NULL DEFAULT 0,
    -- sales whose days the aggregates check has looked at: id <= vente_id
    vente_id        BIGINT NOT NULL DEFAULT 0,
    date            TIMESTAMPTZ,
    ecarts_stock    BIGINT NOT NULL DEFAULT 0,
    ecarts_agregats BIGINT NOT NULL DEFAULT 0,
    details         TEXT NOT NULL DEFAULT '{}',
    duree_ms        BIGINT NOT NULL DEFAULT 0
);
INSERT INTO ledger_verification (id) VALUES (1);

-- Cancellations since the last pass, found without reading every sale.
CREATE INDEX sales_cancelled ON sales (date_annulation) WHERE date_annulation IS NOT NULL;
