/// A Prometheus-style cumulative histogram of durations: fixed upper bounds in seconds, a count
/// per bucket, the sum and the count. A value type for a single owner (the store's writer keeps
/// one for its commits); `/metrics` prints its `buckets` as `_bucket{le="…"}` lines.
public struct LatencyHistogram: Sendable, Equatable {
    /// Upper bounds, in seconds, ascending; `+Inf` is implied.
    public let bounds: [Double]
    /// Observations at or below each bound (not cumulative), then above the last.
    public private(set) var counts: [Int]
    public private(set) var sum: Double = 0
    public private(set) var count: Int = 0

    /// From 0.5 ms to 2.5 s: a group commit is normally a few milliseconds; a slow disk shows
    /// in the upper buckets.
    public static let commitBounds: [Double] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]

    public init(bounds: [Double] = LatencyHistogram.commitBounds) {
        self.bounds = bounds
        counts = Array(repeating: 0, count: bounds.count + 1)
    }

    public mutating func observe(seconds: Double) {
        let index = bounds.firstIndex { seconds <= $0 } ?? bounds.count
        counts[index] += 1
        sum += seconds
        count += 1
    }

    /// Cumulative counts per upper bound, `+Inf` last, as Prometheus wants them.
    public var buckets: [(bound: String, count: Int)] {
        var running = 0
        var result: [(String, Int)] = []
        for (index, bound) in bounds.enumerated() {
            running += counts[index]
            result.append((Self.format(bound), running))
        }
        result.append(("+Inf", count))
        return result
    }

    static func format(_ bound: Double) -> String {
        var text = String(bound)
        if text.hasSuffix(".0") { text.removeLast(2) }
        return text
    }
}
