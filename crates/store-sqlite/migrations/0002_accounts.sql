-- Accounts: users, the stores they act for, and their personal API tokens. Paired with
-- store-postgres/migrations/0003_accounts.sql. Passwords are kept as Argon2id hashes (PHC
-- strings), tokens as the SHA-256 of their secret: neither can be read back.

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    login         TEXT NOT NULL CHECK (length(login) BETWEEN 3 AND 64),
    display_name  TEXT NOT NULL CHECK (length(display_name) > 0),
    role          TEXT NOT NULL CHECK (role IN ('caissier', 'gerant', 'logistique', 'siege', 'admin')),
    -- every store, present and future; otherwise the stores of user_stores
    all_stores    BOOLEAN NOT NULL,
    password_hash TEXT NOT NULL,
    disabled      BOOLEAN NOT NULL DEFAULT FALSE,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    CONSTRAINT users_login_unique UNIQUE (login)
);

CREATE TABLE user_stores (
    user_id    INTEGER NOT NULL REFERENCES users (id),
    magasin_id INTEGER NOT NULL REFERENCES stores (id),
    PRIMARY KEY (user_id, magasin_id)
);

CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id),
    name         TEXT NOT NULL CHECK (length(name) > 0),
    secret_hash  TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    last_used_at TEXT,
    revoked_at   TEXT,
    CONSTRAINT api_tokens_secret_unique UNIQUE (secret_hash)
);
CREATE INDEX api_tokens_user ON api_tokens (user_id, id);
