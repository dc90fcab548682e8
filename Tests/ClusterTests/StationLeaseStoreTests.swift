import CPMS
import Cluster
import Store
import StoreTesting
import Testing

/// The lease table's rules on both engines: a takeover bumps the epoch and names the previous
/// holder; only the holder at its epoch releases; a released lease keeps its epoch; renewal
/// extends only the node's own leases; expired and released leases are nobody's.
@Suite struct StationLeaseStoreTests {
    @Test(arguments: TestEngine.all) func takeoverBumpsTheEpochAndOnlyTheHolderReleases(engine: TestEngine) async throws {
        let test = try TestDatabase(engine, name: "leases")
        defer { test.remove() }
        let leases = StationLeaseStore(host: try StationStore(location: test.location))

        let first = try await leases.take("CP-1", node: "a", now: 1_000, ttlMilliseconds: 30_000)
        #expect(first == .init(epoch: 1, previous: nil))
        let second = try await leases.take("CP-1", node: "b", now: 2_000, ttlMilliseconds: 30_000)
        #expect(second.epoch == 2)
        #expect(second.previous == .init(station: "CP-1", node: "a", epoch: 1, expiresAt: 31_000))
        #expect(try await leases.release("CP-1", node: "a", epoch: 1) == false)   // a lost it
        #expect(try await leases.lease(of: "CP-1")?.node == "b")
        #expect(try await leases.release("CP-1", node: "b", epoch: 1) == false)   // not b's epoch
        #expect(try await leases.release("CP-1", node: "b", epoch: 2))
        #expect(try await leases.lease(of: "CP-1") == nil)
        // Released, the epoch stays: the next holder's is higher than any earlier one.
        #expect(try await leases.take("CP-1", node: "a", now: 3_000, ttlMilliseconds: 30_000) == .init(epoch: 3, previous: nil))
    }

    @Test(arguments: TestEngine.all) func renewalExtendsOnlyTheNodesOwnLeases(engine: TestEngine) async throws {
        let test = try TestDatabase(engine, name: "leaserenew")
        defer { test.remove() }
        let leases = StationLeaseStore(host: try StationStore(location: test.location))
        _ = try await leases.take("CP-1", node: "a", now: 0, ttlMilliseconds: 30_000)
        _ = try await leases.take("CP-2", node: "a", now: 0, ttlMilliseconds: 30_000)
        _ = try await leases.take("CP-3", node: "b", now: 0, ttlMilliseconds: 30_000)

        #expect(try await leases.renew(node: "a", now: 20_000, ttlMilliseconds: 30_000) == ["CP-1": 1, "CP-2": 1])
        #expect(try await leases.lease(of: "CP-1")?.expiresAt == 50_000)
        #expect(try await leases.lease(of: "CP-3")?.expiresAt == 30_000)
        // At 40 s b's lease has expired: it no longer counts as served elsewhere.
        #expect(try await leases.leasedElsewhere(than: "a", now: 29_000) == ["CP-3"])
        #expect(try await leases.leasedElsewhere(than: "a", now: 40_000) == [])
        #expect(try await leases.leasedElsewhere(than: "b", now: 40_000) == ["CP-1", "CP-2"])
        #expect(try await leases.liveLeaseCounts(now: 29_000) == ["a": 2, "b": 1])

        #expect(try await leases.releaseAll(node: "a") == 2)
        #expect(try await leases.renew(node: "a", now: 41_000, ttlMilliseconds: 30_000) == [:])
        #expect(try await leases.leasedElsewhere(than: "b", now: 41_000) == [])
    }

    @Test(arguments: TestEngine.all) func theSchemaIsNamedOnPostgreSQLOnly(engine: TestEngine) async throws {
        let test = try TestDatabase(engine, name: "leaseschema")
        defer { test.remove() }
        let schema = try await StationLeaseStore(host: try StationStore(location: test.location)).currentSchema()
        if engine == .postgresql { #expect(schema?.hasPrefix("t_leaseschema") == true) } else { #expect(schema == nil) }
    }
}
