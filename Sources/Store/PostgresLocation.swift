import CLibPQ

/// Where a PostgreSQL database is: a `postgres://` or `postgresql://` URL as libpq reads it
/// (`postgres://vigil:secret@db.example.net:5432/vigil?sslmode=verify-full`), kept whole for
/// connecting and shown only without its password (`redacted`). Vigil adds bounds on every
/// network wait unless the URL sets its own: `connect_timeout` 10 s, TCP keepalives and a
/// `tcp_user_timeout` of 30 s (a vanished server fails a statement instead of hanging it), and
/// `application_name` vigil.
public struct PostgresLocation: Sendable, Equatable {
    /// The URL as given, password included: for libpq only, never for a message or a log.
    let url: String

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
        var message: UnsafeMutablePointer<CChar>?
        // libpq spells the scheme in lower case only.
        let normalised = url.hasPrefix("postgres") ? url : url.prefix(while: { $0 != ":" }).lowercased() + url.drop(while: { $0 != ":" })
        guard let options = PQconninfoParse(normalised, &message) else {
            let reason = message.map { String(cString: $0) } ?? "out of memory"
            PQfreemem(message)
            throw PostgresError(kind: .connection, message: "invalid PostgreSQL URL: " + Self.scrub(reason, password: Self.password(in: url)))
        }
        PQconninfoFree(options)
        self.url = normalised
    }

    /// The URL without its password (user info and a `password=` parameter): for messages.
    public var redacted: String { Self.redact(url) }

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

    static func redact(_ url: String) -> String {
        guard let schemeEnd = url[...].range(ofSubstring: "://") else { return "postgres://…" }
        let scheme = url[..<schemeEnd.upperBound]
        var rest = url[schemeEnd.upperBound...]
        var query = ""
        if let mark = rest.firstIndex(of: "?") {
            let parameters = rest[rest.index(after: mark)...].split(separator: "&", omittingEmptySubsequences: false).map { part -> String in
                let name = part.prefix(while: { $0 != "=" })
                return name.lowercased() == "password" ? "\(name)=***" : String(part)
            }
            query = "?" + parameters.joined(separator: "&")
            rest = rest[..<mark]
        }
        let authorityEnd = rest.firstIndex(of: "/") ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        guard let at = authority.lastIndex(of: "@") else { return String(scheme) + rest + query }
        let userInfo = authority[..<at]
        let user = userInfo.prefix(while: { $0 != ":" })
        let shownUser = user.count < userInfo.count ? user + ":***" : Substring(user)
        return String(scheme) + shownUser + authority[at...] + rest[authorityEnd...] + query
    }

    /// The password in `url`'s user info or `password=` parameter, percent-decoded, if any.
    static func password(in url: String) -> String? {
        guard let schemeEnd = url[...].range(ofSubstring: "://") else { return nil }
        let rest = url[schemeEnd.upperBound...]
        if let mark = rest.firstIndex(of: "?") {
            for part in rest[rest.index(after: mark)...].split(separator: "&") where part.lowercased().hasPrefix("password=") {
                return String(part.dropFirst("password=".count)).removingPercentEncodingIfPossible
            }
        }
        let authority = rest.prefix(while: { $0 != "/" && $0 != "?" })
        guard let at = authority.lastIndex(of: "@") else { return nil }
        let userInfo = authority[..<at]
        guard let colon = userInfo.firstIndex(of: ":") else { return nil }
        return String(userInfo[userInfo.index(after: colon)...]).removingPercentEncodingIfPossible
    }

    /// `text` with every occurrence of `password` (and its percent-encoded spelling) replaced.
    static func scrub(_ text: String, password: String?) -> String {
        var result = text.split(whereSeparator: \.isNewline).map(\.trimmingWhitespace).joined(separator: "; ")
        guard let password, !password.isEmpty else { return result }
        for spelling in Set([password, password.addingPercentEncodingForURL]) where !spelling.isEmpty {
            result = result.replacingAll(spelling, with: "***")
        }
        return result
    }
}

extension String {
    /// Percent-decoded, or as it is when the encoding is broken.
    var removingPercentEncodingIfPossible: String {
        var bytes: [UInt8] = []
        var iterator = Array(utf8)[...]
        while let byte = iterator.popFirst() {
            if byte == UInt8(ascii: "%"), iterator.count >= 2,
               let value = UInt8(String(decoding: iterator.prefix(2), as: UTF8.self), radix: 16) {
                bytes.append(value)
                iterator = iterator.dropFirst(2)
            } else {
                bytes.append(byte)
            }
        }
        return String(validating: bytes, as: UTF8.self) ?? self
    }

    /// Every byte outside the unreserved set percent-encoded.
    var addingPercentEncodingForURL: String {
        var result = ""
        for byte in utf8 {
            if (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || "-._~".utf8.contains(byte) {
                result.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                let hex = String(byte, radix: 16, uppercase: true)
                result += "%" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        return result
    }

    /// Every occurrence of `target` replaced (Store does not import Foundation).
    func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var result = ""
        var rest = self[...]
        while let range = rest.range(ofSubstring: target) {
            result += rest[..<range.lowerBound] + replacement
            rest = rest[range.upperBound...]
        }
        return result + rest
    }
}

extension Substring {
    /// The first range of `target`, by characters (Store does not import Foundation).
    func range(ofSubstring target: String) -> Range<Index>? {
        guard let first = target.first else { return nil }
        var index = startIndex
        while let candidate = self[index...].firstIndex(of: first) {
            if self[candidate...].hasPrefix(target) {
                return candidate..<self.index(candidate, offsetBy: target.count)
            }
            index = self.index(after: candidate)
        }
        return nil
    }
}
