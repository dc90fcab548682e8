import Foundation
import Transport

/// The CLI's requests to a running `vigil serve` API: JSON bodies (`Content-Type:
/// application/json` on every POST, PUT, PATCH and DELETE, which the API requires), and the bearer token from
/// `VIGIL_API_TOKEN` when the API has users (`vigil users add`). The token is read from the
/// environment, not a flag, so it never shows in process listings. Sent with Transport's
/// `PlainHTTPExchange`, whose waits are poll(2)s: URLSession spun a core while serve waited
/// for a charger's answer.
enum APIClientRequest {
    static var token: String? {
        ProcessInfo.processInfo.environment["VIGIL_API_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// No connection to serve's HTTP address at all (`main` words it as such).
    struct Unreachable: Error {
        var url: URL
        var reason: String
    }

    /// Sends the request and returns the answer's body and status.
    /// `timeout`: longer than serve's own longest wait — a command forwarded to another node
    /// may take twice the command timeout (30 s by default) and a little more.
    static func send(_ url: URL, method: String = "GET", body: [String: Any]? = nil, timeout: TimeInterval = 120) async throws
        -> (data: Data, status: Int) {
        var headers: [(String, String)] = []
        // The API refuses a POST, PUT, PATCH or DELETE without this type (415): it is what keeps
        // a web page from sending commands cross-site. Sent even without a body.
        if body != nil || !["GET", "HEAD"].contains(method) { headers.append(("Content-Type", "application/json")) }
        if let token { headers.append(("Authorization", "Bearer \(token)")) }
        let bytes = try body.map { Array(try JSONSerialization.data(withJSONObject: $0)) } ?? []
        do {
            let answer = try await PlainHTTPExchange.perform(method: method, url: url, headers: headers, body: bytes,
                                                             timeout: .milliseconds(Int64(timeout * 1_000)))
            return (Data(answer.body), answer.status)
        } catch let failure as PlainHTTPExchange.Failure where failure.unreachable {
            throw Unreachable(url: url, reason: failure.description)
        }
    }
}
