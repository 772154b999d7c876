-- PostgreSQL only (statistics refreshed more often for the roll-ups); SQLite plans without them.
SELECT 1;
