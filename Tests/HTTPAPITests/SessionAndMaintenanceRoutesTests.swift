@testable import API
import CPMS
import Evidence
import Foundation
import RuleEngine
import Testing
import Transport

/// `GET /api/v1/sessions` (filters, strict parameters, the next page's cursor in headers),
/// `GET /api/v1/sessions/{id}`, `GET /api/v1/sessions/{id}/evidence` and `GET /api/v1/maintenance`,
/// called as a client would.
@Suite struct SessionAndMaintenanceRoutesTests {
    func seeded() async throws -> InProcessAPI {
        let api = try await InProcessAPI()
        _ = try await api.store.declareStation(id: "N-1", site: "north")
        _ = try await api.store.declareStation(id: "S-1", site: "south")
        for index in 0..<5 {
            let start = "2026-12-01T1\(index):00:00Z"
            let id = try await api.store.startSession(station: index < 3 ? "N-1" : "S-1", evse: 1, connector: 1, transactionRef: nil, idToken: "CARD",
                                                      authorization: "accepted", startTime: start, meterStartWh: 0, now: start)
            if index < 4 { try await api.store.stopSession(id: id, stopTime: "2026-12-01T1\(index):40:00Z", meterStopWh: 2_000, reason: "Local", now: start) }
        }
        return api
    }

    func ids(_ response: HTTPResponse) -> [Int] {
        ((InProcessAPI.json(response) as? [[String: Any]]) ?? []).compactMap { $0["id"] as? Int }
    }

    @Test func listingFiltersAndPages() async throws {
        let api = try await seeded()
        defer { api.remove() }
        let first = await api.call("/api/v1/sessions?site=north&limit=2")
        #expect(first.status.code == 200 && ids(first) == [3, 2])
        #expect(first.headers["X-Next-Before"] == "2")
        #expect(first.headers["Link"] == #"</api/v1/sessions?limit=2&site=north&before=2>; rel="next""#)
        let second = await api.call("/api/v1/sessions?limit=2&site=north&before=2")
        #expect(ids(second) == [1] && second.headers["X-Next-Before"] == nil && second.headers["Link"] == nil)
        #expect(ids(await api.call("/api/v1/sessions?status=active")) == [5])
        #expect(ids(await api.call("/api/v1/sessions?from=2026-12-01T11:00:00Z&to=2026-12-01T13:00:00%2B00:00")) == [3, 2])
        #expect(ids(await api.call("/api/v1/sessions?station=S-1&status=completed")) == [4])
        #expect(ids(await api.call("/api/v1/sessions?idToken=OTHER")) == [])
    }

