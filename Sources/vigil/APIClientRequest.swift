import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The CLI's requests to a running `vigil serve` API: JSON bodies, and the bearer token from
/// `VIGIL_API_TOKEN` when the API has users (`vigil users add`). The token is read from the
/// environment, not a flag, so it never shows in process listings.
enum APIClientRequest {
    static var token: String? {
        ProcessInfo.processInfo.environment["VIGIL_API_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
    }

    static func make(_ url: URL, method: String = "GET", body: [String: Any]? = nil, timeout: TimeInterval = 60) throws -> URLRequest {
        var request = URLRequest(url: url, timeoutInterval: timeout)
        request.httpMethod = method
        if let body {
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.httpBody = try JSONSerialization.data(withJSONObject: body)
        }
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        return request
    }
}
