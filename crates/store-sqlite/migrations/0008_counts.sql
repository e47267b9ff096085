-- Physical counts (inventaires): a count of a store (magasin_id) or the warehouse (NULL), every
-- product or one category, with the ledger id up to which its snapshot was taken (repere); its
-- lines (what each product held when it opened, what was counted and when, and once validated
-- what was expected, the variance, the price and the adjustment that posted it). The
-- adjustments a count posts name it. Paired with store-postgres/migrations/0009_counts.sql.
CREATE TABLE counts (
    id              INTEGER PRIMARY KEY,
    magasin_id      INTEGER REFERENCES stores (id),
    categorie       TEXT,
    statut          TEXT NOT NULL CHECK (statut IN ('ouvert', 'valide', 'annule')),
    repere          INTEGER NOT NULL,
    date_ouverture  TEXT NOT NULL,
    acteur          TEXT NOT NULL,
    date_cloture    TEXT,
    acteur_cloture  TEXT,
    request_id      TEXT
);
CREATE INDEX counts_location ON counts (magasin_id, id);

CREATE TABLE count_lines (
    inventaire_id       INTEGER NOT NULL REFERENCES counts (id),
    produit_id          INTEGER NOT NULL REFERENCES products (id),
    attendu             INTEGER NOT NULL,
    compte              INTEGER CHECK (compte >= 0),
    compte_le           TEXT,
    attendu_final       INTEGER,
    ecart               INTEGER,
    prix_unitaire_cents INTEGER,
    ajustement_id       INTEGER REFERENCES adjustments (id),
    PRIMARY KEY (inventaire_id, produit_id)
);

ALTER TABLE adjustments ADD COLUMN inventaire_id INTEGER REFERENCES counts (id);
