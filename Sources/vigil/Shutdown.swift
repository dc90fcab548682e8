import Dispatch
import Foundation
import Glibc
import ServiceLog
import Transport

/// Runs servers (and background jobs, such as the offline sweep) until SIGTERM or SIGINT
/// (`StopSignals`: caught from when the command began, so a stop during start-up is not lost),
/// then cancels the jobs and shuts the servers down gracefully.
enum Shutdown {
    static func runUntilSignalled(_ servers: [HTTPServer], background: [@Sendable () async -> Void] = [], log: Log) async {
        let signals = StopSignals.signals
        await withDiscardingTaskGroup { group in
            for server in servers { group.addTask { await server.run() } }
            group.addTask {
                await withTaskGroup(of: Void.self) { jobs in
                    for job in background { jobs.addTask { await job() } }
                    jobs.addTask {
                        var iterator = signals.makeAsyncIterator()
                        if let number = await iterator.next() {
                            log(.info, "shutting down", ["signal": number == SIGTERM ? "SIGTERM" : "SIGINT"])
                        }
                    }
                    await jobs.next()   // the signal (background jobs run until cancelled)
                    jobs.cancelAll()
                    // The servers close now, not once every job has wound down: a webhook still
                    // in flight must not keep chargers connected (and the stop past systemd's timeout).
                    for server in servers { await server.shutdown() }
                }
            }
        }
    }
}
