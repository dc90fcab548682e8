import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The CLI's requests to a running `vigil serve` API: JSON bodies (`Content-Type:
/// application/json` on every POST, PUT, PATCH and DELETE, which the API requires), and the bearer token from
/// `VIGIL_API_TOKEN` when the API has users (`vigil users add`). The token is read from the
/// environment, not a flag, so it never shows in process listings.
enum APIClientRequest {
    static var token: String? {
        ProcessInfo.processInfo.environment["VIGIL_API_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
    }

    static func make(_ url: URL, method: String = "GET", body: [String: Any]? = nil, timeout: TimeInterval = 60) throws -> URLRequest {
        var request = URLRequest(url: url, timeoutInterval: timeout)
        request.httpMethod = method
        // The API refuses a POST, PUT, PATCH or DELETE without this type (415): it is what keeps
        // a web page from sending commands cross-site. Sent even without a body.
        if body != nil || !["GET", "HEAD"].contains(method) {
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        if let body { request.httpBody = try JSONSerialization.data(withJSONObject: body) }
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        return request
    }
}
