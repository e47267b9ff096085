-- How each sale was paid, when the till says: the method and, for cash, what was tendered and
-- the change given back. Sales recorded before (and those sent without a payment) have none.
ALTER TABLE sales ADD COLUMN mode_paiement TEXT CHECK (mode_paiement IN ('especes', 'carte', 'autre'));
ALTER TABLE sales ADD COLUMN montant_remis_cents BIGINT CHECK (montant_remis_cents >= 0);
ALTER TABLE sales ADD COLUMN rendu_cents BIGINT CHECK (rendu_cents >= 0);
