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
