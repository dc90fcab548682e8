import Store
import Testing

/// The commit-latency histogram counts each observation once, in the first bucket whose bound
/// holds it, and prints cumulative buckets ending with +Inf at the total count.
@Suite struct LatencyHistogramTests {
    @Test func bucketsAreCumulativeAndEndAtTheCount() {
        var histogram = LatencyHistogram(bounds: [0.001, 0.01, 1])
        for seconds in [0.0005, 0.001, 0.002, 0.5, 3] { histogram.observe(seconds: seconds) }
        #expect(histogram.buckets.map(\.bound) == ["0.001", "0.01", "1", "+Inf"])
        #expect(histogram.buckets.map(\.count) == [2, 3, 4, 5])
        #expect(histogram.count == 5 && abs(histogram.sum - 3.5035) < 1e-9)
        #expect(LatencyHistogram().buckets.first?.bound == "0.0005" && LatencyHistogram().buckets.last?.count == 0)
    }
}
