@testable import API
import CPMS
import Foundation
import OCPP
import Remediation
import RuleEngine
import ServiceLog
import StoreTesting
import Testing
import Transport

/// `GET /api/v1/me` (who the caller is) and `GET /api/v1/stream` (the one route that takes
/// its token from the query as well).
@Suite struct LiveRoutesTests {
    func withRouter(_ body: (Router, StationStore) async throws -> Void) async throws {
        try await withRouter { router, store, _ in try await body(router, store) }
    }

    func withRouter(_ body: (Router, StationStore, EventLog) async throws -> Void) async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-live-\(UUID().uuidString).sqlite").path
        defer { removeSQLiteFiles(path) }
        let store = try StationStore(path: path)
        let events = EventLog(store: store)
        let runner = try await RuleRunner(ruleSet: RuleSet(rules: []), catalog: nil, store: store, events: events, log: { _, _, _ in })
        let log = Log()
        let router = APIRoutes.router(store: store, runner: runner, auditor: Auditor(store: store, key: nil) { _, _, _ in },
                                      commands: CommandService(connections: ConnectionRegistry(), timeout: .seconds(1)), catalog: nil,
                                      events: events, guard: APIGuard(store: store, log: log), log: log)
        try await body(router, store, events)
    }

    func get(_ router: Router, _ target: String, token: String? = nil) async -> HTTPResponse {
        let path = String(target.split(separator: "?", maxSplits: 1).first ?? "")
        guard case .handler(let handler, let parameters) = router.resolve(method: "GET", rawPath: path) else { return HTTPResponse(status: .notFound) }
        var headers = HTTPHeaders()
        if let token { headers.add("Authorization", "Bearer \(token)") }
        var request = HTTPRequest(method: "GET", target: target, headers: headers)
        request.pathParameters = parameters
        return await handler(request)
    }

    func object(_ response: HTTPResponse) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any] ?? [:]
    }

    @Test func meSaysOpenWhileNoAPIUserExists() async throws {
        try await withRouter { router, _ in
            let response = await get(router, "/api/v1/me")
            #expect(response.status == .ok && String(decoding: response.body, as: UTF8.self) == #"{"role":"open"}"#)
        }
    }

    @Test func meNamesTheTokensUserAndAccess() async throws {
        try await withRouter { router, store in
            try await APIUserStore(host: store).saveAPIUser(name: "wall", access: .viewer, approves: [], token: "t-viewer", now: "2026-12-05T08:00:00.000Z")
            try await APIUserStore(host: store).saveAPIUser(name: "sam", access: .operator, approves: ["supervisor"], token: "t-op", now: "2026-12-05T08:00:00.000Z")
            let viewer = object(await get(router, "/api/v1/me", token: "t-viewer"))
            #expect(viewer["user"] as? String == "wall" && viewer["role"] as? String == "viewer")
            let op = object(await get(router, "/api/v1/me", token: "t-op"))
            #expect(op["role"] as? String == "operator" && op["approves"] as? [String] == ["supervisor"])
            #expect(await get(router, "/api/v1/me").status == .unauthorized)
        }
    }

    @Test func onlyTheStreamTakesItsTokenFromTheQuery() async throws {
        try await withRouter { router, store in
            try await APIUserStore(host: store).saveAPIUser(name: "wall", access: .viewer, approves: [], token: "t-viewer", now: "2026-12-05T08:00:00.000Z")
            let stream = await get(router, "/api/v1/stream?token=t-viewer")
            #expect(stream.status == .ok && stream.stream != nil)
            #expect(stream.headers["Content-Type"] == "text/event-stream; charset=utf-8" && stream.headers["Cache-Control"] == "no-store")
            #expect(await get(router, "/api/v1/stream?token=wrong").status == .unauthorized)
            #expect(await get(router, "/api/v1/stream").status == .unauthorized)
            #expect(await get(router, "/api/v1/stream", token: "t-viewer").status == .ok)
            // Any other route ignores a query token.
            #expect(await get(router, "/api/v1/me?token=t-viewer").status == .unauthorized)
            #expect(await get(router, "/api/v1/stations?token=t-viewer").status == .unauthorized)
        }
    }

    @Test func theStreamRefusesClientsBeyondItsMaximum() async throws {
        try await withRouter { router, _, events in
            let held = (0..<LiveRoutes.maximumStreams).map { _ in events.live.subscribe(capacity: 1) }
            let refused = await get(router, "/api/v1/stream")
            #expect(refused.status.code == 503 && object(refused)["code"] as? String == "too_many_streams")
            held[0].cancel()
            #expect(await get(router, "/api/v1/stream").status == .ok)
            held.dropFirst().forEach { $0.cancel() }
        }
    }
}
