-- The ledger's document columns are indexed for their foreign keys only (a document's deletion
-- looks for the rows that name it). A row names one document at most, so five or six of the
-- entries each row wrote in these six indexes were NULLs that nothing looks up. Partial indexes
-- keep the rows that name a document: a sale's two ledger rows write 2 entries here instead of 12.
DROP INDEX stock_ledger_sale;
CREATE INDEX stock_ledger_sale ON stock_ledger (vente_id) WHERE vente_id IS NOT NULL;
DROP INDEX stock_ledger_request;
CREATE INDEX stock_ledger_request ON stock_ledger (demande_id) WHERE demande_id IS NOT NULL;
DROP INDEX stock_ledger_receipt;
CREATE INDEX stock_ledger_receipt ON stock_ledger (reception_id) WHERE reception_id IS NOT NULL;
DROP INDEX stock_ledger_adjustment;
CREATE INDEX stock_ledger_adjustment ON stock_ledger (ajustement_id) WHERE ajustement_id IS NOT NULL;
DROP INDEX stock_ledger_return;
CREATE INDEX stock_ledger_return ON stock_ledger (retour_id) WHERE retour_id IS NOT NULL;
DROP INDEX stock_ledger_shipment;
CREATE INDEX stock_ledger_shipment ON stock_ledger (expedition_id) WHERE expedition_id IS NOT NULL;
