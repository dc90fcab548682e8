import CPMS
import Cluster
import Store
import StoreTesting
import Synchronization
import Testing

/// The remediation role on both engines: one holder at a time; another node takes it only once
/// it has expired (with a higher epoch) or was released; the former holder's `stillHeld` — the
/// executor's first gate — then says no, so a node paused past its role's expiry does not act.
@Suite struct ClusterRoleTests {
    /// A clock the test moves (milliseconds).
    final class Clock: Sendable {
        let now = Mutex(1_000)
        func advance(_ milliseconds: Int) { now.withLock { $0 += milliseconds } }
        var read: @Sendable () -> Int { { self.now.withLock { $0 } } }
    }

    func role(_ node: String, _ store: StationStore, _ clock: Clock) -> ClusterRole {
        ClusterRole(role: "remediation", node: node, host: store, ttl: .seconds(15), log: { _, _, _ in }, clock: clock.read)
    }

    @Test(arguments: TestEngine.all) func anotherNodeTakesTheRoleOnlyOnceItExpiredAndTheFormerHolderKnows(engine: TestEngine) async throws {
        let test = try TestDatabase(engine, name: "roles")
        defer { test.remove() }
        let store = try StationStore(location: test.location)
        let clock = Clock()
        let a = role("a", store, clock), b = role("b", store, clock)

        #expect(try await a.stillHeld() == false)   // never taken
        #expect(try await a.tryTake())
        #expect(try await a.stillHeld())
        #expect(try await b.tryTake() == false)
        clock.advance(10_000)
        #expect(try await a.renew())   // 15 s from now
        clock.advance(10_000)
        #expect(try await b.tryTake() == false)
        #expect(try await ClusterRole.holder(of: "remediation", host: store, now: clock.read()) == "a")

        // a stops renewing (paused, cut off): once its role has expired b takes it, a's gate says no.
        clock.advance(6_000)
        #expect(try await a.stillHeld() == false)
        #expect(try await b.tryTake())
        #expect(try await b.stillHeld())
        #expect(try await a.stillHeld() == false)
        #expect(try await ClusterRole.holder(of: "remediation", host: store, now: clock.read()) == "b")
        // a waking up cannot renew it back — not even once b has let it go: a's state is stale.
        #expect(try await a.renew() == false)
        await b.release()
        #expect(try await a.renew() == false)
        #expect(try await a.stillHeld() == false)
    }

    @Test(arguments: TestEngine.all) func everyTakeIsANewEpochTheSameNodesToo(engine: TestEngine) async throws {
        let test = try TestDatabase(engine, name: "roleepochs")
        defer { test.remove() }
        let store = try StationStore(location: test.location)
        let clock = Clock()
        let first = role("a", store, clock)
        #expect(try await first.tryTake())
        // The same node restarted (its earlier run killed, the role not yet expired) — or another
        // process started under the same name — does not take a live hold: it waits for it to
        // expire, then takes it under a new epoch.
        let restarted = role("a", store, clock)
        #expect(try await restarted.tryTake() == false)
        #expect(await restarted.heldUnderOwnName)
        #expect(try await first.stillHeld())
        clock.advance(16_000)
        #expect(try await restarted.tryTake())
        #expect(try await restarted.stillHeld())
        #expect(try await first.stillHeld() == false)
        #expect(try await first.renew() == false)
        #expect(try await restarted.renew())
    }

    @Test(arguments: TestEngine.all) func aReleasedRoleIsFreeAtOnce(engine: TestEngine) async throws {
        let test = try TestDatabase(engine, name: "rolerelease")
        defer { test.remove() }
        let store = try StationStore(location: test.location)
        let clock = Clock()
        let a = role("a", store, clock), b = role("b", store, clock)
        #expect(try await a.tryTake())
        await a.release()
        #expect(try await a.stillHeld() == false)
        #expect(try await ClusterRole.holder(of: "remediation", host: store, now: clock.read()) == nil)
        #expect(try await b.tryTake())
        #expect(try await b.stillHeld())
    }

    /// The deciding node publishes its consumers' backlog; the others read it while it is fresh
    /// (a node that died holds nobody back), and a node without the role publishes nothing.
    @Test(arguments: TestEngine.all) func theBacklogIsReadOnlyFromTheHolderWhileFresh(engine: TestEngine) async throws {
        let test = try TestDatabase(engine, name: "rolebacklog")
        defer { test.remove() }
        let store = try StationStore(location: test.location)
        let clock = Clock()
        let a = role("a", store, clock), b = role("b", store, clock)
        #expect(try await ClusterRole.sharedBacklog(of: "remediation", host: store, now: clock.read()) == nil)
        #expect(try await a.tryTake())
        try await a.publishBacklog(123)
        try await b.publishBacklog(999)   // b does not hold the role: nothing written
        #expect(try await ClusterRole.sharedBacklog(of: "remediation", host: store, now: clock.read()) == 123)
        clock.advance(2_500)
        #expect(try await ClusterRole.sharedBacklog(of: "remediation", host: store, now: clock.read()) == nil)
    }
}
