import Store

/// The Cluster module's tables, its own schema track ("cluster") on the process's database:
/// the station leases, the requests one node hands another, and the roles one node holds for
/// all (the remediation).
public enum ClusterSchema {
    public static let track = SchemaTrack(name: "cluster", migrations: [
        Migration(version: 1, name: "station leases", sql: """
            CREATE TABLE IF NOT EXISTS station_leases (
                station TEXT PRIMARY KEY,
                node TEXT NOT NULL,
                epoch INTEGER NOT NULL,
                acquired_at INTEGER NOT NULL,
                expires_at INTEGER NOT NULL
            );
            CREATE INDEX IF NOT EXISTS station_leases_by_node ON station_leases (node);
            """),
        Migration(version: 2, name: "node requests", sql: """
            CREATE TABLE IF NOT EXISTS node_requests (
                id INTEGER PRIMARY KEY,
                station TEXT NOT NULL,
                origin_node TEXT NOT NULL,
                target_node TEXT NOT NULL,
                request TEXT NOT NULL,
                state TEXT NOT NULL,
                answer TEXT,
                created_at INTEGER NOT NULL,
                deadline INTEGER NOT NULL,
                answered_at INTEGER
            );
            CREATE INDEX IF NOT EXISTS node_requests_by_target ON node_requests (target_node, state);
            """),
        Migration(version: 3, name: "cluster roles", sql: """
            CREATE TABLE IF NOT EXISTS cluster_roles (
                role TEXT PRIMARY KEY,
                node TEXT NOT NULL,
                epoch INTEGER NOT NULL,
                expires_at INTEGER NOT NULL
            );
            """),
        // The deciding node's consumer backlog, published for the other nodes' backpressure.
        Migration(version: 4, name: "shared backlog", sql: """
            ALTER TABLE cluster_roles ADD COLUMN backlog INTEGER NOT NULL DEFAULT 0;
            ALTER TABLE cluster_roles ADD COLUMN backlog_at INTEGER NOT NULL DEFAULT 0;
            """),
    ])
}
