import Foundation

/// What the benchmarks read from a `vigil serve` child's `GET /metrics` about its group
/// commits: how many, how many writes each carried, and how many were the fault loop's own or
/// routine ones ended early for it — the cost side of faults-first (issue #15).
struct ServeCommitCounters {
    var commits = 0
    var writes = 0
    var urgent = 0
    var cut = 0
    var seconds = 0.0
    /// Commits (cumulative) at or below each bound of `vigil_store_commit_duration_seconds`.
    var durations: [(bound: String, count: Int)] = []

    init(metrics text: String) {
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: " ")
            guard parts.count == 2, let value = Double(parts[1]) else { continue }
            switch parts[0] {
            case "vigil_store_commits_total": commits = Int(value)
            case "vigil_store_commit_writes_total": writes = Int(value)
            case "vigil_store_urgent_commits_total": urgent = Int(value)
            case "vigil_store_cut_commits_total": cut = Int(value)
            case "vigil_store_commit_seconds_total": seconds = value
            case let name where name.hasPrefix("vigil_store_commit_duration_seconds_bucket{le=\""):
                durations.append((String(name.dropFirst(47).dropLast(2)), Int(value)))
            default: continue
            }
        }
    }

    /// What was counted after `earlier` (a reading of the same server): one phase's commits.
    func since(_ earlier: ServeCommitCounters) -> ServeCommitCounters {
        var phase = self
        phase.commits -= earlier.commits
        phase.writes -= earlier.writes
        phase.urgent -= earlier.urgent
        phase.cut -= earlier.cut
        phase.seconds -= earlier.seconds
        let before = Dictionary(earlier.durations.map { ($0.bound, $0.count) }, uniquingKeysWith: { first, _ in first })
        phase.durations = durations.map { ($0.bound, $0.count - (before[$0.bound] ?? 0)) }
        return phase
    }

    static func read(port: Int) async throws -> ServeCommitCounters {
        ServeCommitCounters(metrics: String(decoding: try await ServeHealth.get(path: "/metrics", port: port), as: UTF8.self))
    }

    /// One line for the printout: `store: N commits (W writes each, U urgent alone, C cut short), S s committing`.
    var summary: String {
        String(format: "store: %d commits (%.1f writes each; %d of urgent writes alone, %d routine cut short), %.2f s committing",
               commits, Double(writes) / Double(max(1, commits)), urgent, cut, seconds) + longest
    }

    /// `; N over 10 ms, N over 25 ms …` from the duration histogram (the bounds from 10 ms up).
    private var longest: String {
        let total = durations.last?.count ?? 0
        let over = durations.dropLast().compactMap { bucket -> String? in
            guard let bound = Double(bucket.bound), bound >= 0.01, total - bucket.count > 0 else { return nil }
            return "\(total - bucket.count) over \(Int(bound * 1_000)) ms"
        }
        return over.isEmpty ? "" : "; " + over.joined(separator: ", ")
    }
}
