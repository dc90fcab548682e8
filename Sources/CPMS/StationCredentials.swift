import Audit
import Foundation
import Store

/// HTTP Basic credentials of charging stations (OCPP security profiles 1 and 2: the username is
/// the station id, the password its AuthorizationKey / BasicAuthPassword). Only a salted
/// HMAC-SHA256 digest is stored. Such keys are long random strings (Vigil generates 40 hex
/// characters; at least 16 characters are required), so a fast digest is enough, and it keeps
/// a reconnect storm of thousands of chargers cheap.
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
        guard let bytes = AuditChain.newKey(bytes: count) else { throw RandomnessUnavailable() }
        return AuditChain.hex(bytes)
    }

    /// A new random password: 20 random bytes as 40 hex characters.
    public static func generate() throws -> String { try randomHex(bytes: 20) }

    /// `hmac-sha256$<salt hex>$<digest hex>` for `password`, with a fresh 16-byte salt.
    public static func digest(_ password: String) throws -> String {
        guard let salt = AuditChain.newKey(bytes: 16) else { throw RandomnessUnavailable() }
        return digest(password, salt: salt)
    }

    static func digest(_ password: String, salt: [UInt8]) -> String {
        "hmac-sha256$" + AuditChain.hex(salt) + "$" + AuditChain.hmacSHA256Hex(key: salt, message: Array(password.utf8))
    }

    /// Whether `password` matches a stored digest (compared in constant time).
    public static func verify(_ password: String, against stored: String) -> Bool {
        let parts = stored.split(separator: "$").map(String.init)
        guard parts.count == 3, parts[0] == "hmac-sha256", let salt = bytes(hex: parts[1]) else { return false }
        let expected = Array(stored.utf8)
        let actual = Array(digest(password, salt: salt).utf8)
        guard expected.count == actual.count else { return false }
        return zip(expected, actual).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }

    /// Checks a station's upgrade request: a client certificate (profile 3) must name the
    /// station as its common name; otherwise the `Authorization` header must match the stored
    /// digest, when there is one or the policy requires one.
    public static func check(station: String, authorization: String?, stored: String?, clientCertificateSubject: String?,
                             policy: Policy) -> Check {
        if let subject = clientCertificateSubject {
            let name = commonName(subject)
            guard name == station else {
                return .refused("the client certificate names \(name.map { "CN=\($0)" } ?? "no common name"), not station \(station)")
            }
            return .allowed
        }
        guard let stored else {
            if policy == .optional { return .allowed }
            return .refused("station \(station) has no password set (vigil stations password \(station)); this server requires one")
        }
        guard let header = authorization, header.lowercased().hasPrefix("basic "),
              let decoded = Data(base64Encoded: String(header.dropFirst(6)).trimmingCharacters(in: .whitespaces)),
              let text = String(data: decoded, encoding: .utf8), let colon = text.firstIndex(of: ":") else {
            return .refused("station \(station) must authenticate with HTTP Basic (username: its id, password: its key)")
        }
        let user = String(text[..<colon])
        let password = String(text[text.index(after: colon)...])
        guard user == station else { return .refused("the Basic username must be the station id \(station), got \(user.debugDescription)") }
        guard verify(password, against: stored) else { return .refused("wrong password for station \(station)") }
        return .allowed
    }

    /// The CN of an RFC 2253 subject (`CN=CP-1,O=Acme`), unescaping `\,`.
    static func commonName(_ subject: String) -> String? {
        var parts: [String] = []
        var current = ""
        var escaped = false
        for character in subject {
            if escaped { current.append(character); escaped = false; continue }
            if character == "\\" { escaped = true; continue }
            if character == "," { parts.append(current); current = ""; continue }
            current.append(character)
        }
        parts.append(current)
        return parts.lazy.map { $0.trimmingCharacters(in: .whitespaces) }
            .first { $0.uppercased().hasPrefix("CN=") }.map { String($0.dropFirst(3)) }
    }

    static func bytes(hex: String) -> [UInt8]? {
        guard hex.count % 2 == 0 else { return nil }
        var result: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            guard let byte = UInt8(hex[index..<next], radix: 16) else { return nil }
            result.append(byte)
            index = next
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

    /// The stored password digest of a station, nil when it has none (or is unknown).
    public func stationPasswordDigest(id: String) throws -> String? {
        try database.rows("SELECT auth_digest FROM stations WHERE id = ?", id).first?.first?.text
    }
}
