import Foundation
import Glibc

/// SIGTERM and SIGINT as a stream, caught from the moment `install()` runs (serve calls it
/// first thing): a stop that arrives while the service is still starting — before or just
/// after it says "listening" — is kept and acted on once it runs, never lost. Before
/// `install()` the default action applies (the process ends at once, which is right for a
/// stop that early).
///
/// The handler only writes the signal's number to a pipe (`write` is async-signal-safe); a
/// thread of its own reads the pipe and yields into the stream.
enum StopSignals {
    /// The pipe's write end, for the handler. Set once, in `install()`, before the handler is
    /// installed, and never changed after: the handler only ever reads a fixed value.
    nonisolated(unsafe) private static var writeEnd: Int32 = -1
    private static let stream = AsyncStream.makeStream(of: Int32.self)
    private static let installed: Void = {
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0 else { return }
        writeEnd = ends[1]
        let readEnd = ends[0]
        let continuation = stream.continuation
        let reader = Thread {
            var number: Int32 = 0
            while read(readEnd, &number, MemoryLayout<Int32>.size) == MemoryLayout<Int32>.size {
                continuation.yield(number)
            }
        }
        reader.name = "vigil-signals"
        reader.start()
        for number in [SIGTERM, SIGINT] {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { number in
                var value = number
                _ = write(StopSignals.writeEnd, &value, MemoryLayout<Int32>.size)
            }
            sigemptyset(&action.sa_mask)
            action.sa_flags = SA_RESTART
            sigaction(number, &action, nil)
        }
    }()

    /// Starts catching the stop signals (once; later calls do nothing).
    static func install() {
        _ = installed
    }

    /// The stop signals caught since `install()`.
    static var signals: AsyncStream<Int32> {
        install()
        return stream.stream
    }
}
