import OCPP
import Transport

/// Simulated chargers for the benchmarks: connected in batches, booted, with their receive
/// loops running; `close()` ends them all.
struct BenchFleet {
    var connections: [OCPPConnection]
    var runners: [Task<Void, Never>]

    func close() async {
        await withTaskGroup(of: Void.self) { group in
            for connection in connections { group.addTask { await connection.socket.close() } }
        }
        for runner in runners { await runner.value }
    }

    /// Connects `ids` (at most 200 handshakes at once) and boots each (OCPP 1.6, "Bench"/"Sim").
    static func connect(_ ids: [String], url: String, options: WebSocketClient.Options,
                        handlers: [String: OCPPConnection.Handler] = [:]) async throws -> BenchFleet {
        var fleet = BenchFleet(connections: [], runners: [])
        for start in stride(from: 0, to: ids.count, by: 200) {
            let batch = ids[start..<min(ids.count, start + 200)]
            let opened = try await withThrowingTaskGroup(of: OCPPConnection.self) { group in
                for id in batch {
                    group.addTask {
                        let (socket, _) = try await WebSocketClient.connect(to: url + id, options: options)
                        return OCPPConnection(socket: socket, version: .v16, stationId: id, handlers: handlers)
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            for connection in opened {
                fleet.connections.append(connection)
                fleet.runners.append(Task { await connection.run() })
            }
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for connection in fleet.connections {
                group.addTask { _ = try await connection.call(V16.BootNotificationRequest(chargePointVendor: "Bench", chargePointModel: "Sim")) }
            }
            try await group.waitForAll()
        }
        return fleet
    }
}
