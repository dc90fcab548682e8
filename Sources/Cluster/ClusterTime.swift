import Foundation

/// The cluster's times: milliseconds since 1970 on the node's clock (what the lease, role and
/// request tables store), and durations in the same unit.
public enum ClusterTime {
    /// Now, by the system clock: the default clock of the leases, the role and the requests.
    @Sendable public static func now() -> Int { Int((Date().timeIntervalSince1970 * 1_000).rounded(.down)) }
}

extension Duration {
    /// Whole milliseconds (rounded down).
    var milliseconds: Int { Int(components.seconds) * 1_000 + Int(components.attoseconds / 1_000_000_000_000_000) }
}
