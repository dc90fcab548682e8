import Glibc

/// Opt-in trace of connection life-cycle events to standard error, for diagnosing stalls:
/// set `VIGIL_TRANSPORT_TRACE=1`. Off by default; one branch on a constant when disabled.
enum TransportTrace {
    static let isEnabled = getenv("VIGIL_TRANSPORT_TRACE") != nil

    static func log(_ message: @autoclosure () -> String) {
        guard isEnabled else { return }
        let line = Array("[transport] \(message())\n".utf8)
        _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    }
}
