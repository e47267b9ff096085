-- Who did what. Every write names its actor: a user's login, `service` (the service token) or
-- `system` (what magasin writes itself: seeding, the demo data) — rows from before accounts
-- existed are magasin's own. Paired with store-postgres/migrations/0004_actors.sql.
ALTER TABLE stock_ledger ADD COLUMN acteur TEXT NOT NULL DEFAULT 'system';
ALTER TABLE sales ADD COLUMN acteur TEXT NOT NULL DEFAULT 'system';
ALTER TABLE sales ADD COLUMN annulee_par TEXT;
ALTER TABLE replenishments ADD COLUMN demandeur TEXT NOT NULL DEFAULT 'system';
ALTER TABLE replenishments ADD COLUMN decideur TEXT;

-- One row per write, in the write's own transaction: what it was, on what, by whom, and for a
-- product the fields before and after (JSON).
CREATE TABLE audit_log (
    id         INTEGER PRIMARY KEY,
    date       TEXT NOT NULL,
    acteur     TEXT NOT NULL,
    action     TEXT NOT NULL,
    entite     TEXT NOT NULL,
    entite_id  INTEGER NOT NULL,
    avant      TEXT,
    apres      TEXT,
    request_id TEXT
);
CREATE INDEX audit_log_actor ON audit_log (acteur, id);
CREATE INDEX audit_log_action ON audit_log (action, id);
CREATE INDEX audit_log_entity ON audit_log (entite, entite_id, id);
