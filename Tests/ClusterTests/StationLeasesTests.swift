import CPMS
import Cluster
import ServiceLog
import Store
import StoreTesting
import Synchronization
import Testing

/// One node's lease keeper: what it holds after a takeover announced or found at renewal, the
/// stale leases it gives up, and failing closed when the database cannot renew its leases.
@Suite struct StationLeasesTests {
    /// Forwards to a real store until told to fail, as a database out of reach would.
    actor SwitchableHost: DatabaseHost {
        struct Down: Error {}
        let inner: StationStore
        var isDown = false
        init(_ inner: StationStore) { self.inner = inner }
        func setDown(_ down: Bool) { isDown = down }
        func withDatabase<T: Sendable>(schema: SchemaTrack, _ body: @Sendable (any SQLDatabase) throws -> T) async throws -> T {
            if isDown { throw Down() }
            return try await inner.withDatabase(schema: schema, body)
        }
        func committing<T: Sendable>(schema: SchemaTrack, _ body: @escaping @Sendable (any SQLDatabase) throws -> T) async throws -> T {
            if isDown { throw Down() }
            return try await inner.committing(schema: schema, body)
        }
    }

    final class Clock: Sendable {
        let now = Mutex(1_000_000)
        func advance(_ milliseconds: Int) { now.withLock { $0 += milliseconds } }
        var read: @Sendable () -> Int { { self.now.withLock { $0 } } }
    }

    final class Lines: Sendable {
        let lines = Mutex<[String]>([])
        var log: LogLine { { _, message, _ in self.lines.withLock { $0.append(message) } } }
        func contains(_ text: String) -> Bool { lines.withLock { $0.contains { $0.contains(text) } } }
    }

    func keeper(_ node: String, _ store: StationLeaseStore, clock: Clock, lines: Lines = Lines()) -> StationLeases {
        StationLeases(node: node, store: store, connections: ConnectionRegistry(), log: lines.log, clock: clock.read)
    }

    @Test(arguments: TestEngine.all) func aNewerTakeoverAnnouncedEndsTheLocalLease(engine: TestEngine) async throws {
        let test = try TestDatabase(engine, name: "keepernotify")
        defer { test.remove() }
        let store = StationLeaseStore(host: try StationStore(location: test.location))
        let clock = Clock()
        let a = keeper("a", store, clock: clock)
        try await a.start(schema: "s1")
        let epoch = try await a.take("CP-1")
        #expect(await a.holds("CP-1"))

        await a.notified("s2 9 b CP-1")                 // another deployment's schema
        await a.notified("s1 \(epoch) b CP-1")          // not newer than a's lease
        await a.notified("s1 \(epoch + 1) a CP-1")      // a itself
        await a.notified("garbage")
        #expect(await a.holds("CP-1"))

        await a.notified("s1 \(epoch + 1) b CP-1")
        #expect(await !a.holds("CP-1"))
        // The connection ending is not a release: the station is served by b now.
        #expect(await a.release("CP-1", epoch: epoch) == false)
    }

    @Test(arguments: TestEngine.all) func renewalFindsATakeoverAndGivesUpStaleLeases(engine: TestEngine) async throws {
        let test = try TestDatabase(engine, name: "keeperrenew")
        defer { test.remove() }
        let store = StationLeaseStore(host: try StationStore(location: test.location))
        let clock = Clock()
        let (a, b) = (keeper("a", store, clock: clock), keeper("b", store, clock: clock))
        try await a.start(schema: nil)
        try await b.start(schema: nil)
        _ = try await a.take("CP-1")
        _ = try await a.take("CP-2")
        _ = try await b.take("CP-1")                    // no notification reaches a (SQLite: none is sent)
        _ = try await store.take("CP-9", node: "a", now: clock.read(), ttlMilliseconds: 30_000)   // a's, but no connection here

        await a.renew()
        #expect(await !a.holds("CP-1"))
        #expect(await a.holds("CP-2"))
        #expect(try await store.lease(of: "CP-1")?.node == "b")
        #expect(try await store.lease(of: "CP-9") == nil)
        #expect(try await a.servedElsewhere() == ["CP-1"])
        #expect(try await b.servedElsewhere() == ["CP-2"])
    }

    @Test(arguments: TestEngine.all) func aNodeStartingGivesUpItsEarlierRunsLeases(engine: TestEngine) async throws {
        let test = try TestDatabase(engine, name: "keeperstart")
        defer { test.remove() }
        let store = StationLeaseStore(host: try StationStore(location: test.location))
        let clock = Clock()
        _ = try await keeper("a", store, clock: clock).take("CP-1")   // the earlier run, killed
        let lines = Lines()
        try await keeper("a", store, clock: clock, lines: lines).start(schema: nil)
        #expect(try await store.lease(of: "CP-1") == nil)
        #expect(lines.contains("released the leases an earlier run"))
    }

    @Test(arguments: TestEngine.all) func renewalsFailingForALeasesLifetimeDropEveryStation(engine: TestEngine) async throws {
        let test = try TestDatabase(engine, name: "keeperdown")
        defer { test.remove() }
        let host = SwitchableHost(try StationStore(location: test.location))
        let clock = Clock()
        let lines = Lines()
        let a = keeper("a", StationLeaseStore(host: host), clock: clock, lines: lines)
        try await a.start(schema: nil)
        _ = try await a.take("CP-1")
        await host.setDown(true)

        clock.advance(10_000)
        await a.renew()
        #expect(await a.holds("CP-1"))                  // one failed renewal: the lease still runs
        clock.advance(20_000)
        await a.renew()
        #expect(await !a.holds("CP-1"))                 // 30 s without renewal: another node may serve it
        #expect(lines.contains("expired without renewal"))
        await #expect(throws: SwitchableHost.Down.self) { try await a.take("CP-2") }
    }
}
