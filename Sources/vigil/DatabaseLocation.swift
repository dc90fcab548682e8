import Foundation

/// What `--db` (`VIGIL_DB`, the config file's `db:`) may name: a SQLite file path, or the same
/// as a `sqlite:` URL (`sqlite:///var/lib/vigil/vigil.sqlite`, `sqlite:relative.sqlite`). Any
/// other URL is refused with the reason — a `postgres://…` URL once silently became a SQLite
/// file in a folder named `postgres:` — and PostgreSQL is named as not available yet. A refused
/// URL is never echoed whole: it may carry a password.
enum DatabaseLocation {
    /// The SQLite file `text` names, or the reason it cannot be used.
    static func sqlitePath(_ text: String) -> Result<String, CommandFailure> {
        guard let colon = text.firstIndex(of: ":"), isScheme(text[..<colon]) else {
            return text.isEmpty ? .failure(CommandFailure(description: "--db is empty: give a SQLite file path")) : .success(text)
        }
        let scheme = text[..<colon].lowercased(), rest = text[text.index(after: colon)...]
        switch scheme {
        case "sqlite", "file":
            let path = rest.hasPrefix("//") ? String(rest.dropFirst(2)) : String(rest)
            guard !path.isEmpty, !path.contains("?") else {
                return .failure(CommandFailure(description: "\(text.debugDescription): a \(scheme): URL names a file, e.g. \(scheme):///var/lib/vigil/vigil.sqlite (no query)"))
            }
            return .success(path)
        case "postgres", "postgresql":
            return .failure(CommandFailure(description: "\(scheme):// databases are not supported by this build of vigil yet: "
                                           + "the store is SQLite only (a file path such as ./var/vigil.sqlite)"))
        default:
            // The URL itself is not repeated: it may carry a password.
            return .failure(CommandFailure(description: "unknown database URL scheme \(scheme.debugDescription): "
                                           + "give a SQLite file path (./var/vigil.sqlite) or a sqlite: URL"))
        }
    }

    /// A URL scheme as RFC 3986 spells it (a letter, then letters, digits, + - .), at least two
    /// characters so a Windows-style drive letter or a plain relative name is not one.
    static func isScheme(_ text: Substring) -> Bool {
        guard text.count >= 2, let first = text.first, first.isASCII, first.isLetter else { return false }
        return text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "+-.".contains($0)) }
    }
}
