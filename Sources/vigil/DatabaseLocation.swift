import Foundation
import Store

/// What `--db` (`VIGIL_DB`, the config file's `db:`) may name: a SQLite file path, the same as
/// a `sqlite:` URL (`sqlite:///var/lib/vigil/vigil.sqlite`, `sqlite:relative.sqlite`), or a
/// PostgreSQL database as a `postgres://` or `postgresql://` URL (libpq's form, checked by
/// libpq's parser). Any other URL is refused with the reason — a `mysql://…` URL must not
/// silently become a SQLite file in a folder named `mysql:`. A URL is never echoed whole in a
/// message: it may carry a password (`StoreLocation.description` shows it without).
enum DatabaseLocation {
    /// The database `text` names, or the reason it cannot be used.
    static func parse(_ text: String) -> Result<StoreLocation, CommandFailure> {
        guard let colon = text.firstIndex(of: ":"), isScheme(text[..<colon]) else {
            return text.isEmpty ? .failure(CommandFailure(description: "--db is empty: give a SQLite file path or a postgres:// URL"))
                                : .success(.sqlite(path: text))
        }
        let scheme = text[..<colon].lowercased(), rest = text[text.index(after: colon)...]
        switch scheme {
        case "sqlite", "file":
            let path = rest.hasPrefix("//") ? String(rest.dropFirst(2)) : String(rest)
            guard !path.isEmpty, !path.contains("?") else {
                return .failure(CommandFailure(description: "\(text.debugDescription): a \(scheme): URL names a file, e.g. \(scheme):///var/lib/vigil/vigil.sqlite (no query)"))
            }
            return .success(.sqlite(path: path))
        case "postgres", "postgresql":
            do { return .success(.postgres(try PostgresLocation(url: text))) } catch {
                return .failure(CommandFailure(description: "--db: \(error.message)"))
            }
        default:
            // The URL itself is not repeated: it may carry a password.
            return .failure(CommandFailure(description: "unknown database URL scheme \(scheme.debugDescription): "
                                           + "give a SQLite file path (./var/vigil.sqlite), a sqlite: URL or a postgres:// URL"))
        }
    }

    /// A URL scheme as RFC 3986 spells it (a letter, then letters, digits, + - .), at least two
    /// characters so a Windows-style drive letter or a plain relative name is not one.
    static func isScheme(_ text: Substring) -> Bool {
        guard text.count >= 2, let first = text.first, first.isASCII, first.isLetter else { return false }
        return text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "+-.".contains($0)) }
    }
}

extension StoreLocation {
    /// Whether a Vigil database is there: the SQLite file exists with Vigil's schema, or the PostgreSQL database
    /// (reached within its connect timeout) has Vigil's schema. A server that cannot be
    /// reached throws its one-line reason.
    func exists() throws -> Bool {
        switch self {
        case .sqlite(let path):
            guard FileManager.default.fileExists(atPath: path) else { return false }
            // Vigil's schema version and its registry table: another program may set user_version too.
            let database = try SQLiteDatabase(path: path, readOnly: true)
            guard try database.schemaVersion() > 0 else { return false }
            return try !database.rows("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'stations'").isEmpty
        case .postgres(let location): return try PostgresDatabase(location: location, readOnly: true).schemaVersion() > 0
        }
    }

    /// The folder beside which `audit.key` is looked for by default: the SQLite file's, or
    /// `./var` for PostgreSQL (the key must not live in the database it signs).
    var auditKeyDirectory: String {
        switch self {
        case .sqlite(let path): return (path as NSString).deletingLastPathComponent
        case .postgres: return "./var"
        }
    }
}
