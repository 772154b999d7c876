-- Failed sign-ins per key — a username at one client address, a client address, a username —
-- kept in the database so that every server against it counts the same attempts.
CREATE TABLE login_attempts (
    key TEXT PRIMARY KEY,
    failures BIGINT NOT NULL,
    last_failure_at TEXT NOT NULL,
    locked_until TEXT
);
CREATE INDEX login_attempts_last ON login_attempts (last_failure_at);
