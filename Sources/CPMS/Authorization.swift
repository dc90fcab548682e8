import OCPP

/// An RFID card or other id token Vigil knows.
public struct IdTokenRecord: Sendable, Equatable {
    public enum Status: String, Sendable, CaseIterable {
        case accepted, blocked, expired, invalid
    }

    public var token: String
    public var status: Status
    /// RFC 3339; after it the token is treated as expired.
    public var expiry: String?
    /// Group (parent) token, sent back to the charger as parentIdTag / groupIdToken.
    public var parent: String?
    public var note: String?
    /// Sites where the token may charge; empty: everywhere.
    public var sites: [String]

    public init(token: String, status: Status, expiry: String? = nil, parent: String? = nil, note: String? = nil, sites: [String] = []) {
        self.token = token
        self.status = status
        self.expiry = expiry
        self.parent = parent
        self.note = note
        self.sites = sites
    }
}

/// Whether one token may run two sessions at once (`--concurrent-use`).
public enum ConcurrentUsePolicy: String, Sendable, CaseIterable {
    case allow, reject
}

/// The version-neutral answer to "may this token charge?".
public struct AuthorizationDecision: Sendable, Equatable {
    public enum Outcome: String, Sendable {
        case accepted, blocked, expired, invalid, unknown
        /// Valid, but not at this station's site.
        case notAtThisLocation
        /// Valid, but already charging elsewhere (concurrent use refused).
        case concurrentTx
    }

    public var outcome: Outcome
    public var expiry: OCPPDateTime?
    public var parent: String?

    /// Decides for `record` (nil: a token Vigil does not know) at `now`. Pure.
    public static func decide(_ record: IdTokenRecord?, now: OCPPDateTime) -> AuthorizationDecision {
        guard let record else { return AuthorizationDecision(outcome: .unknown) }
        let expiry = record.expiry.flatMap { OCPPDateTime(rfc3339: $0) }
        switch record.status {
        case .blocked: return AuthorizationDecision(outcome: .blocked, parent: record.parent)
        case .expired: return AuthorizationDecision(outcome: .expired, expiry: expiry, parent: record.parent)
        case .invalid: return AuthorizationDecision(outcome: .invalid, parent: record.parent)
        case .accepted:
            if let expiry, expiry.secondsSinceEpoch < now.secondsSinceEpoch {
                return AuthorizationDecision(outcome: .expired, expiry: expiry, parent: record.parent)
            }
            return AuthorizationDecision(outcome: .accepted, expiry: expiry, parent: record.parent)
        }
    }

    /// OCPP 1.6 has no "unknown": an unknown idTag is Invalid.
    var idTagInfo16: V16.AuthorizeResponse.IdTagInfo {
        let status: V16.AuthorizeResponse.IdTagInfo.Status
        switch outcome {
        case .accepted: status = .accepted
        case .blocked: status = .blocked
        case .expired: status = .expired
        case .invalid, .unknown, .notAtThisLocation: status = .invalid
        case .concurrentTx: status = .concurrentTx
        }
        return V16.AuthorizeResponse.IdTagInfo(expiryDate: expiry, parentIdTag: parent, status: status)
    }

    var idTokenInfo201: V201.IdTokenInfoType {
        let status: V201.AuthorizationStatusEnumType
        switch outcome {
        case .accepted: status = .accepted
        case .blocked: status = .blocked
        case .expired: status = .expired
        case .invalid: status = .invalid
        case .unknown: status = .unknown
        case .notAtThisLocation: status = .notAtThisLocation
        case .concurrentTx: status = .concurrentTx
        }
        return V201.IdTokenInfoType(status: status, cacheExpiryDateTime: expiry,
                                    groupIdToken: parent.map { V201.IdTokenType(idToken: $0, type: .central) })
    }
}
