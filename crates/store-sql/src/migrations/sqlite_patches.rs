//! Where SQLite's first eleven migrations, written by hand before the engines shared one folder,
//! say something other than their PostgreSQL twin's derived spelling. Their text is in every
//! SQLite database as a checksum, so these edits reproduce it to the byte (a test checks each
//! checksum). Later migrations have edits only where SQLite cannot say the same thing: triggers,
//! which it writes without functions ([`STOCK_NAME_KEY`]).

/// One edit of a derived text, applied in order.
#[derive(Debug, Clone, Copy)]
pub enum Patch {
    /// The leading comment lines replaced by this text.
    Header(&'static str),
    /// The one place `from` stands made `to`.
    Replace(&'static str, &'static str),
    /// This text added at the end.
    Append(&'static str),
    /// The text from where `from` stands (once) to the end made `to`.
    ReplaceRest(&'static str, &'static str),
}

use Patch::{Append, Header, Replace, ReplaceRest};

/// SQLite has no trigger functions: one trigger for updates and one for deletes.
const APPEND_ONLY: &str = "CREATE TRIGGER stock_ledger_no_update BEFORE UPDATE ON stock_ledger
BEGIN
    SELECT RAISE(ABORT, 'stock_ledger is append-only');
END;
CREATE TRIGGER stock_ledger_no_delete BEFORE DELETE ON stock_ledger
BEGIN
    SELECT RAISE(ABORT, 'stock_ledger is append-only');
END;
";

/// SQLite has no `INCLUDE`: the covered columns join the key.
const COVERING_DAY_INDEX: Patch = Replace("(jour) INCLUDE (", "(jour, ");

pub const SCHEMA: &[Patch] = &[
    Replace("(PostgreSQL)", "(SQLite)"),
    Replace(
        "id            INTEGER PRIMARY KEY,\n    nom           TEXT",
        "id          INTEGER PRIMARY KEY,\n    nom         TEXT",
    ),
    Replace("nom_key       TEXT NOT NULL,\n    categorie     TEXT", "nom_key     TEXT NOT NULL,\n    categorie   TEXT"),
    Replace(
        "prix_cents    INTEGER NOT NULL CHECK (prix_cents >= 0),\n    description   TEXT",
        "prix_cents  INTEGER NOT NULL CHECK (prix_cents >= 0),\n    description TEXT",
    ),
    Replace("with an index-only scan.", "without touching the table."),
    COVERING_DAY_INDEX,
    Replace(
        "CREATE FUNCTION stock_ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'stock_ledger is append-only';
END;
$$;
CREATE TRIGGER stock_ledger_no_update BEFORE UPDATE OR DELETE ON stock_ledger
    FOR EACH ROW EXECUTE FUNCTION stock_ledger_append_only();
",
        APPEND_ONLY,
    ),
];

pub const ACCOUNTS: &[Patch] = &[Replace("(PHC strings),\n-- tokens", "(PHC\n-- strings), tokens")];

/// SQLite cannot drop a `CHECK`: the ledger is rebuilt with the new column, then its indexes and
/// triggers.
pub const RECEIPTS: &[Patch] = &[
    Replace(
        "reasons). Paired with\n-- ",
        "reasons). SQLite cannot drop a CHECK, so the
-- ledger is rebuilt: same rows, same ids, same indexes, still append-only.
-- Paired with ",
    ),
    Replace(
        "ALTER TABLE stock_ledger ADD COLUMN reception_id INTEGER REFERENCES receipts (id);
ALTER TABLE stock_ledger DROP CONSTRAINT stock_ledger_motif_check;
ALTER TABLE stock_ledger ADD CONSTRAINT stock_ledger_motif_check CHECK (motif <> '');
",
        "CREATE TABLE stock_ledger_rebuilt (
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
",
    ),
    Append(APPEND_ONLY),
];

pub const ADJUSTMENTS: &[Patch] = &[Replace(
    "of its rows. Paired with ",
    "of its rows (a column added with a NULL default: the append-only triggers stay as they are).\n-- Paired with ",
)];

pub const LEDGER_VERIFICATION: &[Patch] =
    &[Replace(", shared by every instance. Paired with\n-- store", ". Paired with store")];

pub const RETURNS: &[Patch] = &[
    Header(
        "-- Returns (retours), their lines, keys and aggregates, the count of returns on each sale and the
-- ledger's return column: see store-postgres/migrations/0010_returns.sql, which this pairs.
",
    ),
    COVERING_DAY_INDEX,
];

pub const PURCHASE_ORDERS: &[Patch] = &[
    Header(
        "-- Purchase orders and their lines, and the order each receipt delivered: see
-- store-postgres/migrations/0011_purchase_orders.sql, which this pairs.
",
    ),
    Replace("-- What is still due per product, for the warehouse's stock page.\n", ""),
];

pub const REORDER_RULES: &[Patch] = &[Header(
    "-- Reordering rules per store and product: see store-postgres/migrations/0012_reorder_rules.sql,
-- which this pairs.
",
)];

/// SQLite's triggers run statements, not functions: the new row takes its product's key once
/// inserted (a single writer: no rename can commit meanwhile), a renamed product's key reaches its rows.
pub const STOCK_NAME_KEY: &[Patch] = &[ReplaceRest(
    "CREATE FUNCTION store_stock_takes_name_key()",
    "CREATE TRIGGER store_stock_takes_name_key AFTER INSERT ON store_stock
BEGIN
    UPDATE store_stock SET nom_key = COALESCE((SELECT p.nom_key FROM products p WHERE p.id = NEW.produit_id), '')
    WHERE id = NEW.id;
END;
CREATE TRIGGER products_name_key_to_stock AFTER UPDATE OF nom_key ON products
    WHEN OLD.nom_key IS NOT NEW.nom_key
BEGIN
    UPDATE store_stock SET nom_key = NEW.nom_key WHERE produit_id = NEW.id;
END;
",
)];

/// `text` with `patches` applied. A `Replace` whose `from` does not stand exactly once is a
/// mistake in this file, caught by the checksum test before any database sees it.
pub fn apply(text: String, patches: &[Patch]) -> String {
    patches.iter().fold(text, |text, patch| match *patch {
        Header(header) => {
            let body_at = text.lines().take_while(|line| line.starts_with("--")).map(|line| line.len() + 1).sum();
            format!("{header}{}", &text[body_at..])
        }
        Replace(from, to) => {
            debug_assert_eq!(text.matches(from).count(), 1, "{from:?} must stand once");
            text.replacen(from, to, 1)
        }
        Append(end) => text + end,
        ReplaceRest(from, to) => {
            debug_assert_eq!(text.matches(from).count(), 1, "{from:?} must stand once");
            let at = text.find(from).unwrap_or(text.len());
            format!("{}{to}", &text[..at])
        }
    })
}
