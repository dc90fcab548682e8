@testable import API
@testable import CPMS
import DomainEvents
import Foundation
import Remediation
import RuleEngine
import ServiceLog
import StoreTesting
import Testing
import Transport

/// The sites and insight routes over a real store: their JSON, and their strict parameters
/// (400 invalid_parameter for a bad time or number and for station with site, 404 for an
/// unknown station or site). The API has no user, so it is open.
@Suite struct InsightRoutesTests {
    static let berlin = TimeZone(identifier: "Europe/Berlin")!

    /// A store with CP-1 (ABB, depot-north, Berlin) and CP-2 (no site): on CP-1 one good
    /// session, one that spans a fault, a fault that recovers in 45 minutes, and a verified reset.
    func withRouter(_ body: (Router) async throws -> Void) async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-insights-\(UUID().uuidString).sqlite").path
        defer { removeSQLiteFiles(path) }
        let store = try StationStore(path: path)
        _ = try await store.recordBoot(id: "CP-1", vendor: "ABB", model: "X", serial: nil, firmware: nil, ocppVersion: "ocpp1.6",
                                       reason: nil, registrationForUnknown: "accepted", now: "2026-12-01T06:00:00.000Z")
        _ = try await store.setSite(id: "CP-1", "depot-north")
        _ = try await store.recordBoot(id: "CP-2", vendor: "ABB", model: "Y", serial: nil, firmware: nil, ocppVersion: "ocpp1.6",
                                       reason: nil, registrationForUnknown: "accepted", now: "2026-12-01T06:00:00.000Z")
        func status(_ status: ConnectorStatus, _ code: String?, _ vendor: String?, _ now: String) async throws {
            try await store.recordStatus(id: "CP-1", StatusReport(evse: 1, connector: 1, status: status, errorCode: code.map { OCPPErrorCode($0) },
                                                                  vendorId: nil, vendorErrorCode: vendor, info: nil, chargerTime: nil), now: now)
        }
        try await status(.available, "NoError", nil, "2026-12-01T06:00:00.000Z")
        // 07:30Z is 08:30 in Berlin (CET): the peak hour is 8.
        let good = try await store.startSession(station: "CP-1", evse: 1, connector: 1, transactionRef: nil, idToken: "T", authorization: "Accepted",
                                                startTime: "2026-12-01T07:30:00.000Z", meterStartWh: 0, now: "2026-12-01T07:30:00.000Z")
        _ = try await store.stopSession(id: good, stopTime: "2026-12-01T08:30:00.000Z", meterStopWh: 12_000, reason: "EVDisconnected",
                                        now: "2026-12-01T08:30:00.000Z")
        let faulty = try await store.startSession(station: "CP-1", evse: 1, connector: 1, transactionRef: nil, idToken: "T", authorization: "Accepted",
                                                  startTime: "2026-12-01T10:00:00.000Z", meterStartWh: 12_000, now: "2026-12-01T10:00:00.000Z")
        try await status(.faulted, "GroundFailure", "E042", "2026-12-01T10:30:00.000Z")
        try await store.recordSessionError(station: "CP-1", evse: 1, "2026-12-01T10:30:00Z GroundFailure E042")
        _ = try await store.stopSession(id: faulty, stopTime: "2026-12-01T10:31:00.000Z", meterStopWh: 13_000, reason: "Other",
                                        now: "2026-12-01T10:31:00.000Z")
        let commands = CommandStore(host: store)
        let command = try #require(try await commands.insertCommand(NewCommand(decisionId: nil, rule: "soft-reset", station: "CP-1", connector: 1,
                                                                                 site: "depot-north", action: "reset", argument: "Soft",
                                                                                 status: .accepted, vendor: "ABB", model: "X"),
                                                                      now: "2026-12-01T10:35:00.000Z"))
        try await commands.setVerified(commandId: command, true)
        try await status(.available, "NoError", nil, "2026-12-01T11:15:00.000Z")

        let events = EventLog(store: store)
        let runner = try await RuleRunner(ruleSet: RuleSet(rules: []), catalog: nil, store: store, events: events, log: { _, _, _ in })
        let log = Log()
        let router = APIRoutes.router(store: store, runner: runner, auditor: Auditor(store: store, key: nil) { _, _, _ in },
                                      commands: CommandService(connections: ConnectionRegistry(), timeout: .seconds(1)), catalog: nil,
                                      events: events, sites: SiteDirectory([Site(id: "depot-north", name: "Depot North", timeZone: Self.berlin)]),
                                      guard: APIGuard(store: store, log: log), log: log)
        try await body(router)
    }

    func get(_ router: Router, _ target: String) async throws -> (Int, [String: Any]) {
        guard case .handler(let handler, let parameters) = router.resolve(method: "GET", rawPath: String(target.prefix { $0 != "?" })) else {
            Issue.record("GET \(target) does not resolve")
            return (0, [:])
        }
        var request = HTTPRequest(method: "GET", target: target, headers: HTTPHeaders(), body: [])
        request.pathParameters = parameters
        let response = await handler(request)
        let object = try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any] ?? [:]
        return (response.status.code, object)
    }

    static let day = "from=2026-12-01T00:00:00Z&to=2026-12-02T00:00:00Z"

    @Test func sitesListsConfiguredAndNamedSitesAndCountsTheUnassigned() async throws {
        try await withRouter { router in
            let (status, list) = try await get(router, "/api/v1/sites")
            #expect(status == 200)
            let sites = try #require(list["sites"] as? [[String: Any]])
            #expect(sites.map { $0["id"] as? String } == ["depot-north"])
            #expect(sites.first?["name"] as? String == "Depot North" && sites.first?["timeZone"] as? String == "Europe/Berlin")
            #expect(sites.first?["stations"] as? Int == 1)
            #expect((sites.first?["connectors"] as? [String: Int])?["Available"] == 1)
            #expect((list["unassigned"] as? [String: Any])?["stations"] as? Int == 1)
            let (one, site) = try await get(router, "/api/v1/sites/depot-north")
            #expect(one == 200 && site["stationIds"] as? [String] == ["CP-1"])
            let (missing, error) = try await get(router, "/api/v1/sites/nowhere")
            #expect(missing == 404 && error["code"] as? String == "not_found")
        }
    }

    @Test func sessionMetricsJudgeSessionsAndCountPeakHoursInTheSiteZone() async throws {
        try await withRouter { router in
            let (status, report) = try await get(router, "/api/v1/metrics/sessions?site=depot-north&\(Self.day)")
            #expect(status == 200)
            #expect(report["sessions"] as? Int == 2 && report["successful"] as? Int == 1)
            #expect(report["successRate"] as? Double == 0.5)
            #expect(report["failures"] as? [String: Int] == ["faultDuringSession": 1])
            #expect(report["energyKWh"] as? Double == 13)
            #expect(report["medianDurationSeconds"] as? Double == 2_730)   // (3 600 + 1 860) / 2
            #expect(report["timeZone"] as? String == "Europe/Berlin")
            #expect(report["scope"] as? [String: String] == ["site": "depot-north"])
            let hours = try #require((report["peakHours"] as? [String: Any])?["byHour"] as? [Int])
            #expect(hours[8] == 1 && hours[11] == 1 && hours.reduce(0, +) == 2)   // 07:30Z → 08:30, 10:00Z → 11:00 CET
            let weekdays = try #require((report["peakHours"] as? [String: Any])?["byWeekday"] as? [Int])
            #expect(weekdays == [0, 2, 0, 0, 0, 0, 0])   // 2026-12-01 is a Tuesday
            #expect((report["stations"] as? [[String: Any]])?.first?["station"] as? String == "CP-1")
            #expect((report["stations"] as? [[String: Any]])?.first?["peakHours"] == nil)
            // CP-2 never had a session: a rate of null, not 0.
            let (_, idle) = try await get(router, "/api/v1/metrics/sessions?station=CP-2&\(Self.day)")
            #expect(idle["sessions"] as? Int == 0 && idle["successRate"] is NSNull)
            // A stricter minimum energy fails the good session too (12 kWh < 20).
            let (_, strict) = try await get(router, "/api/v1/metrics/sessions?station=CP-1&minEnergyKWh=20&\(Self.day)")
            #expect(strict["failures"] as? [String: Int] == ["faultDuringSession": 1, "noEnergy": 1])
        }
    }

    @Test func errorAndRemediationMetrics() async throws {
        try await withRouter { router in
            let (status, report) = try await get(router, "/api/v1/metrics/errors?site=depot-north&\(Self.day)")
            #expect(status == 200)
            let errors = try #require(report["errors"] as? [[String: Any]])
            #expect(errors.count == 1)
            #expect(errors.first?["code"] as? String == "E042" && errors.first?["vendor"] as? String == "ABB")
            #expect(errors.first?["ocppErrorCode"] as? String == "GroundFailure" && errors.first?["site"] as? String == "depot-north")
            #expect(errors.first?["count"] as? Int == 1 && errors.first?["meanTimeToRecoverySeconds"] as? Double == 2_700)
            #expect(errors.first?["meanTimeBetweenFaultsSeconds"] is NSNull && errors.first?["title"] is NSNull)
            #expect(errors.first?["firstSeen"] as? String == "2026-12-01T10:30:00.000Z")

            let (ok, remediation) = try await get(router, "/api/v1/metrics/remediation?\(Self.day)")
            #expect(ok == 200)
            let byRule = try #require(remediation["byRule"] as? [[String: Any]])
            #expect(byRule.first?["rule"] as? String == "soft-reset" && byRule.first?["actions"] as? Int == 1)
            #expect(byRule.first?["verifiedShare"] as? Double == 1 && byRule.first?["medianRecoverySeconds"] as? Double == 2_700)
            #expect((remediation["byModel"] as? [[String: Any]])?.first?["model"] as? String == "X")
            #expect(remediation["medianRecoveryWithActionSeconds"] as? Double == 2_700)
            #expect(remediation["medianRecoveryWithoutActionSeconds"] is NSNull)
        }
    }

    @Test(arguments: [
        ("/api/v1/metrics/sessions?from=yesterday", 400, "invalid_parameter"),
        ("/api/v1/metrics/sessions?minEnergyKWh=-1", 400, "invalid_parameter"),
        ("/api/v1/metrics/sessions?minEnergyKWh=lots", 400, "invalid_parameter"),
        ("/api/v1/metrics/sessions?station=CP-1&site=depot-north", 400, "invalid_parameter"),
        ("/api/v1/metrics/sessions?station=CP-9", 404, "not_found"),
        ("/api/v1/metrics/sessions?site=nowhere", 404, "not_found"),
        ("/api/v1/metrics/errors?limit=0", 400, "invalid_parameter"),
        ("/api/v1/metrics/errors?to=2026-12-01T00:00:00Z&from=2026-12-02T00:00:00Z", 400, "invalid_parameter"),
        ("/api/v1/metrics/errors?station=CP-9", 404, "not_found"),
        ("/api/v1/metrics/remediation?station=CP-1", 400, "invalid_parameter"),
        ("/api/v1/metrics/remediation?site=nowhere", 404, "not_found"),
        // A misspelt filter is refused, not answered for the whole network.
        ("/api/v1/metrics/availability?statoin=CP-1", 400, "invalid_parameter"),
        ("/api/v1/sessions?stations=CP-1", 400, "invalid_parameter"),
        ("/api/v1/fraud?station=CP-9", 404, "not_found"),
    ])
    func badParametersAreRefused(_ target: String, _ expected: Int, _ code: String) async throws {
        try await withRouter { router in
            let (status, error) = try await get(router, target)
            #expect(status == expected, "\(target)")
            #expect(error["code"] as? String == code, "\(target)")
        }
    }
}
