-- Sessions of the web interface end together: a session names its user's epoch when it starts,
-- and is honoured only while the user's epoch is the same. Signing out, a new password, a new
-- role or disabling the account bumps it. Paired with store-sqlite/migrations/0004_session_epochs.sql.
ALTER TABLE users ADD COLUMN session_epoch BIGINT NOT NULL DEFAULT 0;
