/// A failed PostgreSQL call: the server's SQLSTATE and primary message, and the statement it
/// concerned (its text, never its parameters, which may be secrets). The server's DETAIL is
/// left out for the same reason: it quotes key values ("Key (token)=(…) already exists").
public struct PostgresError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Kind: Equatable, Sendable {
        /// The server answered with an error (`sqlState` says which).
        case server
        /// No connection: the server could not be reached, refused the login, or the
        /// connection broke. The message is libpq's, with any password removed.
        case connection
        /// A value PostgreSQL cannot take or Vigil cannot read back (the message says which).
        case value
    }

    public let kind: Kind
    /// The five-character SQLSTATE (`23505` unique violation, `57014` statement timeout …);
    /// empty when there is none (connection and value errors).
    public let sqlState: String
    public let message: String
    public let sql: String?

    public init(kind: Kind = .server, sqlState: String = "", message: String, sql: String? = nil) {
        self.kind = kind
        self.sqlState = sqlState
        self.message = message
        self.sql = sql
    }

    /// `23xxx`: a constraint (unique, foreign key, check, not null) refused the write.
    public var isConstraintViolation: Bool { sqlState.hasPrefix("23") }

    public var description: String {
        let head: String
        switch kind {
        case .server: head = "PostgreSQL error \(sqlState.isEmpty ? "?" : sqlState)"
        case .connection: head = "PostgreSQL connection failed"
        case .value: head = "PostgreSQL cannot take the value"
        }
        return "\(head): \(message)" + (sql.map { " in \($0.prefix(200).debugDescription)" } ?? "")
    }
}
