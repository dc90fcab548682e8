import Audit
import Digests
import Foundation
import Store

/// HTTP Basic credentials of charging stations (OCPP security profiles 1 and 2: the username is
/// the station id, the password its AuthorizationKey / BasicAuthPassword). Only a digest is
/// stored: PBKDF2-HMAC-SHA256 with a fresh 16-byte salt per password and `iterations` rounds,
/// written `pbkdf2-sha256$<iterations>$<salt hex>$<hash hex>`, so a stolen database costs an
/// attacker `iterations` HMACs per guess. Digests of earlier versions (`hmac-sha256$<salt>$<hex>`,
/// one salted HMAC) still verify, and the endpoint replaces them with the current form at the
/// station's next successful login (`upgradedDigest`).
///
/// Cost: one check is one PBKDF2 (about 0.1 s of CPU at 210,000 rounds in a release build on one
/// core of the reference machine; see docs/security.md), paid at every WebSocket upgrade of a
/// station that has a password, off the store's actor. A reconnect storm of N such stations costs N
/// checks spread over the cooperative pool's threads.
public enum StationCredentials {
    /// The outcome of checking an upgrade request's credentials.
    public enum Check: Sendable, Equatable {
        case allowed
        /// Refused, with the reason (sent as the 401's body, and logged).
        case refused(String)
    }

    /// Whether stations without a password may connect.
    public enum Policy: String, Sendable {
        /// Stations with a password must give it; those without one connect freely.
        case optional
        /// Every station must give its password (or a client certificate, profile 3).
        case required
    }

    public static let minimumLength = 16

    /// OpenSSL's generator could not produce random bytes.
    public struct RandomnessUnavailable: Error, CustomStringConvertible {
        public var description: String { "OpenSSL could not generate random bytes" }
    }

    /// `count` random bytes from OpenSSL's generator, as hex (passwords, API tokens).
    public static func randomHex(bytes count: Int) throws -> String {
        guard let bytes = Digests.randomBytes(count) else { throw RandomnessUnavailable() }
        return Digests.hex(bytes)
    }

    /// A new random password: 20 random bytes as 40 hex characters.
    public static func generate() throws -> String { try randomHex(bytes: 20) }

    /// PBKDF2 rounds of new digests (OWASP's floor for PBKDF2-HMAC-SHA512, above NIST SP 800-132's
    /// 1,000 minimum). Stored digests carry their own count, so raising it later only makes new
    /// and upgraded digests slower.
    public static let iterations = 210_000

    /// Rounds accepted when verifying: a digest claiming more is refused (a corrupt or hostile row
    /// must not make every upgrade request burn minutes of CPU).
    static let maximumIterations = 10_000_000

    /// `pbkdf2-sha256$<iterations>$<salt hex>$<hash hex>` for `password`, with a fresh 16-byte salt.
    public static func digest(_ password: String) throws -> String {
        guard let salt = Digests.randomBytes(16) else { throw RandomnessUnavailable() }
        return digest(password, salt: salt, iterations: iterations)
    }

    static func digest(_ password: String, salt: [UInt8], iterations: Int) -> String {
        let hash = Digests.pbkdf2SHA256(password: Array(password.utf8), salt: salt, iterations: iterations) ?? []
        return "pbkdf2-sha256$\(iterations)$" + Digests.hex(salt) + "$" + Digests.hex(hash)
    }

    /// The digest of earlier versions: one HMAC-SHA256 keyed by the salt. Verified, never written.
    static func legacyDigest(_ password: String, salt: [UInt8]) -> String {
        "hmac-sha256$" + Digests.hex(salt) + "$" + Digests.hmacSHA256Hex(key: salt, message: Array(password.utf8))
    }

    /// Whether `password` matches a stored digest, of either form (compared in constant time).
    public static func verify(_ password: String, against stored: String) -> Bool {
        let parts = stored.split(separator: "$", omittingEmptySubsequences: false).map(String.init)
        let actual: String
        switch (parts.first, parts.count) {
        case ("pbkdf2-sha256", 4):
            guard let rounds = Int(parts[1]), rounds > 0, rounds <= maximumIterations, let salt = Digests.bytes(hex: parts[2]) else { return false }
            actual = digest(password, salt: salt, iterations: rounds)
        case ("hmac-sha256", 3):
            guard let salt = Digests.bytes(hex: parts[1]) else { return false }
            actual = legacyDigest(password, salt: salt)
        default:
            return false
        }
        let expected = Array(stored.utf8), computed = Array(actual.utf8)
        guard expected.count == computed.count else { return false }
        return zip(expected, computed).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }

    /// A digest no password has (its hash is all zeros) at the current round count: what a
    /// refusal that needs no key derivation is checked against, to take as long as one that does.
    static let equalizingDigest = "pbkdf2-sha256$\(iterations)$" + String(repeating: "5a", count: 16) + "$" + String(repeating: "00", count: 32)

    /// Whether a stored digest has the current form and round count (nothing to upgrade).
    public static func isCurrent(_ stored: String) -> Bool { stored.hasPrefix("pbkdf2-sha256$\(iterations)$") }

    /// After a successful Basic login against `stored`: the current-form digest of the password
    /// just given when `stored` is of an earlier form (write it back), else nil.
    public static func upgradedDigest(authorization: String?, stored: String) throws -> String? {
        guard !isCurrent(stored), let (_, password) = basicCredentials(authorization), verify(password, against: stored) else { return nil }
        return try digest(password)
    }

