import Store

/// Group commit for the store's hot writes: writes that arrive while the store is busy are
/// run together in one transaction — each in its own savepoint, so one that fails is undone
/// alone and its caller gets its error — and every caller resumes only after the COMMIT.
/// At low load a batch is a single write (no added wait); under load one commit, and one
/// sync of the WAL, serves many chargers' messages.
struct GroupCommit {
    struct Write {
        let run: () -> Void
        let finish: (_ commitError: Error?) -> Void
    }

    var pending: [Write] = []
    var isFlushScheduled = false
    /// Batches committed and writes they carried (for `vigil bench` and diagnostics).
    var batches = 0
    var writes = 0

    /// Takes the pending writes for a flush.
    mutating func take() -> [Write] {
        defer { pending = []; isFlushScheduled = false }
        return pending
    }
}

/// Holds one write's outcome between running it and the commit. Confined to the store actor.
final class WriteOutcome<T> {
    var result: Result<T, Error>?
}

extension StationStore {
    /// Runs `body` (which may use `database.transaction`) in the next group commit and
    /// returns its result once that commit is done.
    func committed<T: Sendable>(_ body: @escaping () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, Error>) in
            let outcome = WriteOutcome<T>()
            group.pending.append(GroupCommit.Write(
                run: { [database] in outcome.result = Result { try database.transaction(body) } },
                finish: { commitError in
                    if let commitError { return continuation.resume(throwing: commitError) }
                    continuation.resume(with: outcome.result ?? .failure(SQLiteError(code: 0, message: "write not run", sql: nil)))
                }))
            if !group.isFlushScheduled {
                group.isFlushScheduled = true
                Task { self.flushGroup() }
            }
        }
    }

    /// Commits every pending write in one transaction.
    func flushGroup() {
        let writes = group.take()
        guard !writes.isEmpty else { return }
        do {
            try database.execute("BEGIN IMMEDIATE")
            for write in writes { write.run() }
            try database.execute("COMMIT")
            group.batches += 1
            group.writes += writes.count
            for write in writes { write.finish(nil) }
        } catch {
            // The commit itself failed: none of these writes is durable.
            try? database.execute("ROLLBACK")
            for write in writes { write.finish(error) }
        }
    }

    /// Group commits so far: batches and the writes they carried.
    public var groupCommitStatistics: (batches: Int, writes: Int) { (group.batches, group.writes) }
}
