import CPMS
import ServiceLog

/// `GET /metrics`: the event log's counters in the Prometheus text exposition format, so a
/// scraper can alert on a consumer falling behind (lag in events and in seconds) or on
/// ingestion waiting for the consumers (backpressure engaged).
enum EventLogMetrics {
    static func text(_ statistics: EventLog.Statistics?, commits: GroupCommitStatistics? = nil) -> String {
        var lines: [String] = []
        func metric(_ name: String, _ type: String, _ help: String, _ samples: [(labels: String, value: String)]) {
            lines.append("# HELP \(name) \(help)")
            lines.append("# TYPE \(name) \(type)")
            for sample in samples { lines.append("\(name)\(sample.labels) \(sample.value)") }
        }
        if let commits {
            metric("vigil_store_commits_total", "counter", "Group commits (transactions) of the store's hot writes.", [("", String(commits.batches))])
            metric("vigil_store_urgent_commits_total", "counter", "Commits of the fault loop's writes alone, ahead of the fleet's.",
                   [("", String(commits.urgentBatches))])
            metric("vigil_store_cut_commits_total", "counter", "Routine commits ended early because a fault loop's job waited.",
                   [("", String(commits.cutBatches))])
            metric("vigil_store_commit_writes_total", "counter", "Writes carried by those commits.", [("", String(commits.writes))])
            metric("vigil_store_commit_frames_total", "counter", "Raw OCPP frames carried by those commits.", [("", String(commits.frames))])
            metric("vigil_store_commit_seconds_total", "counter", "Time spent in those commits, the WAL sync included.",
                   [("", String(commits.busySeconds))])
            metric("vigil_store_index_pass_failures_total", "counter",
                   "Statements of the station-index passes that failed (undone alone; the next pass takes their rows).",
                   [("", String(commits.indexFailures))])
            metric("vigil_store_failed_commits_total", "counter",
                   "Group commit attempts that failed (the database unreachable or busy, a full disk); writes a failed BEGIN had not reached are tried again for up to 5 s.",
                   [("", String(commits.failedBatches))])
            if let checkpoints = commits.checkpoints {
                metric("vigil_store_checkpoints_total", "counter", "Checkpoints of the write-ahead log into the database file, off the writer's thread.",
                       [("", String(checkpoints.checkpoints))])
                metric("vigil_store_checkpoint_failures_total", "counter", "Checkpoints that failed (the log then grows until one succeeds).",
                       [("", String(checkpoints.failures))])
                metric("vigil_store_wal_restarts_total", "counter",
                       "Times the write-ahead log had grown past 64 MiB and was started over from its beginning.",
                       [("", String(checkpoints.restarts))])
                metric("vigil_store_wal_deferred_restarts_total", "counter",
                       "Restarts of the write-ahead log that gave up waiting for a reader and were tried again later.",
                       [("", String(checkpoints.deferredRestarts))])
                metric("vigil_store_checkpoint_seconds_total", "counter", "Time spent checkpointing, the database file's sync included.",
                       [("", String(checkpoints.busySeconds))])
                metric("vigil_store_wal_pages", "gauge", "Pages in the write-ahead log at the last checkpoint.", [("", String(checkpoints.logPages))])
            }
        }
        guard let statistics else { return lines.isEmpty ? "" : lines.joined(separator: "\n") + "\n" }
        metric("vigil_event_log_head", "gauge", "Sequence of the newest event in the durable event log.", [("", String(statistics.head))])
        metric("vigil_event_log_appended_total", "counter", "Events appended since start.", [("", String(statistics.appended))])
        metric("vigil_event_log_append_waits_total", "counter", "Appends that waited for a consumer to catch up (backpressure).",
               [("", String(statistics.waits))])
        metric("vigil_event_log_waiting_appends", "gauge", "Appends waiting for a consumer now.", [("", String(statistics.waitingAppends))])
        func labels(_ name: String) -> String { "{consumer=\"\(name)\"}" }
        metric("vigil_event_consumer_position", "gauge", "Every event at or below this sequence is done by the consumer.",
               statistics.consumers.map { (labels($0.name), String($0.position)) })
        metric("vigil_event_consumer_lag_events", "gauge", "Events waiting for the consumer.",
               statistics.consumers.map { (labels($0.name), String($0.lag)) })
        metric("vigil_event_consumer_lag_seconds", "gauge", "Age of the oldest event waiting for the consumer.",
               statistics.consumers.map { (labels($0.name), String($0.lagMilliseconds / 1_000)) })
        metric("vigil_event_consumer_taken_total", "counter", "Events handed to the consumer since start.",
               statistics.consumers.map { (labels($0.name), String($0.taken)) })
        return lines.joined(separator: "\n") + "\n"
    }
}
