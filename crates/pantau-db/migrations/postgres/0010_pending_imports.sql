-- An uploaded file between its preview and its saving, kept in the database so that any server
-- can save what another previewed. Removed when saved, or after a day.
CREATE TABLE pending_imports (
    token_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    year BIGINT NOT NULL,
    file BYTEA NOT NULL,
    created_at TEXT NOT NULL
);
