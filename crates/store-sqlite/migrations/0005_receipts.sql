-- Goods received at the warehouse (réceptions): a supplier's delivery, its lines, and the
-- idempotency keys of the requests that recorded them. The ledger names the receipt of each of
-- its rows, and its reasons are no longer a closed list in the schema: the domain's
-- LedgerReason is the one list (stock flows add reasons). SQLite cannot drop a CHECK, so the
-- ledger is rebuilt: same rows, same ids, same indexes, still append-only.
-- Paired with store-postgres/migrations/0006_receipts.sql.
CREATE TABLE receipts (
    id            INTEGER PRIMARY KEY,
    fournisseur   TEXT NOT NULL,
    bon_livraison TEXT NOT NULL,
    date          TEXT NOT NULL,
    jour          TEXT NOT NULL,
    acteur        TEXT NOT NULL,
    request_id    TEXT
);
CREATE INDEX receipts_day ON receipts (jour, id);

CREATE TABLE receipt_lines (
    reception_id INTEGER NOT NULL REFERENCES receipts (id),
    ligne        INTEGER NOT NULL,
    produit_id   INTEGER NOT NULL REFERENCES products (id),
    quantite     INTEGER NOT NULL CHECK (quantite > 0),
    PRIMARY KEY (reception_id, ligne)
);
CREATE INDEX receipt_lines_product ON receipt_lines (produit_id, reception_id);

CREATE TABLE receipt_idempotency_keys (
    cle          TEXT PRIMARY KEY,
    empreinte    TEXT NOT NULL,
    reception_id INTEGER REFERENCES receipts (id),
    date         TEXT NOT NULL
);

CREATE TABLE stock_ledger_rebuilt (
    id           INTEGER PRIMARY KEY,
    magasin_id   INTEGER REFERENCES stores (id),
    produit_id   INTEGER NOT NULL REFERENCES products (id),
    quantite     INTEGER NOT NULL CHECK (quantite <> 0),
    solde        INTEGER NOT NULL CHECK (solde >= 0),
    motif        TEXT NOT NULL CHECK (motif <> ''),
    vente_id     INTEGER REFERENCES sales (id),
    demande_id   INTEGER REFERENCES replenishments (id),
    request_id   TEXT,
    date         TEXT NOT NULL,
    acteur       TEXT NOT NULL DEFAULT 'system',
    reception_id INTEGER REFERENCES receipts (id)
);
INSERT INTO stock_ledger_rebuilt (id, magasin_id, produit_id, quantite, solde, motif, vente_id, demande_id,
                                  request_id, date, acteur)
    SELECT id, magasin_id, produit_id, quantite, solde, motif, vente_id, demande_id, request_id, date, acteur
    FROM stock_ledger;
-- Dropping a table fires none of its triggers; the old ones go with it.
DROP TABLE stock_ledger;
ALTER TABLE stock_ledger_rebuilt RENAME TO stock_ledger;
CREATE INDEX stock_ledger_location ON stock_ledger (magasin_id, produit_id, id);
CREATE INDEX stock_ledger_store ON stock_ledger (magasin_id, id);
CREATE INDEX stock_ledger_sale ON stock_ledger (vente_id);
CREATE INDEX stock_ledger_request ON stock_ledger (demande_id);
CREATE INDEX stock_ledger_receipt ON stock_ledger (reception_id);
CREATE TRIGGER stock_ledger_no_update BEFORE UPDATE ON stock_ledger
BEGIN
    SELECT RAISE(ABORT, 'stock_ledger is append-only');
END;
CREATE TRIGGER stock_ledger_no_delete BEFORE DELETE ON stock_ledger
BEGIN
    SELECT RAISE(ABORT, 'stock_ledger is append-only');
END;
