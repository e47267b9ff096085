-- magasin schema (SQLite). Paired with store-postgres/migrations/0001_schema.sql.
-- Money in integer cents; quantities never negative; every query of the API has an index.

CREATE TABLE stores (
    id      INTEGER PRIMARY KEY,
    nom     TEXT NOT NULL CHECK (length(nom) > 0),
    adresse TEXT NOT NULL DEFAULT ''
);

CREATE TABLE products (
    id          INTEGER PRIMARY KEY,
    nom         TEXT NOT NULL CHECK (length(nom) > 0),
    -- lowercase copy of nom / categorie for case-insensitive search (accents kept)
    nom_key     TEXT NOT NULL,
    categorie   TEXT NOT NULL,
    categorie_key TEXT NOT NULL,
    prix_cents  INTEGER NOT NULL CHECK (prix_cents >= 0),
    description TEXT,
    CONSTRAINT products_nom_unique UNIQUE (nom)
);

CREATE TABLE warehouse_stock (
    produit_id INTEGER PRIMARY KEY REFERENCES products (id),
    quantite   INTEGER NOT NULL CHECK (quantite >= 0)
);

CREATE TABLE store_stock (
    id         INTEGER PRIMARY KEY,
    magasin_id INTEGER NOT NULL REFERENCES stores (id),
    produit_id INTEGER NOT NULL REFERENCES products (id),
    quantite   INTEGER NOT NULL CHECK (quantite >= 0),
    CONSTRAINT store_stock_unique UNIQUE (magasin_id, produit_id)
);
CREATE INDEX store_stock_produit ON store_stock (produit_id);
CREATE INDEX store_stock_quantite ON store_stock (magasin_id, quantite);

CREATE TABLE sales (
    id              INTEGER PRIMARY KEY,
    magasin_id      INTEGER NOT NULL REFERENCES stores (id),
    date_vente      TEXT NOT NULL,
    jour            TEXT NOT NULL,
    total_cents     INTEGER NOT NULL CHECK (total_cents >= 0),
    statut          TEXT NOT NULL CHECK (statut IN ('validée', 'annulée')),
    date_annulation TEXT
);
CREATE INDEX sales_store ON sales (magasin_id, id);
CREATE INDEX sales_store_day ON sales (magasin_id, jour, id);
CREATE INDEX sales_day ON sales (jour, id);

CREATE TABLE sale_lines (
    id                  INTEGER PRIMARY KEY,
    vente_id            INTEGER NOT NULL REFERENCES sales (id),
    produit_id          INTEGER NOT NULL REFERENCES products (id),
    quantite            INTEGER NOT NULL CHECK (quantite > 0),
    prix_unitaire_cents INTEGER NOT NULL CHECK (prix_unitaire_cents >= 0)
);
CREATE INDEX sale_lines_sale ON sale_lines (vente_id);
CREATE INDEX sale_lines_product ON sale_lines (produit_id);

-- Kept up to date in each sale's own transaction so that reports never scan sale lines.
CREATE TABLE sales_totals (
    magasin_id    INTEGER NOT NULL REFERENCES stores (id),
    produit_id    INTEGER NOT NULL REFERENCES products (id),
    quantite      INTEGER NOT NULL CHECK (quantite >= 0),
    montant_cents INTEGER NOT NULL CHECK (montant_cents >= 0),
    PRIMARY KEY (magasin_id, produit_id)
);

CREATE TABLE sales_daily (
    magasin_id    INTEGER NOT NULL REFERENCES stores (id),
    jour          TEXT NOT NULL,
    produit_id    INTEGER NOT NULL REFERENCES products (id),
    quantite      INTEGER NOT NULL CHECK (quantite >= 0),
    montant_cents INTEGER NOT NULL CHECK (montant_cents >= 0),
    PRIMARY KEY (magasin_id, jour, produit_id)
);
-- Covering: the trend window and ranged reports read it without touching the table.
CREATE INDEX sales_daily_day ON sales_daily (jour, magasin_id, produit_id, quantite, montant_cents);

-- A key is claimed first in the sale's transaction (vente_id still NULL), so a concurrent
-- duplicate waits for it and then replays the sale instead of competing for the stock.
CREATE TABLE sale_idempotency_keys (
    cle         TEXT PRIMARY KEY,
    empreinte   TEXT NOT NULL,
    vente_id    INTEGER REFERENCES sales (id),
    date        TEXT NOT NULL
);
CREATE INDEX sale_idempotency_keys_sale ON sale_idempotency_keys (vente_id);

CREATE TABLE replenishments (
    id            INTEGER PRIMARY KEY,
    produit_id    INTEGER NOT NULL REFERENCES products (id),
    magasin_id    INTEGER NOT NULL REFERENCES stores (id),
    quantite      INTEGER NOT NULL CHECK (quantite > 0),
    date          TEXT NOT NULL,
    statut        TEXT NOT NULL CHECK (statut IN ('en_attente', 'approuvée', 'refusée')),
    date_decision TEXT,
    motif         TEXT
);
CREATE INDEX replenishments_status ON replenishments (statut, id);
CREATE INDEX replenishments_store ON replenishments (magasin_id, statut, id);
CREATE INDEX replenishments_product ON replenishments (produit_id);

-- Append-only: every stock change, with the balance after it. magasin_id NULL = the warehouse.
CREATE TABLE stock_ledger (
    id          INTEGER PRIMARY KEY,
    magasin_id  INTEGER REFERENCES stores (id),
    produit_id  INTEGER NOT NULL REFERENCES products (id),
    quantite    INTEGER NOT NULL CHECK (quantite <> 0),
    solde       INTEGER NOT NULL CHECK (solde >= 0),
    motif       TEXT NOT NULL CHECK (motif IN ('ouverture', 'creation_produit', 'vente', 'annulation_vente',
                                               'reapprovisionnement_sortie', 'reapprovisionnement_entree')),
    vente_id    INTEGER REFERENCES sales (id),
    demande_id  INTEGER REFERENCES replenishments (id),
    request_id  TEXT,
    date        TEXT NOT NULL
);
CREATE INDEX stock_ledger_location ON stock_ledger (magasin_id, produit_id, id);
CREATE INDEX stock_ledger_store ON stock_ledger (magasin_id, id);
CREATE INDEX stock_ledger_sale ON stock_ledger (vente_id);
CREATE INDEX stock_ledger_request ON stock_ledger (demande_id);

CREATE TRIGGER stock_ledger_no_update BEFORE UPDATE ON stock_ledger
BEGIN
    SELECT RAISE(ABORT, 'stock_ledger is append-only');
END;
CREATE TRIGGER stock_ledger_no_delete BEFORE DELETE ON stock_ledger
BEGIN
    SELECT RAISE(ABORT, 'stock_ledger is append-only');
END;
