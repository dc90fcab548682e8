import Store

/// The CPMS tables, as versioned migrations. Append new versions; never edit a shipped one.
enum CPMSSchema {
    static let migrations = Migrator([
        Migration(version: 1, name: "stations and connectors", sql: """
            CREATE TABLE stations (
                id TEXT PRIMARY KEY,
                vendor TEXT, model TEXT, serial TEXT, firmware TEXT,
                site TEXT,
                ocpp_version TEXT,
                registration TEXT NOT NULL DEFAULT 'accepted' CHECK (registration IN ('accepted', 'pending', 'rejected')),
                declared INTEGER NOT NULL DEFAULT 0,
                first_seen TEXT, last_seen TEXT, last_boot TEXT, boot_reason TEXT,
                online INTEGER NOT NULL DEFAULT 0
            );
            CREATE TABLE connectors (
                station TEXT NOT NULL REFERENCES stations(id) ON DELETE CASCADE,
                evse INTEGER NOT NULL,
                connector INTEGER NOT NULL,
                status TEXT NOT NULL,
                error_code TEXT, vendor_id TEXT, vendor_error_code TEXT, info TEXT,
                updated_at TEXT NOT NULL,
                PRIMARY KEY (station, evse, connector)
            );
            CREATE TABLE connector_status_history (
                id INTEGER PRIMARY KEY,
                station TEXT NOT NULL REFERENCES stations(id) ON DELETE CASCADE,
                evse INTEGER NOT NULL, connector INTEGER NOT NULL,
                status TEXT NOT NULL, error_code TEXT, vendor_id TEXT, vendor_error_code TEXT, info TEXT,
                charger_time TEXT, received_at TEXT NOT NULL
            );
            CREATE INDEX connector_status_history_station ON connector_status_history (station, received_at);
            """),
        Migration(version: 2, name: "catalogue gaps", sql: """
            CREATE TABLE catalog_gaps (
                vendor TEXT NOT NULL,
                code_key TEXT NOT NULL,       -- the code normalised by the vendor's format
                code TEXT NOT NULL,           -- as first sent
                count INTEGER NOT NULL, first_seen TEXT NOT NULL, last_seen TEXT NOT NULL,
                example_station TEXT,
                PRIMARY KEY (vendor, code_key)
            );
            """),
        Migration(version: 3, name: "id tokens", sql: """
            CREATE TABLE id_tokens (
                token TEXT PRIMARY KEY COLLATE NOCASE,
                status TEXT NOT NULL CHECK (status IN ('accepted', 'blocked', 'expired', 'invalid')),
                expiry TEXT,
                parent TEXT,
                note TEXT,
                created_at TEXT NOT NULL,
                updated_at TEXT NOT NULL
            );
            """),
        Migration(version: 4, name: "sessions", sql: """
            CREATE TABLE sessions (
                id INTEGER PRIMARY KEY AUTOINCREMENT,   -- the 1.6 transactionId; never reused, also across restarts
                station TEXT NOT NULL REFERENCES stations(id) ON DELETE CASCADE,
                evse INTEGER NOT NULL, connector INTEGER NOT NULL,
                transaction_ref TEXT NOT NULL,          -- 1.6: the id as text; 2.0.1: the charger's transactionId
                id_token TEXT, authorization TEXT,
                start_time TEXT NOT NULL, stop_time TEXT,
                meter_start REAL, meter_stop REAL, energy_wh REAL,
                stop_reason TEXT,
                status TEXT NOT NULL CHECK (status IN ('active', 'completed')),
                anomalies TEXT,                         -- e.g. "meter went backwards"
                created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
                UNIQUE (station, transaction_ref)
            );
            CREATE TABLE meter_samples (
                id INTEGER PRIMARY KEY,
                session INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
                at TEXT NOT NULL, measurand TEXT NOT NULL, value REAL NOT NULL, unit TEXT, phase TEXT, context TEXT
            );
            CREATE INDEX meter_samples_session ON meter_samples (session, at);
            """),
        Migration(version: 5, name: "raw OCPP message log", sql: """
            CREATE TABLE ocpp_messages (
                id INTEGER PRIMARY KEY,
                station TEXT NOT NULL,
                incoming INTEGER NOT NULL,
                at TEXT NOT NULL,
                text TEXT NOT NULL
            );
            CREATE INDEX ocpp_messages_station ON ocpp_messages (station, id);
            """),
        Migration(version: 6, name: "domain events, rule decisions and rule state", sql: """
            CREATE TABLE domain_events (
                id INTEGER PRIMARY KEY,
                event_id TEXT NOT NULL,
                at TEXT NOT NULL,
                station TEXT NOT NULL,
                kind TEXT NOT NULL,
                json TEXT NOT NULL
            );
            CREATE INDEX domain_events_at ON domain_events (at);
            CREATE INDEX domain_events_station ON domain_events (station, id);
            CREATE TABLE decisions (
                id INTEGER PRIMARY KEY,
                at TEXT NOT NULL,
                rule TEXT NOT NULL,
                rule_hash TEXT NOT NULL,
                mode TEXT NOT NULL,
                kind TEXT NOT NULL,
                target TEXT NOT NULL,
                station TEXT,
                connector INTEGER,
                site TEXT,
                rung INTEGER,
                action TEXT,
                event_ids TEXT NOT NULL,
                reason TEXT NOT NULL,
                json TEXT NOT NULL
            );
            CREATE INDEX decisions_station ON decisions (station, id);
            CREATE INDEX decisions_rule ON decisions (rule, id);
            CREATE TABLE rule_state (
                id INTEGER PRIMARY KEY CHECK (id = 1),
                saved_at TEXT NOT NULL,
                json TEXT NOT NULL
            );
            """),
        Migration(version: 7, name: "audit trail, remediation commands and settings", sql: """
            CREATE TABLE audit_log (
                id INTEGER PRIMARY KEY,
                at TEXT NOT NULL,
                kind TEXT NOT NULL,
                actor TEXT NOT NULL,
                station TEXT,
                site TEXT,
                rule TEXT,
                action TEXT,
                outcome TEXT,
                details TEXT NOT NULL,
                previous_hash TEXT NOT NULL,
                hash TEXT NOT NULL
            );
            CREATE INDEX audit_log_station ON audit_log (station, id);
            CREATE INDEX audit_log_at ON audit_log (at);
            CREATE TABLE audit_checkpoints (
                id INTEGER PRIMARY KEY,
                entry_id INTEGER NOT NULL,
                hash TEXT NOT NULL,
                signature TEXT NOT NULL,
                at TEXT NOT NULL
            );
            CREATE TABLE remediation_commands (
                id INTEGER PRIMARY KEY,
                decision_id INTEGER UNIQUE,
                created_at TEXT NOT NULL,
                rule TEXT NOT NULL,
                station TEXT NOT NULL,
                connector INTEGER,
                site TEXT,
                action TEXT NOT NULL,
                argument TEXT,
                status TEXT NOT NULL,
                expires_at TEXT,
                sent_at TEXT,
                finished_at TEXT,
                detail TEXT,
                vendor TEXT,
                model TEXT,
                code TEXT,
                verified INTEGER
            );
            CREATE INDEX remediation_commands_station ON remediation_commands (station, id);
            CREATE INDEX remediation_commands_status ON remediation_commands (status);
            CREATE TABLE settings (
                key TEXT PRIMARY KEY,
                value TEXT NOT NULL,
                updated_at TEXT NOT NULL,
                updated_by TEXT NOT NULL
            );
            """),
        // The alert tables moved to the Alerts module's own schema track (`AlertStore.schema`),
        // which creates them IF NOT EXISTS: databases made before keep them, new ones get them
        // when Alerts first uses the database. The version stays, so the numbering holds.
        Migration(version: 8, name: "alerts, their webhook outbox and silences (now Alerts' own schema track)",
                  sql: "-- moved to AlertStore.schema"),
        Migration(version: 9, name: "id tokens restricted to sites", sql: """
            ALTER TABLE id_tokens ADD COLUMN sites TEXT;
            """),
        Migration(version: 10, name: "clock skew per station, offline-queued status reports", sql: """
            ALTER TABLE stations ADD COLUMN clock_skew REAL;
            ALTER TABLE stations ADD COLUMN skew_samples INTEGER NOT NULL DEFAULT 0;
            ALTER TABLE connector_status_history ADD COLUMN queued_offline INTEGER NOT NULL DEFAULT 0;
            """),
        Migration(version: 11, name: "record of vendor-quirk leniency applied", sql: """
            CREATE TABLE quirk_uses (
                station TEXT NOT NULL,
                quirk TEXT NOT NULL,
                kind TEXT NOT NULL,
                action TEXT NOT NULL,
                path TEXT NOT NULL,
                count INTEGER NOT NULL,
                first_seen TEXT NOT NULL,
                last_seen TEXT NOT NULL,
                example TEXT NOT NULL,
                PRIMARY KEY (station, quirk, kind, action, path)
            );
            """),
        Migration(version: 12, name: "faults seen during a session", sql: """
            ALTER TABLE sessions ADD COLUMN errors TEXT;
            """),
        Migration(version: 13, name: "security profile of each station's connection", sql: """
            ALTER TABLE stations ADD COLUMN security_profile INTEGER;
            """),
        // The API users' table moved to the API module's own schema track (`APIUserStore.schema`,
        // IF NOT EXISTS): databases made before keep it; the version stays for the numbering.
        Migration(version: 14, name: "HTTP API users (now the API's own schema track)", sql: "-- moved to APIUserStore.schema"),
        Migration(version: 15, name: "station Basic-auth passwords (digests)", sql: """
            ALTER TABLE stations ADD COLUMN auth_digest TEXT;
            """),
        Migration(version: 16, name: "faults open on each connector (the executor's safety gate reads them)", sql: """
            CREATE TABLE open_faults (
                station TEXT NOT NULL REFERENCES stations(id) ON DELETE CASCADE,
                evse INTEGER NOT NULL,                  -- 1.6: the connectorId; 0 = the station itself
                code TEXT NOT NULL,                     -- 1.6 errorCode, 2.0.1 Component/Variable
                vendor_id TEXT, vendor_error_code TEXT, info TEXT,
                raised_at TEXT NOT NULL,
                PRIMARY KEY (station, evse, code)
            );
            """),
        Migration(version: 17, name: "when each station first authenticated (no downgrade to no credentials)", sql: """
            ALTER TABLE stations ADD COLUMN authenticated_at TEXT;
            """),
        // Audit completeness (issue #14): entries hashed with a length-prefixed encoding from
        // here on (old ones keep encoding 1 and still verify); checkpoints numbered, versioned.
        Migration(version: 18, name: "audit trail: entry encoding v2 and numbered checkpoints", sql: """
            ALTER TABLE audit_log ADD COLUMN encoding INTEGER NOT NULL DEFAULT 1;
            ALTER TABLE audit_checkpoints ADD COLUMN sequence INTEGER;
            ALTER TABLE audit_checkpoints ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
            UPDATE audit_checkpoints SET sequence = id;
            CREATE UNIQUE INDEX audit_checkpoints_sequence ON audit_checkpoints (sequence);
            """),
        // The lossless fault loop (issue #15): domain events are the durable event log, appended
        // before a charger is answered; each consumer keeps its cursor, the rule engine's saved
        // state the cursor it was taken at.
        Migration(version: 19, name: "event log cursors", sql: """
            CREATE TABLE event_cursors (
                consumer TEXT PRIMARY KEY,
                position INTEGER NOT NULL,
                ahead TEXT NOT NULL DEFAULT '',
                ticked_through TEXT,
                updated_at TEXT NOT NULL
            );
            ALTER TABLE rule_state ADD COLUMN position INTEGER;
            ALTER TABLE rule_state ADD COLUMN ahead TEXT NOT NULL DEFAULT '';
            ALTER TABLE rule_state ADD COLUMN engine_time TEXT;
            """),
        // The raw log's and the status history's per-station indexes are kept up to date in
        // batches (issue #15): a row is inserted outside the index (`indexed = 0`, found through
        // a small index on the recent tail), and a pass about once a second moves the tail into
        // it. One insert per row into a station-keyed B-tree touched a different page for nearly
        // every row, and rewriting those pages in every group commit cost more than everything
        // else the store did. The event log's station index had no reader.
        Migration(version: 20, name: "raw log and status history indexed by station in batches", sql: """
            DROP INDEX domain_events_station;
            DROP INDEX ocpp_messages_station;
            ALTER TABLE ocpp_messages ADD COLUMN indexed INTEGER NOT NULL DEFAULT 1;
            CREATE INDEX ocpp_messages_station ON ocpp_messages (station, id) WHERE indexed = 1;
            CREATE INDEX ocpp_messages_unindexed ON ocpp_messages (id) WHERE indexed = 0;
            DROP INDEX connector_status_history_station;
            ALTER TABLE connector_status_history ADD COLUMN indexed INTEGER NOT NULL DEFAULT 1;
            CREATE INDEX connector_status_history_station ON connector_status_history (station, id) WHERE indexed = 1;
            CREATE INDEX connector_status_history_unindexed ON connector_status_history (id) WHERE indexed = 0;
            """),
        // Connectivity history for availability metrics (issue #19): one row each time a
        // station's `online` flag flips, written by triggers so every writer of the flag (boot,
        // heartbeat, status, disconnect, the offline sweep, the mark-all-offline at start) is
        // covered without a statement of its own. `at` is the station's `last_seen` after the
        // write: for a flip to online the time it came back, for a flip to offline the last time
        // it was heard from — offline counts from the last message. A heartbeat that leaves the
        // flag as it was fails the WHEN and writes nothing, so the hot path pays one comparison.
        // A first appearance already online is the INSERT trigger's. Stations online when this
        // migration runs are recorded online from their last boot (else last message), the best
        // the older tables know. The triggers are each engine's own (PostgreSQL's call a trigger
        // function); the backfill runs before them, as it inserts no station.
        Migration(version: 21, name: "station connectivity history", sql: """
            CREATE TABLE station_connectivity (
                id INTEGER PRIMARY KEY,
                station TEXT NOT NULL,
                at TEXT NOT NULL,
                online INTEGER NOT NULL
            );
            CREATE INDEX station_connectivity_station ON station_connectivity (station, at);
            INSERT INTO station_connectivity (station, at, online)
                SELECT id, coalesce(last_boot, last_seen), 1 FROM stations
                WHERE online = 1 AND coalesce(last_boot, last_seen) IS NOT NULL;
            INSERT INTO station_connectivity (station, at, online)
                SELECT id, last_seen, 0 FROM stations WHERE online = 0 AND last_seen IS NOT NULL;
            """, sqlite: """
            CREATE TRIGGER station_connectivity_flip AFTER UPDATE OF online ON stations
            WHEN OLD.online IS NOT NEW.online AND coalesce(NEW.last_seen, NEW.first_seen) IS NOT NULL
            BEGIN
                INSERT INTO station_connectivity (station, at, online)
                VALUES (NEW.id, coalesce(NEW.last_seen, NEW.first_seen), NEW.online);
            END;
            CREATE TRIGGER station_connectivity_first AFTER INSERT ON stations
            WHEN NEW.online = 1 AND coalesce(NEW.last_seen, NEW.first_seen) IS NOT NULL
            BEGIN
                INSERT INTO station_connectivity (station, at, online)
                VALUES (NEW.id, coalesce(NEW.last_seen, NEW.first_seen), 1);
            END;
            """, postgresql: """
            CREATE FUNCTION station_connectivity_record() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                INSERT INTO station_connectivity (station, at, online)
                VALUES (NEW.id, coalesce(NEW.last_seen, NEW.first_seen), NEW.online);
                RETURN NULL;
            END $$;
            CREATE TRIGGER station_connectivity_flip AFTER UPDATE OF online ON stations FOR EACH ROW
            WHEN (OLD.online IS DISTINCT FROM NEW.online AND coalesce(NEW.last_seen, NEW.first_seen) IS NOT NULL)
            EXECUTE FUNCTION station_connectivity_record();
            CREATE TRIGGER station_connectivity_first AFTER INSERT ON stations FOR EACH ROW
            WHEN (NEW.online = 1 AND coalesce(NEW.last_seen, NEW.first_seen) IS NOT NULL)
            EXECUTE FUNCTION station_connectivity_record();
            """),
        // Session metrics (issue #19) read one station's sessions by start time: a site report
        // reads only its stations' rows, through this index, not the whole table.
        Migration(version: 22, name: "sessions by station and start time", sql: """
            CREATE INDEX sessions_station_start ON sessions (station, start_time);
            """),
        // Connector types (issue #21): tariffs can be for one type. The config file's
        // `stations: [{connectors: …}]` is the only source; connector 0 stands for every
        // connector of the EVSE (1.6: the connector the key names).
        Migration(version: 23, name: "connector types", sql: """
            CREATE TABLE connector_types (
                station TEXT NOT NULL REFERENCES stations(id) ON DELETE CASCADE,
                evse INTEGER NOT NULL,
                connector INTEGER NOT NULL,
                type TEXT NOT NULL,
                PRIMARY KEY (station, evse, connector)
            );
            """),
        // The station indexes of the raw log and the status history move to side tables filled in
        // sorted passes (issue #15, `StationIndexPass`): the flag of version 20 made a pass rewrite
        // every row it indexed (its page a second time), and a pass in small chunks — so that no
        // commit holds the store's thread long — touched every station's index page in each
        // chunk; measured under 1,000 busy chargers, 363 MB/s written against 60 MB/s with no
        // pass at all. Existing rows are indexed here; the marks start at the newest row.
        Migration(version: 24, name: "station indexes of the raw log and status history in side tables", sql: """
            DROP INDEX ocpp_messages_station;
            DROP INDEX ocpp_messages_unindexed;
            DROP INDEX connector_status_history_station;
            DROP INDEX connector_status_history_unindexed;
            CREATE TABLE row_index_marks (
                name TEXT PRIMARY KEY,
                indexed_through INTEGER NOT NULL
            );
            """, sqlite: """
            CREATE TABLE ocpp_messages_by_station (
                station TEXT NOT NULL,
                id INTEGER NOT NULL,
                PRIMARY KEY (station, id)
            ) WITHOUT ROWID;
            INSERT INTO ocpp_messages_by_station (station, id) SELECT station, id FROM ocpp_messages ORDER BY station, id;
            INSERT INTO row_index_marks (name, indexed_through) SELECT 'ocpp_messages', coalesce(max(id), 0) FROM ocpp_messages;
            ALTER TABLE ocpp_messages DROP COLUMN indexed;
            CREATE TABLE connector_status_history_by_station (
                station TEXT NOT NULL,
                id INTEGER NOT NULL,
                PRIMARY KEY (station, id)
            ) WITHOUT ROWID;
            INSERT INTO connector_status_history_by_station (station, id) SELECT station, id FROM connector_status_history ORDER BY station, id;
            INSERT INTO row_index_marks (name, indexed_through) SELECT 'connector_status_history', coalesce(max(id), 0) FROM connector_status_history;
            ALTER TABLE connector_status_history DROP COLUMN indexed;
            """, postgresql: """
            CREATE TABLE ocpp_messages_by_station (
                station TEXT COLLATE "C" NOT NULL,
                id BIGINT NOT NULL,
                PRIMARY KEY (station, id)
            );
            INSERT INTO ocpp_messages_by_station (station, id) SELECT station, id FROM ocpp_messages ORDER BY station, id;
            INSERT INTO row_index_marks (name, indexed_through) SELECT 'ocpp_messages', coalesce(max(id), 0) FROM ocpp_messages;
            ALTER TABLE ocpp_messages DROP COLUMN indexed;
            CREATE TABLE connector_status_history_by_station (
                station TEXT COLLATE "C" NOT NULL,
                id BIGINT NOT NULL,
                PRIMARY KEY (station, id)
            );
            INSERT INTO connector_status_history_by_station (station, id) SELECT station, id FROM connector_status_history ORDER BY station, id;
            INSERT INTO row_index_marks (name, indexed_through) SELECT 'connector_status_history', coalesce(max(id), 0) FROM connector_status_history;
            ALTER TABLE connector_status_history DROP COLUMN indexed;
            """),
        // Every Authorize, StartTransaction and TransactionEvent with a token asks whether the
        // token is charging elsewhere (`hasActiveSession`): without this it read the whole
        // sessions table, which only grows. Partial: only running sessions, by token in any case.
        Migration(version: 25, name: "running sessions by token", sql: """
            CREATE INDEX sessions_active_by_token ON sessions (lower(id_token)) WHERE status = 'active';
            """),
        // When each serve node was last known up (`StationStore.recordNodeAlive`): after a crash
        // the stations it had connected were online until about then, not since their last
        // message (a quiet charger answering pings was charged minutes of false downtime).
        Migration(version: 26, name: "node liveness", sql: """
            CREATE TABLE node_liveness (
                node TEXT PRIMARY KEY,
                alive_at TEXT NOT NULL
            );
            """),
        // 2.0.1 connector statuses say only Occupied; whether energy flows is the transaction's
        // `chargingState`. Its changes, per EVSE, by when Vigil received them, feed the
        // utilisation figures (a 2.0.1 fleet showed 0 % charging).
        Migration(version: 27, name: "2.0.1 charging states", sql: """
            CREATE TABLE charging_states (
                id INTEGER PRIMARY KEY,
                station TEXT NOT NULL,
                evse INTEGER NOT NULL,
                state TEXT NOT NULL,
                received_at TEXT NOT NULL
            );
            CREATE INDEX charging_states_station ON charging_states (station, evse, id);
            """),
        // A report the charger queued while offline and sent after a newer one is history, not
        // the connector's state: the live status keeps the charger's own time of the report it
        // shows, to tell. A charger whose clock moved back for good is told from a replayed
        // queue by a steady new offset (`skew_candidate`, seen since `skew_candidate_since`).
        Migration(version: 28, name: "reports superseded by newer ones, clock changes", sql: """
            ALTER TABLE connectors ADD COLUMN charger_time TEXT;
            ALTER TABLE stations ADD COLUMN skew_candidate REAL;
            ALTER TABLE stations ADD COLUMN skew_candidate_since TEXT;
            """),
        // Each audit entry sealed with the audit key (`AuditChain.seal`) by the writer that holds
        // it: the chain's hashes alone anyone can compute, so a correctly chained entry appended
        // by hand was signed at the next checkpoint like Vigil's own.
        Migration(version: 29, name: "audit entries sealed with the key", sql: """
            ALTER TABLE audit_log ADD COLUMN seal TEXT;
            """),
    ])
}