    /// The user and password of an HTTP Basic `Authorization` header.
    static func basicCredentials(_ header: String?) -> (user: String, password: String)? {
        guard let header, header.lowercased().hasPrefix("basic "),
              let decoded = Data(base64Encoded: String(header.dropFirst(6)).trimmingCharacters(in: .whitespaces)),
              let text = String(data: decoded, encoding: .utf8), let colon = text.firstIndex(of: ":") else { return nil }
        return (String(text[..<colon]), String(text[text.index(after: colon)...]))
    }

    /// Checks a station's upgrade request: a client certificate (profile 3) must name the
    /// station as its one common name, character for character (`clientCertificateCommonNames`,
    /// read by OpenSSL as text); otherwise the `Authorization` header must match the stored
    /// digest, when there is one or the policy requires one.
    public static func check(station: String, authorization: String?, stored: String?, clientCertificateSubject: String?,
                             clientCertificateCommonNames: [String]? = nil, policy: Policy) -> Check {
        if clientCertificateSubject != nil || clientCertificateCommonNames != nil {
            let names = clientCertificateCommonNames ?? []
            // Byte for byte, as station ids are compared everywhere: String equality would take
            // a canonically equivalent name (KELVIN SIGN for K) for the station.
            guard names.count == 1, Array(names[0].utf8) == Array(station.utf8) else {
                let named = names.isEmpty ? "no common name" : names.map { "CN=\($0.debugDescription)" }.joined(separator: " and ")
                return .refused("the client certificate names \(named), not station \(station)\(names.count > 1 ? " alone" : "")")
            }
            return .allowed
        }
        guard let stored else {
            if policy == .optional { return .allowed }
            return .refused("station \(station) has no password set (vigil stations password \(station)); this server requires one")
        }
        guard let (user, password) = basicCredentials(authorization) else {
            return .refused("station \(station) must authenticate with HTTP Basic (username: its id, password: its key)")
        }
        guard user == station else { return .refused("the Basic username must be the station id \(station), got \(user.debugDescription)") }
        guard verify(password, against: stored) else { return .refused("wrong password for station \(station)") }
        return .allowed
    }

    /// What `authenticate` found: the check, and whether the stored digest was upgraded (or why not).
    public struct Authentication: Sendable, Equatable {
        public var check: Check
        public var upgraded = false
        public var upgradeFailure: String?
        /// The station has a password: an allowed check then proved it (Basic credentials).
        public var hasPassword = false
    }

    /// Reads the station's digest, checks the upgrade request against it (`check`), and after a
    /// good Basic login against an earlier-form digest stores its PBKDF2 form. The key derivation
    /// runs on the caller's task, not on the store's actor — `@concurrent`, so it stays off
    /// whatever executor the caller is on (this module runs nonisolated async functions on their
    /// caller's executor otherwise). Throws when the digest cannot be read; a failed upgrade
    /// does not refuse the station (it is reported in `upgradeFailure`).
    ///
    /// A refusal of Basic credentials that needed no key derivation (the station has no
    /// password, the username is not the station's) runs one anyway when `equalize` allows
    /// (`LoginThrottle.mayEqualize`), so that it takes as long as a wrong password's: the time
    /// of the answer does not tell which stations have a password.
    @concurrent public static func authenticate(station: String, authorization: String?, clientCertificateSubject: String?,
                                                clientCertificateCommonNames: [String]? = nil, policy: Policy,
                                                equalize: @Sendable () -> Bool = { false },
                                                store: StationStore) async throws -> Authentication {
        let stored = try await store.stationPasswordDigest(id: station)
        var result = Authentication(check: check(station: station, authorization: authorization, stored: stored,
                                                 clientCertificateSubject: clientCertificateSubject,
                                                 clientCertificateCommonNames: clientCertificateCommonNames, policy: policy))
        result.hasPassword = stored != nil
        if case .refused = result.check, clientCertificateSubject == nil, clientCertificateCommonNames == nil,
           let (user, password) = basicCredentials(authorization), stored == nil || user != station, equalize() {
            _ = verify(password, against: equalizingDigest)
        }
        guard result.check == .allowed, clientCertificateSubject == nil, let stored else { return result }
        do {
            if let upgraded = try upgradedDigest(authorization: authorization, stored: stored) {
                result.upgraded = try await store.upgradeStationPassword(id: station, from: stored, to: upgraded)
            }
        } catch {
            result.upgradeFailure = "\(error)"
        }
        return result
    }
}

extension StationStore {
    /// Sets a station's password (stored as a digest), or clears it with nil. False when the
    /// station is not registered.
    public func setStationPassword(id: String, _ password: String?) throws -> Bool {
        guard try registration(of: id) != nil else { return false }
        try database.run("UPDATE stations SET auth_digest = ? WHERE id = ?", try password.map { try StationCredentials.digest($0) }, id)
        return true
    }

    /// Replaces a station's digest by its upgraded form, only if it is still `old` (a password
    /// changed meanwhile wins). True when the row was updated.
    public func upgradeStationPassword(id: String, from old: String, to new: String) throws -> Bool {
        guard try stationPasswordDigest(id: id) == old else { return false }
        try database.run("UPDATE stations SET auth_digest = ? WHERE id = ? AND auth_digest = ?", new, id, old)
        return true
    }

    /// The stored password digest of a station, nil when it has none (or is unknown).
    public func stationPasswordDigest(id: String) throws -> String? {
        try database.rows("SELECT auth_digest FROM stations WHERE id = ?", id).first?.first?.text
    }

    /// What a connecting station's session needs from the registry, in one read: its
    /// registration (nil when unknown) and whether it has a password.
    public func connectingStation(id: String) throws -> (registration: String?, hasPassword: Bool, securityProfile: Int?) {
        guard let row = try database.rows("SELECT registration, auth_digest, security_profile FROM stations WHERE id = ?", id).first else {
            return (nil, false, nil)
        }
        return (row[0].text, row[1].text != nil, row[2].int)
    }
}
