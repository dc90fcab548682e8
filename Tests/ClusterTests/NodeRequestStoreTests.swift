import Digests
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
        #expect(try await requests.claim(node: "b", now: 2_500) == [.init(id: first, station: "CP-1", request: "{}", origin: "a")])
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
                                    sealing: Self.box("k"), clock: clock)
        #expect(await requests.send(.reset(hard: false), to: "CP-1", timeout: .seconds(1)) == nil)   // no lease
        _ = try await leases.take("CP-1", node: "a", now: 100_000, ttlMilliseconds: 30_000)
        #expect(await requests.send(.reset(hard: false), to: "CP-1", timeout: .seconds(1)) == nil)   // this node's own
        _ = try await leases.take("CP-1", node: "b", now: 10_000, ttlMilliseconds: 30_000)
        #expect(await requests.send(.reset(hard: false), to: "CP-1", timeout: .seconds(1)) == nil)   // b's lease expired
    }
    static func box(_ key: String) -> SecretBox { SecretBox(sharedKey: Array(key.utf8), purpose: NodeRequests.sealingPurpose) }

    /// A command the serving node never takes (it died with its lease still live) is not sent:
    /// it fails saying so — not "timed out", which reads as "sent, maybe acted on".
    @Test func aCommandTheServingNodeNeverTakesFailsAsNotSent() async throws {
        let test = try TestDatabase(.sqlite, name: "untaken")
        defer { test.remove() }
        let store = try StationStore(location: test.location)
        _ = try await StationLeaseStore(host: store).take("CP-1", node: "dead", now: ClusterTime.now(), ttlMilliseconds: 60_000)
        let requests = NodeRequests(node: "a", host: store, local: CommandService(connections: ConnectionRegistry()), log: { _, _, _ in },
                                    sealing: Self.box("k"))
        guard case .failed(let reason)? = await requests.send(.reset(hard: false), to: "CP-1", timeout: .milliseconds(300)) else {
            Issue.record("not failed")
            return
        }
        #expect(reason.hasPrefix("node dead, which holds the station's lease, did not take the command within") && reason.contains("not sent"))
    }

    /// A secret setting handed to the node serving the station is never stored in clear: the
    /// request and the answer are sealed; the target opens the request and answers (here: not
    /// connected, it has no connection) — and a node with another key cannot open it and says so.
    @Test(arguments: TestEngine.all) func aRequestToAnotherNodeIsStoredSealed(engine: TestEngine) async throws {
        let test = try TestDatabase(engine, name: "sealed")
        defer { test.remove() }
        let store = try StationStore(location: test.location)
        let leases = StationLeaseStore(host: store)
        _ = try await leases.take("CP-1", node: "b", now: ClusterTime.now(), ttlMilliseconds: 60_000)
        func node(_ name: String, key: String) -> NodeRequests {
            NodeRequests(node: name, host: store, local: CommandService(connections: ConnectionRegistry()), log: { _, _, _ in }, sealing: Self.box(key))
        }
        let a = node("a", key: "shared"), b = node("b", key: "shared"), stranger = node("b", key: "other")
        for (target, expected) in [(b, CommandOutcome.notConnected), (stranger, nil)] {
            let sent = Task { await a.send(.changeConfiguration(key: "AuthorizationKey", value: "SECRET-0123456789"), to: "CP-1", timeout: .seconds(5)) }
            var stored: [String] = []
            for _ in 0..<100 {
                stored = try await store.withDatabase(schema: ClusterSchema.track) { database in
                    try database.rows("SELECT request FROM node_requests WHERE state = 'pending'").compactMap { $0.first?.text }
                }
                if !stored.isEmpty { break }
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(stored.count == 1 && stored.allSatisfy { SecretBox.isSealed($0) && !$0.contains("SECRET") })
            await target.drain()
            let outcome = await sent.value
            if let expected {
                #expect(outcome == expected)
            } else if case .failed(let reason)? = outcome {
                #expect(reason.contains("another key"), "\(reason)")
            } else {
                Issue.record("\(String(describing: outcome))")
            }
        }
        let everything = try await store.withDatabase(schema: ClusterSchema.track) { database in
            try database.rows("SELECT request, coalesce(answer, '') FROM node_requests").flatMap { $0.compactMap(\.text) }
        }
        #expect(!everything.contains { $0.contains("SECRET") })
        // A taken request's text is gone: only the marker stays for the day rows are kept.
        #expect(everything.filter { $0 == NodeRequestStore.takenRequest }.count == 2)
    }

    @Test func aSealedTextOpensOnlyUnderItsKeyInItsContextAndUnchanged() throws {
        let box = Self.box("shared")
        let sealed = try #require(box.seal("AuthorizationKey=abc", context: "row 1"))
        #expect(SecretBox.isSealed(sealed) && box.open(sealed, context: "row 1") == "AuthorizationKey=abc")
        #expect(box.seal("AuthorizationKey=abc", context: "row 1") != sealed)   // a fresh nonce each time
        #expect(Self.box("other").open(sealed, context: "row 1") == nil)
        #expect(box.open(sealed, context: "row 2") == nil)   // moved to another row
        var tampered = Array(sealed.utf8)
        tampered[tampered.count - 40] = tampered[tampered.count - 40] == UInt8(ascii: "0") ? UInt8(ascii: "1") : UInt8(ascii: "0")
        #expect(box.open(String(decoding: tampered, as: UTF8.self), context: "row 1") == nil)
        #expect(box.open("sealed-v1:zz", context: "row 1") == nil && box.open("plain", context: "row 1") == nil)
    }
}
