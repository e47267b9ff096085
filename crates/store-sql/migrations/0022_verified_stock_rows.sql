-- The verifier also compares each store's kept number of stock rows (`stores.stock_rows`) with
-- the rows it holds; a pass records how many stores differ, beside its other counts.
ALTER TABLE ledger_verification ADD COLUMN ecarts_lignes BIGINT NOT NULL DEFAULT 0;
