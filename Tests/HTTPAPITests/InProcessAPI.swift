@testable import API
import CPMS
import Foundation
import Remediation
import RuleEngine
import ServiceLog
import StoreTesting
import Transport

/// The API's router over a scratch store, called in process (no sockets): what every route
/// answers, with the rule runner the routes read (maintenance windows, rules).
struct InProcessAPI {
    let router: Router
    let store: StationStore
    let runner: RuleRunner
    let path: String

    init() async throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-api-\(UUID().uuidString).sqlite").path
        store = try StationStore(path: path)
        let events = EventLog(store: store)
        runner = try await RuleRunner(ruleSet: RuleSet(rules: []), catalog: nil, store: store, events: events, log: { _, _, _ in })
        let log = Log()
        let auditor = Auditor(store: store, key: nil) { _, _, _ in }
        router = APIRoutes.router(store: store, runner: runner, auditor: auditor,
                                  commands: CommandService(connections: ConnectionRegistry(), timeout: .seconds(1)), catalog: nil, events: events,
                                  guard: APIGuard(store: store, log: log), log: log)
    }

    /// Removes the scratch database.
    func remove() { removeSQLiteFiles(path) }

    /// One request through the router (the API is open: no API user exists).
    func call(_ target: String, method: String = "GET", headers: [(String, String)] = [], body: String = "") async -> HTTPResponse {
        let rawPath = String(target.split(separator: "?", maxSplits: 1).first ?? "")
        guard case .handler(let handler, let parameters) = router.resolve(method: method, rawPath: rawPath) else {
            return HTTPResponse(status: .notFound)
        }
        var fields = HTTPHeaders()
        for (name, value) in headers { fields.add(name, value) }
        var request = HTTPRequest(method: method, target: target, headers: fields, body: Array(body.utf8))
        request.pathParameters = parameters
        return await handler(request)
    }

    /// The body of `response` as JSON.
    static func json(_ response: HTTPResponse) -> Any? { try? JSONSerialization.jsonObject(with: Data(response.body)) }
}
