@testable import API
import CPMS
import Foundation
import Remediation
import RuleEngine
import ServiceLog
import Testing

/// `/api/v1/openapi.json` describes exactly the routes the API registers — every one, and none
/// that does not exist — each with its access, its path parameters and its error answers.
@Suite struct OpenAPIDocumentTests {
    @Test func theDocumentCoversEveryRegisteredRouteAndNoOther() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-openapi-\(UUID().uuidString).sqlite").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let store = try StationStore(path: path)
        let events = EventLog(store: store)
        let runner = try await RuleRunner(ruleSet: RuleSet(rules: []), catalog: nil, store: store, events: events, log: { _, _, _ in })
        let log = Log()
        let auditor = Auditor(store: store, key: nil) { _, _, _ in }
        let router = APIRoutes.router(store: store, runner: runner, auditor: auditor,
                                      commands: CommandService(connections: ConnectionRegistry()), catalog: nil, events: events,
                                      guard: APIGuard(store: store, log: log), log: log)
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
                #expect(["open", "viewer", "operator"].contains(access ?? ""), "\(path)")
                let responses = try #require(operation["responses"] as? [String: Any])
                #expect(responses["500"] != nil && (access == "open" || responses["401"] != nil), "\(path)")
                let parameters = (operation["parameters"] as? [[String: Any]] ?? []).filter { $0["in"] as? String == "path" }
                #expect(parameters.map { $0["name"] as? String ?? "" }.sorted() == OpenAPIDocument.pathParameters(path).sorted(), "\(path)")
            }
        }
    }
}
