@testable import API
import CPMS
import Foundation
import Remediation
import RuleEngine
import ServiceLog
import Testing
import Transport

/// `/api/v1/openapi.json` describes exactly the routes the API registers — every one, and none
/// that does not exist — each with its access, its path parameters and its error answers.
@Suite struct OpenAPIDocumentTests {
    /// Every documented operation, called with a token of each access: refused (403
    /// insufficient_access) exactly when the access does not allow what the document says the
    /// route needs — so the document's `x-vigil-access` is the access the code enforces.
    @Test func eachRouteNeedsTheAccessTheDocumentSays() async throws {
        let api = try await InProcessAPI()
        defer { api.remove() }
        let (router, store) = (api.router, api.store)
        let users = APIUserStore(host: store)
        for access in APIAccess.allCases {
            try await users.saveAPIUser(name: access.rawValue, access: access, approves: [], token: "token-\(access.rawValue)",
                                        now: "2026-12-05T08:00:00.000Z")
        }
        for operation in OpenAPIDocument.operations {
            let target = operation.path.replacingOccurrences(of: "{id}", with: "CP-1")
            guard case .handler(let handler, let parameters) = router.resolve(method: operation.method, rawPath: target) else {
                Issue.record("\(operation.method) \(operation.path) does not resolve")
                continue
            }
            for access in APIAccess.allCases {
                var headers = HTTPHeaders()
                headers.add("Authorization", "Bearer token-\(access.rawValue)")
                headers.add("Content-Type", "application/json")
                var request = HTTPRequest(method: operation.method, target: target, headers: headers, body: Array("{}".utf8))
                request.pathParameters = parameters
                let response = await handler(request)
                let refused = response.status.code == 403
                let needed = APIAccess(rawValue: operation.access)
                #expect(refused == (needed.map { !access.allows($0) } ?? false),
                        "\(operation.method) \(operation.path) with \(access.rawValue): \(response.status.code)")
            }
        }
    }

    @Test func theDocumentCoversEveryRegisteredRouteAndNoOther() async throws {
        let api = try await InProcessAPI()
        defer { api.remove() }
        let router = api.router
        let registered = Set(router.registeredRoutes.map { "\($0.method) \($0.path)" })
        let document = try #require(try JSONSerialization.jsonObject(with: Data(OpenAPIDocument.json.utf8)) as? [String: Any])
        #expect(document["openapi"] as? String == "3.1.0")
        let paths = try #require(document["paths"] as? [String: [String: Any]])
        let described = Set(paths.flatMap { path, operations in operations.keys.map { "\($0.uppercased()) \(path)" } })
        #expect(registered.subtracting(described).isEmpty, "registered but undocumented: \(registered.subtracting(described).sorted())")
        #expect(described.subtracting(registered).isEmpty, "documented but not registered: \(described.subtracting(registered).sorted())")
        for (path, operations) in paths {
            for (_, value) in operations {
                let operation = try #require(value as? [String: Any])
                let access = operation["x-vigil-access"] as? String
                #expect((["open"] + APIAccess.allCases.map(\.rawValue)).contains(access ?? ""), "\(path)")
                let responses = try #require(operation["responses"] as? [String: Any])
                #expect(responses["500"] != nil && (access == "open" || responses["401"] != nil), "\(path)")
                let parameters = (operation["parameters"] as? [[String: Any]] ?? []).filter { $0["in"] as? String == "path" }
                #expect(parameters.map { $0["name"] as? String ?? "" }.sorted() == OpenAPIDocument.pathParameters(path).sorted(), "\(path)")
            }
        }
    }
}
