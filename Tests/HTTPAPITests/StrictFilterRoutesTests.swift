@testable import API
import Foundation
import Testing

/// Filters read as strictly on every route: a station nobody knows is 404 when it selects
/// nothing, a boolean is true or false, an audit outcome is one on record or Vigil's own, a
/// range runs forwards, and the open routes take no unknown parameter.
@Suite struct StrictFilterRoutesTests {
    @Test func filtersAreReadStrictlyEverywhere() async throws {
        let api = try await InProcessAPI()
        defer { api.remove() }
        func status(_ target: String) async -> Int { await api.call(target).status.code }
        func message(_ target: String) async -> String {
            ((InProcessAPI.json(await api.call(target)) as? [String: Any])?["error"] as? String) ?? ""
        }
        for route in ["/api/v1/sessions", "/api/v1/decisions", "/api/v1/commands", "/api/v1/audit"] {
            #expect(await status(route + "?station=NOPE") == 404, "\(route)")
            #expect(await message(route + "?station=NOPE") == "no station NOPE", "\(route)")
        }
        _ = try await api.store.declareStation(id: "CP-1")
        #expect(await status("/api/v1/sessions?station=CP-1") == 200)   // known, nothing yet: an empty list
        #expect(await status("/api/v1/silences?all=yes") == 400)
        #expect(await message("/api/v1/silences?all=yes") == #"all must be true or false, got "yes""#)
        #expect(await status("/api/v1/silences?all=true") == 200)
        #expect(await status("/api/v1/audit?outcome=bogus") == 400)
        #expect(await status("/api/v1/audit?outcome=accepted") == 200)
        #expect(await message("/api/v1/audit?from=2026-12-09T00:00:00Z&to=2026-12-08T00:00:00Z") == "from must be before to")
        #expect(await status("/api/v1/decisions?from=2026-12-08T00:00:00Z&to=2026-12-09T00:00:00Z") == 200)
        #expect(await message("/api/v1/commands?from=2026-12-09T00:00:00Z&to=2026-12-08T00:00:00Z") == "from must be before to")
        #expect(await message("/api/v1/sessions?from=2026-12-08T04:00:00%2001:00").contains("send the offset's + as %2B"))
        for open in ["/api/v1/health", "/metrics", "/api/v1/openapi.json"] {
            #expect(await status(open + "?x=1") == 400, "\(open)")
            #expect(await status(open) == 200, "\(open)")
        }
    }
}
