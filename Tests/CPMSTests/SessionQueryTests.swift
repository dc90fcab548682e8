import Foundation
import StoreTesting
import Testing
@testable import CPMS

/// Session listings: every filter, the start-time bounds as instants, and paging by cursor
/// that neither repeats nor skips a session while new ones start between pages.
@Suite struct SessionQueryTests {
    /// Two sites, three stations, eight sessions an hour apart from 10:00Z (ids 1…8); the
    /// charger-reported start times mix precisions (`…:00Z` and `…:00.000Z`).
    func fleet(_ engine: TestEngine) async throws -> (StationStore, TestDatabase) {
        let test = try TestDatabase(engine, name: "session-query")
        let store = try StationStore(location: test.location)
        _ = try await store.declareStation(id: "N-1", site: "north")
        _ = try await store.declareStation(id: "N-2", site: "north")
        _ = try await store.declareStation(id: "S-1", site: "south")
        let stations = ["N-1", "N-2", "S-1", "N-1", "S-1", "N-2", "N-1", "S-1"]
        for (index, station) in stations.enumerated() {
            let start = index.isMultiple(of: 2) ? "2026-12-01T\(10 + index):00:00Z" : "2026-12-01T\(10 + index):00:00.000Z"
            let id = try await store.startSession(station: station, evse: 1, connector: 1, transactionRef: nil, idToken: index < 4 ? "CARD-A" : "CARD-B",
                                                  authorization: "accepted", startTime: start, meterStartWh: 0, now: start)
            if index < 6 { try await store.stopSession(id: id, stopTime: "2026-12-01T\(10 + index):30:00Z", meterStopWh: 1_000, reason: "Local", now: start) }
        }
        return (store, test)
    }

    func ids(_ store: StationStore, _ query: SessionQuery) async throws -> [Int] {
        try await store.sessions(matching: query).sessions.map(\.id)
    }

    static func time(_ text: String) -> Date { StoreTime.parse(text)! }

    @Test(arguments: TestEngine.all) func filtersCombine(engine: TestEngine) async throws {
        let (store, test) = try await fleet(engine)
        defer { test.remove() }
        #expect(try await ids(store, SessionQuery()) == [8, 7, 6, 5, 4, 3, 2, 1])
        #expect(try await ids(store, SessionQuery(station: "N-1")) == [7, 4, 1])
        #expect(try await ids(store, SessionQuery(site: "south")) == [8, 5, 3])
        #expect(try await ids(store, SessionQuery(site: "nowhere")) == [])
        #expect(try await ids(store, SessionQuery(status: .active)) == [8, 7])
        #expect(try await ids(store, SessionQuery(status: .completed)).count == 6)
        #expect(try await ids(store, SessionQuery(idToken: "CARD-B")) == [8, 7, 6, 5])
        #expect(try await ids(store, SessionQuery(site: "north", status: .completed, idToken: "CARD-A")) == [4, 2, 1])
    }

    /// `from` is inclusive and `to` exclusive, whatever precision the charger wrote: 11:00:00.000Z
    /// (session 2) starts exactly at `from`, 13:00:00.000Z (session 4) exactly at `to`.
    @Test(arguments: TestEngine.all) func startTimeBoundsAreInstants(engine: TestEngine) async throws {
        let (store, test) = try await fleet(engine)
        defer { test.remove() }
        let from = Self.time("2026-12-01T11:00:00Z"), to = Self.time("2026-12-01T13:00:00Z")
        #expect(try await ids(store, SessionQuery(from: from, to: to)) == [3, 2])
        #expect(try await ids(store, SessionQuery(from: Self.time("2026-12-01T12:00:00.001Z"))) == [8, 7, 6, 5, 4])
        // The same instant written with an offset.
        #expect(try await ids(store, SessionQuery(to: Self.time("2026-12-01T13:00:00+02:00"))) == [1])
    }

    @Test(arguments: TestEngine.all) func pagesFollowTheCursorWithoutRepeatsOrGaps(engine: TestEngine) async throws {
        let (store, test) = try await fleet(engine)
        defer { test.remove() }
        let first = try await store.sessions(matching: SessionQuery(limit: 3))
        #expect(first.sessions.map(\.id) == [8, 7, 6] && first.nextBefore == 6)
        // A session starting between pages does not shift the next page.
        _ = try await store.startSession(station: "S-1", evse: 2, connector: 1, transactionRef: nil, idToken: "CARD-C", authorization: "accepted",
                                         startTime: "2026-12-01T20:00:00Z", meterStartWh: 0, now: "2026-12-01T20:00:00Z")
        let second = try await store.sessions(matching: SessionQuery(before: first.nextBefore, limit: 3))
        #expect(second.sessions.map(\.id) == [5, 4, 3] && second.nextBefore == 3)
        let last = try await store.sessions(matching: SessionQuery(before: second.nextBefore, limit: 3))
        #expect(last.sessions.map(\.id) == [2, 1] && last.nextBefore == nil)
        // A page that ends exactly at the last session says there is no next one.
        let exact = try await store.sessions(matching: SessionQuery(station: "N-1", limit: 3))
        #expect(exact.sessions.count == 3 && exact.nextBefore == nil)
    }

    /// Sessions sharing `from`'s second but starting before it are read by the SQL and dropped;
    /// the page still fills from the sessions after them.
    @Test(arguments: TestEngine.all) func aPageFillsPastSessionsDroppedAtTheBoundarySecond(engine: TestEngine) async throws {
        let (store, test) = try await fleet(engine)
        defer { test.remove() }
        for (index, start) in ["2026-12-01T20:00:00.100Z", "2026-12-01T20:00:00.200Z", "2026-12-01T20:00:00.300Z"].enumerated() {
            _ = try await store.startSession(station: "S-1", evse: 2 + index, connector: 1, transactionRef: nil, idToken: "CARD-C",
                                             authorization: "accepted", startTime: start, meterStartWh: 0, now: start)
        }
        // Sessions 9, 10, 11 start at 20:00:00.1/.2/.3; from 20:00:00.250 keeps 11 only, and
        // the query's earlier sessions all start before it.
        let page = try await store.sessions(matching: SessionQuery(from: Self.time("2026-12-01T20:00:00.250Z"), limit: 1))
        #expect(page.sessions.map(\.id) == [11] && page.nextBefore == nil)
        let late = try await store.sessions(matching: SessionQuery(from: Self.time("2026-12-01T16:00:00Z"), limit: 2))
        #expect(late.sessions.map(\.id) == [11, 10] && late.nextBefore == 10)
        let rest = try await store.sessions(matching: SessionQuery(from: Self.time("2026-12-01T16:00:00Z"), before: 10, limit: 2))
        #expect(rest.sessions.map(\.id) == [9, 8] && rest.nextBefore == 8)
        let upTo = try await store.sessions(matching: SessionQuery(from: Self.time("2026-12-01T17:00:00Z"), to: Self.time("2026-12-01T20:00:00.150Z")))
        #expect(upTo.sessions.map(\.id) == [9, 8])
    }
}
