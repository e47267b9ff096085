-- Sessions of the web interface end together: a session names its user's epoch when it starts,
-- and is honoured only while the user's epoch is the same. Signing out, a new password, a new
-- role or disabling the account bumps it. Paired with store-postgres/migrations/0005_session_epochs.sql.
ALTER TABLE users ADD COLUMN session_epoch INTEGER NOT NULL DEFAULT 0;
