import CPMS
import Cluster
import Store
import StoreTesting
import Testing

/// Requests between nodes on both engines: only the target claims, a claimed request is not
/// claimed twice, a request past its deadline is expired and never handed out, the answer is
/// read back by the origin.
@Suite struct NodeRequestStoreTests {
    @Test(arguments: TestEngine.all) func onlyTheTargetClaimsAndALateRequestIsNeverSent(engine: TestEngine) async throws {
        let test = try TestDatabase(engine, name: "noderequests")
        defer { test.remove() }
        let requests = NodeRequestStore(host: try StationStore(location: test.location))
        let first = try await requests.submit(station: "CP-1", origin: "a", target: "b", request: "{}", now: 1_000, deadline: 31_000)
        let late = try await requests.submit(station: "CP-2", origin: "a", target: "b", request: "{}", now: 1_000, deadline: 2_000)

        #expect(try await requests.claim(node: "a", now: 1_500).isEmpty)
        #expect(try await requests.claim(node: "b", now: 2_500) == [.init(id: first, station: "CP-1", request: "{}")])
        #expect(try await requests.claim(node: "b", now: 2_600).isEmpty)   // claimed once
        #expect(try await requests.state(of: first)?.state == "running")
        #expect(try await requests.state(of: late)?.state == "expired")
        #expect(try await requests.expire(first) == false)                  // running: too late to take back

        try await requests.answer(first, #"{"accepted":{}}"#, now: 3_000)
        #expect(try await requests.state(of: first)?.answer == #"{"accepted":{}}"#)
        #expect(try await requests.state(of: first)?.state == "answered")

        let unclaimed = try await requests.submit(station: "CP-3", origin: "a", target: "b", request: "{}", now: 4_000, deadline: 5_000)
        #expect(try await requests.expire(unclaimed))
        #expect(try await requests.claim(node: "b", now: 4_500).isEmpty)
        try await requests.prune(before: 3_500)
        #expect(try await requests.state(of: first) == nil)
        #expect(try await requests.state(of: unclaimed)?.state == "expired")
    }

    @Test(arguments: TestEngine.all) func aStationNoOtherNodeServesIsNotForwarded(engine: TestEngine) async throws {
        let test = try TestDatabase(engine, name: "noforward")
        defer { test.remove() }
        let store = try StationStore(location: test.location)
        let leases = StationLeaseStore(host: store)
        let clock: @Sendable () -> Int = { 100_000 }
        let requests = NodeRequests(node: "a", host: store, local: CommandService(connections: ConnectionRegistry()), log: { _, _, _ in },
                                    clock: clock)
        #expect(await requests.send(.reset(hard: false), to: "CP-1", timeout: .seconds(1)) == nil)   // no lease
        _ = try await leases.take("CP-1", node: "a", now: 100_000, ttlMilliseconds: 30_000)
        #expect(await requests.send(.reset(hard: false), to: "CP-1", timeout: .seconds(1)) == nil)   // this node's own
        _ = try await leases.take("CP-1", node: "b", now: 10_000, ttlMilliseconds: 30_000)
        #expect(await requests.send(.reset(hard: false), to: "CP-1", timeout: .seconds(1)) == nil)   // b's lease expired
    }
}
