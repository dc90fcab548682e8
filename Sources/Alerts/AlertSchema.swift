import Store

extension AlertStore {
    /// The alert tables' own migrations (`SchemaTrack` "alerts"). Version 1 is what the CPMS's
    /// main list created as its version 8 before the tables moved here, written IF NOT EXISTS so
    /// that databases made before keep theirs untouched.
    public static let schema = SchemaTrack(name: "alerts", migrations: [
        Migration(version: 1, name: "alerts, their webhook outbox and silences", sql: """
            CREATE TABLE IF NOT EXISTS alerts (
                id INTEGER PRIMARY KEY,
                group_key TEXT NOT NULL,
                rule TEXT NOT NULL,
                target TEXT NOT NULL,
                station TEXT,
                site TEXT,
                vendor TEXT,
                route TEXT NOT NULL,
                severity TEXT NOT NULL,
                title TEXT NOT NULL,
                text TEXT NOT NULL,
                status TEXT NOT NULL CHECK (status IN ('open', 'resolved')),
                first_seen TEXT NOT NULL,
                last_seen TEXT NOT NULL,
                count INTEGER NOT NULL,
                last_notified TEXT,
                resolved_at TEXT
            );
            CREATE UNIQUE INDEX IF NOT EXISTS alerts_open ON alerts (group_key) WHERE status = 'open';
            CREATE TABLE IF NOT EXISTS alert_outbox (
                id INTEGER PRIMARY KEY,
                alert_id INTEGER NOT NULL REFERENCES alerts(id),
                route TEXT NOT NULL,
                endpoint TEXT NOT NULL,
                event TEXT NOT NULL,
                idempotency_key TEXT NOT NULL UNIQUE,
                body TEXT NOT NULL,
                status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'dead')),
                attempts INTEGER NOT NULL DEFAULT 0,
                next_attempt_at TEXT NOT NULL,
                created_at TEXT NOT NULL,
                last_error TEXT,
                delivered_at TEXT
            );
            CREATE INDEX IF NOT EXISTS alert_outbox_due ON alert_outbox (status, next_attempt_at);
            CREATE TABLE IF NOT EXISTS silences (
                id INTEGER PRIMARY KEY,
                rule TEXT,
                station TEXT,
                site TEXT,
                severity TEXT,
                starts_at TEXT NOT NULL,
                ends_at TEXT NOT NULL,
                created_by TEXT NOT NULL,
                reason TEXT NOT NULL,
                created_at TEXT NOT NULL
            );
            """),
    ])
}
