/// What an API user may do: `viewer` reads; `operator` also sends commands and, for the
/// approval roles it holds, answers approvals; `auditor` reads and exports the audit trail
/// besides what a viewer reads, and changes nothing; `admin` may do everything, the API's users
/// included. A route names the access it needs; `allows` says who has it.
public enum APIAccess: String, Sendable, CaseIterable {
    case viewer
    case `operator`
    case auditor
    case admin

    /// Whether a user with this access may use a route that needs `needed`.
    public func allows(_ needed: APIAccess) -> Bool {
        switch (self, needed) {
        case (.admin, _), (_, .viewer): return true
        case (.operator, .operator), (.auditor, .auditor): return true
        default: return false
        }
    }
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
