-- Purchase orders and their lines, and the order each receipt delivered: see
-- store-postgres/migrations/0011_purchase_orders.sql, which this pairs.
CREATE TABLE purchase_orders (
    id            INTEGER PRIMARY KEY,
    fournisseur   TEXT NOT NULL,
    statut        TEXT NOT NULL CHECK (statut IN ('brouillon', 'envoyee', 'partiellement_recue', 'recue',
                                                   'soldee', 'annulee')),
    tolerance_pct INTEGER NOT NULL DEFAULT 0 CHECK (tolerance_pct BETWEEN 0 AND 100),
    date          TEXT NOT NULL,
    acteur        TEXT NOT NULL,
    modifiee_le   TEXT,
    modifiee_par  TEXT
);
CREATE INDEX purchase_orders_status ON purchase_orders (statut, id);

CREATE TABLE purchase_order_lines (
    commande_id INTEGER NOT NULL REFERENCES purchase_orders (id),
    ligne       INTEGER NOT NULL,
    produit_id  INTEGER NOT NULL REFERENCES products (id),
    commandee   INTEGER NOT NULL CHECK (commandee > 0),
    recue       INTEGER NOT NULL DEFAULT 0 CHECK (recue >= 0),
    PRIMARY KEY (commande_id, ligne),
    UNIQUE (commande_id, produit_id)
);
CREATE INDEX purchase_order_lines_product ON purchase_order_lines (produit_id, commande_id);

ALTER TABLE receipts ADD COLUMN commande_id INTEGER REFERENCES purchase_orders (id);
CREATE INDEX receipts_order ON receipts (commande_id);
