import Foundation

/// Simulated time: `speed` simulated seconds pass per real second, from `start`. Sleeps are
/// in simulated seconds; timestamps sent to the CSMS are simulated.
public struct SimClock: Sendable {
    public let speed: Double
    let realStart: ContinuousClock.Instant
    let start: Date

    public init(speed: Double, start: Date = Date()) {
        self.speed = max(0.01, speed)
        realStart = .now
        self.start = start
    }

    /// Simulated seconds since the start.
    public var elapsed: Double {
        let real = ContinuousClock.now - realStart
        return (Double(real.components.seconds) + Double(real.components.attoseconds) / 1e18) * speed
    }

    public var now: Date { start.addingTimeInterval(elapsed) }

    public func sleep(_ simulatedSeconds: Double) async throws {
        guard simulatedSeconds > 0 else { return }
        try await Task.sleep(for: .milliseconds(Int(simulatedSeconds / speed * 1_000)))
    }

    /// Sleeps until `elapsed` reaches `simulatedSecond`.
    public func sleep(until simulatedSecond: Double) async throws {
        try await sleep(simulatedSecond - elapsed)
    }

    public func timestamp(_ date: Date? = nil) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date ?? now)
    }
}