    @Test func badParametersAreNamed() async throws {
        let api = try await seeded()
        defer { api.remove() }
        let rows: [(target: String, message: String)] = [
            ("/api/v1/sessions?status=running", #"status "running" is not one of: active, completed"#),
            ("/api/v1/sessions?before=0", #"before must be a session id (a positive integer), got "0""#),
            ("/api/v1/sessions?before=x", #"before must be a session id (a positive integer), got "x""#),
            ("/api/v1/sessions?from=2026-12-02T00:00:00Z&to=2026-12-01T00:00:00Z", "from must be before to"),
            ("/api/v1/sessions/abc", #"a session id is a positive number, got "abc""#),
        ]
        for row in rows {
            let response = await api.call(row.target)
            #expect(response.status.code == 400, "\(row.target)")
            #expect((InProcessAPI.json(response) as? [String: Any])?["error"] as? String == row.message, "\(row.target)")
        }
        let badTime = await api.call("/api/v1/sessions?from=yesterday")
        #expect(badTime.status.code == 400)
        #expect(((InProcessAPI.json(badTime) as? [String: Any])?["error"] as? String)?.contains("from") == true)
        #expect(await api.call("/api/v1/sessions/99").status.code == 404)
    }

    @Test func oneSessionCarriesItsSamples() async throws {
        let api = try await seeded()
        defer { api.remove() }
        try await api.store.addSamples(session: 1, [MeterSample(at: "2026-12-01T10:10:00Z", measurand: "Energy.Active.Import.Register", value: 500,
                                                                 unit: "Wh", phase: nil, context: nil)])
        let response = await api.call("/api/v1/sessions/1")
        let object = try #require(InProcessAPI.json(response) as? [String: Any])
        #expect(object["id"] as? Int == 1 && object["station"] as? String == "N-1" && object["energyWh"] as? Double == 2_000)
        let samples = try #require(object["samples"] as? [[String: Any]])
        #expect(samples.count == 1 && samples.first?["value"] as? Double == 500)
    }

    @Test func aSessionsEvidencePackAsJSONAndAsAPrintablePage() async throws {
        let api = try await seeded()
        defer { api.remove() }
        let json = await api.call("/api/v1/sessions/1/evidence")
        #expect(json.status.code == 200 && json.headers["Content-Type"] == "application/json")
        let pack = try #require(InProcessAPI.json(json) as? [String: Any])
        #expect(pack["format"] as? String == "vigil-evidence-pack" && (pack["session"] as? [String: Any])?["id"] as? Int == 1)
        #expect(try EvidenceCheck.check(String(decoding: json.body, as: UTF8.self)).isValid)
        let html = await api.call("/api/v1/sessions/1/evidence?format=html")
        #expect(html.status.code == 200 && html.headers["Content-Type"] == "text/html; charset=utf-8")
        #expect(html.headers["Content-Disposition"] == "attachment; filename=\"session-1-evidence.html\"")
        #expect(try EvidenceCheck.check(String(decoding: html.body, as: UTF8.self)).isValid)
        for (target, status, message) in [("/api/v1/sessions/99/evidence", 404, "no session 99"),
                                          ("/api/v1/sessions/x/evidence", 400, #"a session id is a positive number, got "x""#),
                                          ("/api/v1/sessions/1/evidence?format=pdf", 400, #"format "pdf" is not one of: json, html"#)] {
            let response = await api.call(target)
            #expect(response.status.code == status, "\(target)")
            #expect((InProcessAPI.json(response) as? [String: Any])?["error"] as? String == message, "\(target)")
        }
    }

    @Test func maintenanceWindowsWithWhetherTheyAreOpen() async throws {
        let api = try await seeded()
        defer { api.remove() }
        func time(_ text: String) -> Date { StoreTime.parse(text)! }
        await api.runner.setEnvironment(RuleEnvironment(maintenance: [
            MaintenanceWindow(site: "north", from: time("2026-12-01T06:00:00Z"), to: time("2026-12-01T10:00:00Z")),
            MaintenanceWindow(station: "S-1", from: time("2026-12-02T06:00:00Z"), to: time("2026-12-02T08:00:00Z")),
        ]))
        let all = try #require(InProcessAPI.json(await api.call("/api/v1/maintenance?at=2026-12-01T07:00:00Z")) as? [[String: Any]])
        #expect(all.count == 2)
        #expect(all.map { $0["open"] as? Bool } == [true, false])
        #expect(all.first?["site"] as? String == "north" && all.first?["from"] as? String == "2026-12-01T06:00:00.000Z")
        let north = try #require(InProcessAPI.json(await api.call("/api/v1/maintenance?station=N-1")) as? [[String: Any]])
        #expect(north.count == 1 && north.first?["site"] as? String == "north")
        let south = try #require(InProcessAPI.json(await api.call("/api/v1/maintenance?site=south")) as? [[String: Any]])
        #expect(south.count == 1 && south.first?["station"] as? String == "S-1")
        #expect(await api.call("/api/v1/maintenance?station=NOPE").status.code == 404)
        #expect(await api.call("/api/v1/maintenance?station=N-1&site=north").status.code == 400)
        #expect(await api.call("/api/v1/maintenance?at=soon").status.code == 400)
    }
}
