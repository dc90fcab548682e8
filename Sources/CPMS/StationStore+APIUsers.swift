import Audit
import Store

/// What an API user may do: `viewer` reads; `operator` also sends commands and, for the
/// approval roles it holds, answers approvals.
public enum APIAccess: String, Sendable, CaseIterable, Comparable {
    case viewer
    case `operator`

    public static func < (a: APIAccess, b: APIAccess) -> Bool { a == .viewer && b == .operator }
}

/// A person or system allowed to use the HTTP API, known by the SHA-256 of its bearer token
/// (the token itself is shown once, when created, and never stored).
public struct APIUser: Sendable, Equatable {
    public var name: String
    public var access: APIAccess
    /// The rule approval roles (`approve: { role: … }`) this user may answer.
    public var approves: [String]
    public var createdAt: String
}

extension StationStore {
    /// The digest under which a token is stored.
    public static func tokenDigest(_ token: String) -> String { AuditChain.sha256Hex(Array(token.utf8)) }

    /// Adds a user, or replaces its access, roles and token.
    public func saveAPIUser(name: String, access: APIAccess, approves: [String], token: String, now: String) throws {
        try database.run("""
            INSERT INTO api_users (name, access, approves, token_sha256, created_at) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (name) DO UPDATE SET access = excluded.access, approves = excluded.approves,
                token_sha256 = excluded.token_sha256, created_at = excluded.created_at
            """, name, access.rawValue, approves.joined(separator: ","), Self.tokenDigest(token), now)
    }

    public func removeAPIUser(name: String) throws -> Bool {
        guard try !database.rows("SELECT 1 FROM api_users WHERE name = ?", name).isEmpty else { return false }
        try database.run("DELETE FROM api_users WHERE name = ?", name)
        return true
    }

    public func apiUsers() throws -> [APIUser] {
        try database.rows("SELECT name, access, approves, created_at FROM api_users ORDER BY name").map(Self.apiUser)
    }

    /// Whether any API user exists (the API is open while none does).
    public func hasAPIUsers() throws -> Bool {
        try !database.rows("SELECT 1 FROM api_users LIMIT 1").isEmpty
    }

    /// The user holding `token`, nil when no user does.
    public func apiUser(token: String) throws -> APIUser? {
        try database.rows("SELECT name, access, approves, created_at FROM api_users WHERE token_sha256 = ?", Self.tokenDigest(token))
            .first.map(Self.apiUser)
    }

    static func apiUser(_ row: [SQLValue]) -> APIUser {
        APIUser(name: row[0].text ?? "", access: APIAccess(rawValue: row[1].text ?? "") ?? .viewer,
                approves: (row[2].text ?? "").split(separator: ",").map(String.init), createdAt: row[3].text ?? "")
    }
}
