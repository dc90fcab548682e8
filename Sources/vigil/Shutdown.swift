import Dispatch
import Foundation
import Glibc
import Transport

/// Runs servers until SIGTERM or SIGINT, then shuts them down gracefully.
enum Shutdown {
    static func runUntilSignalled(_ servers: [HTTPServer], log: Log) async {
        signal(SIGTERM, SIG_IGN)
        signal(SIGINT, SIG_IGN)
        let queue = DispatchQueue(label: "vigil.signals")
        let (signals, continuation) = AsyncStream.makeStream(of: Int32.self)
        let sources = [SIGTERM, SIGINT].map { number -> DispatchSourceSignal in
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { continuation.yield(number) }
            source.resume()
            return source
        }
        await withDiscardingTaskGroup { group in
            for server in servers { group.addTask { await server.run() } }
            group.addTask {
                var iterator = signals.makeAsyncIterator()
                if let number = await iterator.next() {
                    log(.info, "shutting down", ["signal": number == SIGTERM ? "SIGTERM" : "SIGINT"])
                    for server in servers { await server.shutdown() }
                }
            }
        }
        sources.forEach { $0.cancel() }
        continuation.finish()
    }
}
