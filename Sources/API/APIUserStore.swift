import Audit
import Digests
import Store

/// The HTTP API's users and their token digests (`api_users`), a table this module owns with
/// its migrations (the "api-users" `SchemaTrack`), run on the process's `DatabaseHost`.
public struct APIUserStore: Sendable {
    let host: any DatabaseHost

    public init(host: any DatabaseHost) {
        self.host = host
    }

    /// The table's migrations. Version 1 is what the CPMS's main list created as its version 14
    /// before the table moved here, written IF NOT EXISTS so databases made before keep their users.
    public static let schema = SchemaTrack(name: "api-users", migrations: [
        Migration(version: 1, name: "HTTP API users", sql: """
            CREATE TABLE IF NOT EXISTS api_users (
                name TEXT PRIMARY KEY,
                access TEXT NOT NULL CHECK (access IN ('viewer', 'operator')),
                approves TEXT NOT NULL DEFAULT '',
                token_sha256 TEXT NOT NULL UNIQUE,
                created_at TEXT NOT NULL
            );
            """),
        // SQLite cannot change a CHECK constraint in place: the table is rebuilt with the users kept.
        Migration(version: 2, name: "auditor and admin access", sql: """
            CREATE TABLE api_users_v2 (
                name TEXT PRIMARY KEY,
                access TEXT NOT NULL CHECK (access IN ('viewer', 'operator', 'auditor', 'admin')),
                approves TEXT NOT NULL DEFAULT '',
                token_sha256 TEXT NOT NULL UNIQUE,
                created_at TEXT NOT NULL
            );
            INSERT INTO api_users_v2 (name, access, approves, token_sha256, created_at)
                SELECT name, access, approves, token_sha256, created_at FROM api_users;
            DROP TABLE api_users;
            ALTER TABLE api_users_v2 RENAME TO api_users;
            """),
    ])

    /// The digest under which a token is stored.
    public static func tokenDigest(_ token: String) -> String { Digests.sha256Hex(Array(token.utf8)) }

    /// Adds a user, or replaces its access, roles and token.
    public func saveAPIUser(name: String, access: APIAccess, approves: [String], token: String, now: String) async throws {
        try await host.withDatabase(schema: Self.schema) { database in
            try database.run("""
                INSERT INTO api_users (name, access, approves, token_sha256, created_at) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (name) DO UPDATE SET access = excluded.access, approves = excluded.approves,
                    token_sha256 = excluded.token_sha256, created_at = excluded.created_at
                """, name, access.rawValue, approves.joined(separator: ","), APIUserStore.tokenDigest(token), now)
        }
    }

    public func removeAPIUser(name: String) async throws -> Bool {
        try await host.withDatabase(schema: Self.schema) { database in
            guard try !database.rows("SELECT 1 FROM api_users WHERE name = ?", name).isEmpty else { return false }
            try database.run("DELETE FROM api_users WHERE name = ?", name)
            return true
        }
    }

    public func apiUsers() async throws -> [APIUser] {
        try await host.withDatabase(schema: Self.schema) { database in
            try database.rows("SELECT name, access, approves, created_at FROM api_users ORDER BY name").map(APIUserStore.apiUser)
        }
    }

    /// Whether any API user exists (the API is open while none does).
    public func hasAPIUsers() async throws -> Bool {
        try await host.withDatabase(schema: Self.schema) { database in
            try !database.rows("SELECT 1 FROM api_users LIMIT 1").isEmpty
        }
    }

    /// The user holding `token`, nil when no user does.
    public func apiUser(token: String) async throws -> APIUser? {
        try await host.withDatabase(schema: Self.schema) { database in
            try database.rows("SELECT name, access, approves, created_at FROM api_users WHERE token_sha256 = ?", APIUserStore.tokenDigest(token))
                .first.map(APIUserStore.apiUser)
        }
    }

    static func apiUser(_ row: [SQLValue]) -> APIUser {
        APIUser(name: row[0].text ?? "", access: APIAccess(rawValue: row[1].text ?? "") ?? .viewer,
                approves: (row[2].text ?? "").split(separator: ",").map(String.init), createdAt: row[3].text ?? "")
    }
}
