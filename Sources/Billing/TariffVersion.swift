import Digests
import Foundation

/// A tariff as it stood from `validFrom` on: its number (1, 2, … per tariff id), the canonical
/// JSON of its definition and the SHA-256 of that JSON. `vigil serve` stores a new version
/// whenever the config file's tariff hashes differently from the latest stored one; a session
/// is priced with the version in force when it started. A withdrawn version (the tariff left
/// the config file) has no definition.
public struct TariffVersion: Sendable, Equatable {
    public var tariffId: String
    public var version: Int
    public var hash: String
    public var canonicalJSON: String
    /// Milliseconds since the epoch.
    public var validFrom: Int
    /// Nil when the tariff was withdrawn at `validFrom`.
    public var tariff: Tariff?

    public init(tariffId: String, version: Int, hash: String, canonicalJSON: String, validFrom: Int, tariff: Tariff?) {
        self.tariffId = tariffId
        self.version = version
        self.hash = hash
        self.canonicalJSON = canonicalJSON
        self.validFrom = validFrom
        self.tariff = tariff
    }

    /// A tariff's canonical form: its JSON with sorted keys and no whitespace, money as
    /// decimal strings, times as HH:MM.
    public static func canonicalJSON(_ tariff: Tariff) -> String {
        let encoder = JSONEncoder.canonical
        // Strings, integers and lists of them: encoding cannot fail.
        guard let data = try? encoder.encode(tariff) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }

    /// The canonical JSON of a withdrawal.
    public static func withdrawnJSON(_ id: String) -> String {
        let escaped = String(decoding: (try? JSONEncoder().encode(id)) ?? Data("\"\"".utf8), as: UTF8.self)
        return "{\"id\":\(escaped),\"withdrawn\":true}"
    }

    public static func hash(_ canonicalJSON: String) -> String { Digests.sha256Hex(Array(canonicalJSON.utf8)) }

    /// A version of `tariff` that is not stored: a draft (`vigil billing rerate`) or a test's.
    public static func draft(_ tariff: Tariff, version: Int = 0, validFrom: Int = 0) -> TariffVersion {
        let json = canonicalJSON(tariff)
        return TariffVersion(tariffId: tariff.id, version: version, hash: hash(json), canonicalJSON: json, validFrom: validFrom, tariff: tariff)
    }

    /// Reads a stored version's definition back; nil for a withdrawal.
    public static func tariff(fromCanonical json: String) throws -> Tariff? {
        struct Withdrawal: Decodable { var withdrawn: Bool? }
        if try JSONDecoder().decode(Withdrawal.self, from: Data(json.utf8)).withdrawn == true { return nil }
        return try JSONDecoder().decode(Tariff.self, from: Data(json.utf8))
    }
}
