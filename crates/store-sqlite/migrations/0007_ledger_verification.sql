-- The ledger's background verifier: the sum of the ledger per location and product up to a
-- ledger id (lieu 0 is the warehouse), so that a pass adds only the rows since; and the state
-- of the last pass. Paired with store-postgres/migrations/0008_ledger_verification.sql.
CREATE TABLE ledger_checkpoint (
    lieu       INTEGER NOT NULL,
    produit_id INTEGER NOT NULL,
    somme      INTEGER NOT NULL,
    PRIMARY KEY (lieu, produit_id)
);

CREATE TABLE ledger_verification (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    -- ledger rows summed into ledger_checkpoint: id <= jusqu_a
    jusqu_a         INTEGER NOT NULL DEFAULT 0,
    -- sales whose days the aggregates check has looked at: id <= vente_id
    vente_id        INTEGER NOT NULL DEFAULT 0,
    date            TEXT,
    ecarts_stock    INTEGER NOT NULL DEFAULT 0,
    ecarts_agregats INTEGER NOT NULL DEFAULT 0,
    details         TEXT NOT NULL DEFAULT '{}',
    duree_ms        INTEGER NOT NULL DEFAULT 0
);
INSERT INTO ledger_verification (id) VALUES (1);

-- Cancellations since the last pass, found without reading every sale.
CREATE INDEX sales_cancelled ON sales (date_annulation) WHERE date_annulation IS NOT NULL;
