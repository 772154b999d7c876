-- Writes sent with an Idempotency-Key (field clients retry when the connection drops): per user
-- and key, the hash of the request and, once answered, the answer to give a retry. A row
-- without a status is a request still being answered. Kept at least 7 days.
-- postgres/0015_idempotency.sql is generated from this file by tools/pg_migration.sh.

CREATE TABLE idempotency_keys (
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status INTEGER,
    content_type TEXT,
    body TEXT,
    created_at TEXT NOT NULL,
    PRIMARY KEY (user_id, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
