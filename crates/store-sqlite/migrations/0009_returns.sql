-- Returns (retours), their lines, keys and aggregates, the count of returns on each sale and the
-- ledger's return column: see store-postgres/migrations/0010_returns.sql, which this pairs.
CREATE TABLE sale_returns (
    id            INTEGER PRIMARY KEY,
    vente_id      INTEGER NOT NULL REFERENCES sales (id),
    magasin_id    INTEGER NOT NULL REFERENCES stores (id),
    montant_cents INTEGER NOT NULL CHECK (montant_cents >= 0),
    note          TEXT NOT NULL DEFAULT '',
    date          TEXT NOT NULL,
    jour          TEXT NOT NULL,
    acteur        TEXT NOT NULL,
    request_id    TEXT
);
CREATE INDEX sale_returns_sale ON sale_returns (vente_id, id);
CREATE INDEX sale_returns_day ON sale_returns (jour, magasin_id);

CREATE TABLE sale_return_lines (
    retour_id           INTEGER NOT NULL REFERENCES sale_returns (id),
    ligne               INTEGER NOT NULL,
    vente_ligne         INTEGER NOT NULL CHECK (vente_ligne >= 1),
    produit_id          INTEGER NOT NULL REFERENCES products (id),
    quantite            INTEGER NOT NULL CHECK (quantite > 0),
    etat                TEXT NOT NULL CHECK (etat IN ('revendable', 'abime')),
    prix_unitaire_cents INTEGER NOT NULL CHECK (prix_unitaire_cents >= 0),
    PRIMARY KEY (retour_id, ligne)
);

CREATE TABLE return_idempotency_keys (
    cle       TEXT PRIMARY KEY,
    empreinte TEXT NOT NULL,
    retour_id INTEGER REFERENCES sale_returns (id),
    date      TEXT NOT NULL
);

CREATE TABLE returns_totals (
    magasin_id    INTEGER NOT NULL REFERENCES stores (id),
    produit_id    INTEGER NOT NULL REFERENCES products (id),
    quantite      INTEGER NOT NULL CHECK (quantite >= 0),
    montant_cents INTEGER NOT NULL CHECK (montant_cents >= 0),
    PRIMARY KEY (magasin_id, produit_id)
);

CREATE TABLE returns_daily (
    magasin_id    INTEGER NOT NULL REFERENCES stores (id),
    jour          TEXT NOT NULL,
    produit_id    INTEGER NOT NULL REFERENCES products (id),
    quantite      INTEGER NOT NULL CHECK (quantite >= 0),
    montant_cents INTEGER NOT NULL CHECK (montant_cents >= 0),
    PRIMARY KEY (magasin_id, jour, produit_id)
);
CREATE INDEX returns_daily_day ON returns_daily (jour, magasin_id, produit_id, quantite, montant_cents);

ALTER TABLE sales ADD COLUMN retours INTEGER NOT NULL DEFAULT 0 CHECK (retours >= 0);
ALTER TABLE stock_ledger ADD COLUMN retour_id INTEGER REFERENCES sale_returns (id);
CREATE INDEX stock_ledger_return ON stock_ledger (retour_id);
ALTER TABLE ledger_verification ADD COLUMN retour_id INTEGER NOT NULL DEFAULT 0;
