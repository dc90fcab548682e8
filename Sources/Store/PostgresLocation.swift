import CLibPQ

/// Where a PostgreSQL database is: a `postgres://` or `postgresql://` URL as libpq reads it
/// (`postgres://vigil:secret@db.example.net:5432/vigil?sslmode=verify-full`), kept whole for
/// connecting and shown only without its secrets (`redacted`, also its `description`, its
/// `debugDescription` and its mirror, so `"\(location)"` and `dump` never show a password).
/// Vigil adds bounds on every network wait unless the URL sets its own: `connect_timeout` 10 s,
/// TCP keepalives and a `tcp_user_timeout` of 30 s (a vanished server fails a statement instead
/// of hanging it), and `application_name` vigil.
///
/// The URL is checked before it is kept (`PostgresURL.userInfoProblem`): user info that libpq and
/// a URL reader would split differently (an unencoded `?`, `#`, `/` or a second `@`) is refused,
/// since the password's end would be anyone's guess — and so would what to hide.
public struct PostgresLocation: Sendable, Equatable {
    /// The URL as given (its scheme in lower case), password included: for libpq only, never
    /// for a message or a log.
    let url: String
    /// The URL without its secrets, built from libpq's parse of it.
    public let redacted: String
    /// Every spelling of every secret in the URL (as written, percent-decoded, percent-encoded),
    /// longest first: what `scrub` removes from a message.
    let secrets: [String]

    /// Whether `text` names a PostgreSQL database (its scheme, in any case).
    public static func isPostgresURL(_ text: String) -> Bool {
        let lowered = text.prefix(13).lowercased()
        return lowered.hasPrefix("postgres://") || lowered.hasPrefix("postgresql://")
    }

    /// Checks `url` with libpq's own parser. The error never repeats the URL: it may carry a
    /// password.
    public init(url: String) throws(PostgresError) {
        guard Self.isPostgresURL(url) else {
            throw PostgresError(kind: .connection, message: "not a postgres:// or postgresql:// URL")
        }
        // libpq recognises the scheme in lower case only; any other spelling it would read as a
        // key=value string, and quote whole (password included) in its error.
        let normalised = PostgresURL.lowercasingScheme(url)
        if let problem = PostgresURL.userInfoProblem(normalised) {
            throw PostgresError(kind: .connection, message: "invalid PostgreSQL URL: " + problem)
        }
        var lexical = PostgresURL.secretSpellings(in: normalised)
        var message: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse(normalised, &message) else {
            let reason = message.map { String(cString: $0) } ?? "out of memory"
            PQfreemem(message)
            throw PostgresError(kind: .connection, message: "invalid PostgreSQL URL: " + Self.scrub(reason, secrets: lexical))
        }
        defer { PQconninfoFree(options) }
        let parsed = PostgresConnectionOptions(options)
        lexical.append(contentsOf: parsed.secretValues.flatMap(PostgresURL.spellings(of:)))
        let scheme = String(normalised.prefix(while: { $0 != ":" }))
        self.url = normalised
        self.secrets = Array(Set(lexical.filter { !$0.isEmpty })).sorted { $0.count != $1.count ? $0.count > $1.count : $0 < $1 }
        self.redacted = parsed.display(scheme: scheme)
    }

    /// Settings Vigil adds before the URL's own (which override them), as libpq keywords.
    static let defaults: [(String, String)] = [
        ("connect_timeout", "10"),
        ("keepalives", "1"),
        ("keepalives_idle", "30"),
        ("keepalives_interval", "10"),
        ("keepalives_count", "3"),
        ("tcp_user_timeout", "30000"),
        ("application_name", "vigil"),
    ]

    /// `text` on one line, with every spelling of this URL's secrets replaced by `***`.
    func scrub(_ text: String) -> String { Self.scrub(text, secrets: secrets) }

    /// `text` on one line, with every one of `secrets` replaced by `***` (longest first, so a
    /// spelling that contains another goes whole).
    static func scrub(_ text: String, secrets: [String]) -> String {
        var result = text.split(whereSeparator: \.isNewline).map(\.trimmingWhitespace).joined(separator: "; ")
        for secret in secrets.sorted(by: { $0.count > $1.count }) where !secret.isEmpty {
            result = result.replacingAll(secret, with: "***")
        }
        return result
    }
}

extension PostgresLocation: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String { redacted }
    public var debugDescription: String { "PostgresLocation(\(redacted))" }
    /// Only the redacted URL: `dump` and debuggers must not reach the one with the password.
    public var customMirror: Mirror { Mirror(self, children: ["redacted": redacted], displayStyle: .struct) }
}
