import Foundation
import Store
import StoreTesting
import Synchronization
import Testing

/// LISTEN on a connection of its own: notifications arrive in order, and a connection the server
/// ends is made again — `connected` runs again, so the owner re-reads what it may have missed —
/// and notifications flow once more.
@Suite(.enabled(if: TestEngine.all.contains(.postgresql), "PostgreSQL only: set VIGIL_TEST_POSTGRES_URL (scripts/postgres-scratch run swift test)"))
struct PostgresListenerTests {
    final class Received: Sendable {
        let payloads = Mutex<[String]>([])
        let connections = Mutex(0)
        let failures = Mutex<[String]>([])
        var count: Int { payloads.withLock { $0.count } }
    }

    /// Polls `condition` every 20 ms for up to `seconds`.
    func eventually(_ seconds: Double = 10, _ condition: () -> Bool) async -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return condition()
    }

    @Test func notificationsArriveAndTheListenerComesBackAfterTheServerEndsIt() async throws {
        guard case .postgres(let location) = try TestDatabase(.postgresql, name: "listen").location else { throw TestDatabaseError.noPostgres }
        let received = Received()
        let channel = "vigil_test_" + UUID().uuidString.prefix(8).lowercased()
        let listener = PostgresListener(location: location, channels: [channel],
                                        connected: { received.connections.withLock { $0 += 1 } },
                                        failed: { reason in received.failures.withLock { $0.append(reason) } },
                                        deliver: { notification in
                                            guard notification.channel == channel else { return }
                                            received.payloads.withLock { $0.append(notification.payload) }
                                        })
        listener.start()
        defer { listener.stop() }
        #expect(await eventually { received.connections.withLock { $0 } == 1 })

        let sender = try PostgresDatabase(location: location)
        for number in 1...3 { _ = try sender.rows("SELECT pg_notify(?, ?)", channel, "n\(number)") }
        // A notification sent inside a transaction goes out at its commit, and not at all on a rollback.
        try sender.transaction { _ = try sender.rows("SELECT pg_notify(?, ?)", channel, "committed") }
        try? sender.transaction {
            _ = try sender.rows("SELECT pg_notify(?, ?)", channel, "rolled back")
            throw CancellationError()
        }
        #expect(await eventually { received.count == 4 })
        #expect(received.payloads.withLock { $0 } == ["n1", "n2", "n3", "committed"])

        // The server ends the listener's session: it reconnects, LISTENs again, and hears what comes next.
        _ = try sender.rows("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'vigil-listen' AND pid <> pg_backend_pid()")
        #expect(await eventually { received.connections.withLock { $0 } >= 2 })
        #expect(!received.failures.withLock { $0 }.isEmpty)
        _ = try sender.rows("SELECT pg_notify(?, ?)", channel, "after")
        #expect(await eventually { received.payloads.withLock { $0.last } == "after" })

        listener.stop()
        #expect(await eventually(2) { listener.hasFinished })
    }
}
