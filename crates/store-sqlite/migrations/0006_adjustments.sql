-- Stock adjustments (ajustements): a signed correction of one product's quantity at a store
-- (magasin_id) or the warehouse (NULL), with its reason code, a note, the product's price of the
-- moment (the value of each unit in the shrinkage report) and the balance after it; the
-- idempotency keys of the requests that recorded them; the ledger names the adjustment of each
-- of its rows (a column added with a NULL default: the append-only triggers stay as they are).
-- Paired with store-postgres/migrations/0007_adjustments.sql.
CREATE TABLE adjustments (
    id                  INTEGER PRIMARY KEY,
    magasin_id          INTEGER REFERENCES stores (id),
    produit_id          INTEGER NOT NULL REFERENCES products (id),
    quantite            INTEGER NOT NULL CHECK (quantite <> 0),
    solde               INTEGER NOT NULL CHECK (solde >= 0),
    motif               TEXT NOT NULL CHECK (motif <> ''),
    note                TEXT NOT NULL DEFAULT '',
    prix_unitaire_cents INTEGER NOT NULL CHECK (prix_unitaire_cents >= 0),
    date                TEXT NOT NULL,
    jour                TEXT NOT NULL,
    acteur              TEXT NOT NULL,
    request_id          TEXT
);
CREATE INDEX adjustments_location ON adjustments (magasin_id, id);
CREATE INDEX adjustments_day ON adjustments (jour, magasin_id);
CREATE INDEX adjustments_product ON adjustments (produit_id, id);

CREATE TABLE adjustment_idempotency_keys (
    cle           TEXT PRIMARY KEY,
    empreinte     TEXT NOT NULL,
    ajustement_id INTEGER REFERENCES adjustments (id),
    date          TEXT NOT NULL
);

ALTER TABLE stock_ledger ADD COLUMN ajustement_id INTEGER REFERENCES adjustments (id);
CREATE INDEX stock_ledger_adjustment ON stock_ledger (ajustement_id);
