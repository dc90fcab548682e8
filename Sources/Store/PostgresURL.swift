/// The lexical rules Vigil applies to a `postgres://` URL beside libpq's parser: the scheme's
/// case, user info that libpq and a URL reader would split differently, and where a password
/// may be written (so that every spelling of it can be removed from messages).
///
/// libpq reads the user info up to the first `@` (unless a `/` comes first) and splits it at the
/// first `:`; a URL reader (RFC 3986) ends the authority at the first `/`, `?` or `#` and splits
/// the user info at the last `@`. They agree only when the user info percent-encodes `?`, `#`,
/// `/` and `@`, and Vigil refuses a URL where they would not.
enum PostgresURL {
    /// `url` with its scheme (before the first `:`) in lower case.
    static func lowercasingScheme(_ url: String) -> String {
        guard let colon = url.firstIndex(of: ":") else { return url }
        return url[..<colon].lowercased() + url[colon...]
    }

    /// The text after `scheme://`.
    static func afterScheme(_ url: String) -> Substring {
        guard let schemeEnd = url[...].range(ofSubstring: "://") else { return url[...] }
        return url[schemeEnd.upperBound...]
    }

    /// The user info as libpq reads it: up to the first `@`, when no `/` comes before it.
    static func libpqUserInfo(_ rest: Substring) -> Substring? {
        guard let at = rest.firstIndex(of: "@") else { return nil }
        if let slash = rest.firstIndex(of: "/"), slash < at { return nil }
        return rest[..<at]
    }

    /// The authority as a URL reader reads it: up to the first `/`, `?` or `#`.
    static func authority(_ rest: Substring) -> Substring {
        rest.prefix(while: { $0 != "/" && $0 != "?" && $0 != "#" })
    }

    /// Why the URL's user info, hosts or ports cannot be read one way only; nil when they can.
    /// The reason never quotes the URL.
    static func userInfoProblem(_ url: String) -> String? {
        let rest = afterScheme(url)
        let advice = "percent-encode any ? # / or @ in the user name and password (%3F %23 %2F %40)"
        if let userInfo = libpqUserInfo(rest), userInfo.contains(where: { $0 == "?" || $0 == "#" }) {
            return "the user info contains an unencoded '?' or '#': " + advice
        }
        let authority = authority(rest)
        if authority.filter({ $0 == "@" }).count > 1 {
            return "the user info contains an unencoded '@': " + advice
        }
        // A `/` in the password ends the authority early: the rest of the password and an `@`
        // then land in the database name.
        let path = rest[authority.endIndex...].prefix(while: { $0 != "?" && $0 != "#" })
        if path.contains("@") {
            return "an '@' after the host (an unencoded '/' in the user info, or in the database name): " + advice
        }
        let hosts = authority.lastIndex(of: "@").map { authority[authority.index(after: $0)...] } ?? authority
        for host in hosts.split(separator: ",", omittingEmptySubsequences: false) {
            let port: Substring?
            if host.hasPrefix("[") {
                guard let close = host.firstIndex(of: "]") else { return "an IPv6 host without its closing ']'" }
                let after = host[host.index(after: close)...]
                port = after.isEmpty ? nil : (after.hasPrefix(":") ? after.dropFirst() : after)
            } else {
                port = host.lastIndex(of: ":").map { host[host.index(after: $0)...] }
            }
            if let port, !port.allSatisfy(\.isASCIINumber) {
                return "a port that is not a number (an unencoded '/' in the password?): " + advice
            }
        }
        return nil
    }

    /// Every spelling of the passwords `url` may hold, read both ways (libpq's and a URL
    /// reader's user info) and from `password=` and `sslpassword=` parameters, whatever the case
    /// or percent-encoding of their names.
    static func secretSpellings(in url: String) -> [String] {
        let rest = afterScheme(url)
        var raw: [Substring] = []
        for userInfo in [libpqUserInfo(rest), authority(rest).lastIndex(of: "@").map { authority(rest)[..<$0] }] {
            guard let userInfo, let colon = userInfo.firstIndex(of: ":") else { continue }
            raw.append(userInfo[userInfo.index(after: colon)...])
        }
        if let mark = rest.firstIndex(of: "?") {
            for part in rest[rest.index(after: mark)...].split(whereSeparator: { $0 == "&" || $0 == "?" }) {
                let name = String(part.prefix(while: { $0 != "=" })).removingPercentEncodingIfPossible.lowercased()
                guard name == "password" || name == "sslpassword", let equals = part.firstIndex(of: "=") else { continue }
                raw.append(part[part.index(after: equals)...])
            }
        }
        return raw.flatMap { [String($0)] + spellings(of: String($0).removingPercentEncodingIfPossible) }
    }

    /// `secret` as written, percent-encoded (upper- and lower-case hex).
    static func spellings(of secret: String) -> [String] {
        let encoded = secret.addingPercentEncodingForURL
        return [secret, encoded, encoded.lowercasingPercentHex]
    }
}

extension Character {
    var isASCIINumber: Bool { isASCII && isNumber }
}
