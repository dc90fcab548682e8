import Audit
import Digests
import Foundation

/// The recordable form of a webhook URL or key: what the outbox, the audit trail, the log and
/// `vigil alerts` show instead of the secret itself. Webhook URLs often are their own secret
/// (Slack's `https://hooks.slack.com/services/T…/B…/<secret>`), and a PagerDuty routing key lets
/// anyone page the on-call.
public enum Redacted {
    /// Scheme, host, port and the first path segment; the rest of the path, the query, the
    /// fragment and any user info become `…` (`https://hooks.slack.com/services/…`).
    public static func url(_ url: URL) -> String {
        guard let components = URLComponents(url: url, resolvingAgainstBaseURL: false), let scheme = components.scheme,
              let host = components.host else { return "…" }
        var text = "\(scheme)://\(host)\(components.port.map { ":\($0)" } ?? "")"
        let segments = components.path.split(separator: "/", omittingEmptySubsequences: true)
        if let first = segments.first { text += "/" + first }
        let hidden = segments.count > 1 || components.query != nil || components.fragment != nil || components.user != nil
            || components.password != nil
        if hidden { text += "/…" }
        return text
    }

    /// The first four characters and `…` (`R0UT…`); only `…` for a key of eight characters or fewer.
    public static func key(_ key: String) -> String {
        key.count > 8 ? String(key.prefix(4)) + "…" : "…"
    }

    /// A short fingerprint of a secret (8 hex digits of its SHA-256): tells two endpoints apart
    /// whose masked forms are the same, and gives away nothing of the secret.
    public static func fingerprint(_ secret: String) -> String {
        String(Digests.sha256Hex(Array(secret.utf8)).prefix(8))
    }
}
