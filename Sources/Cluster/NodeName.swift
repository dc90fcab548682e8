import Foundation

/// A node's name in the lease table and in the logs: what `--node-id` gives, else the host's
/// name and the OCPP port (the process id when the port is picked at start-up), so a node that
/// restarts on the same host and port is the same node and gives up its earlier run's leases.
public enum NodeName {
    /// Why `name` cannot name a node, or nil when it can: 1 to 64 of letters, digits, `.`, `_`,
    /// `:` and `-` (it travels in notifications separated by spaces).
    public static func problem(with name: String) -> String? {
        if name.isEmpty { return "is empty" }
        if name.utf8.count > 64 { return "is longer than 64 characters" }
        let allowed: (Character) -> Bool = { $0.isASCII && ($0.isLetter || $0.isNumber || ".:_-".contains($0)) }
        if let bad = name.first(where: { !allowed($0) }) {
            return "contains \(String(bad).debugDescription): use letters, digits, '.', ':', '_' and '-'"
        }
        return nil
    }

    /// The default name: `host:port`, or `host:pid-N` when the port is 0 (picked at start-up).
    public static func standard(ocppPort: Int, host: String = ProcessInfo.processInfo.hostName,
                                processId: Int32 = ProcessInfo.processInfo.processIdentifier) -> String {
        let cleaned = String(host.map { $0.isASCII && ($0.isLetter || $0.isNumber || ".-_".contains($0)) ? $0 : "-" }.prefix(40))
        let base = cleaned.isEmpty ? "node" : cleaned
        return ocppPort == 0 ? "\(base):pid-\(processId)" : "\(base):\(ocppPort)"
    }
}
