import Audit
import CPMS
import Foundation
import RuleEngine
import ServiceLog

/// Appends to the audit trail on behalf of the running service: entries go to the store in
/// order with the chain kept linear by the store's single writer; checkpoints are signed with
/// the configured key every `AuditChain.Cadence.standard.entries` entries (by the store), within
/// `seconds` of any entry (`run`), and at shutdown (`checkpoint`), and each is copied to the
/// anchor file when one is configured. A failure to write is logged loudly and never stops the service.
public struct Auditor: Sendable {
    public let store: StationStore
    public let key: [UInt8]?
    public let anchor: AuditAnchorWriter?
    let clock: @Sendable () -> Date
    let log: RuleRunner.Logger

    public init(store: StationStore, key: [UInt8]?, anchor: AuditAnchorWriter? = nil, clock: @escaping @Sendable () -> Date = { Date() },
                log: @escaping RuleRunner.Logger) {
        self.store = store
        self.key = key
        self.anchor = anchor
        self.clock = clock
        self.log = log
    }

    public func record(_ records: [AuditRecord]) async {
        guard !records.isEmpty else { return }
        do { try await AuditStore(host: store).appendAudit(records, key: key, now: RuleRunner.timestamp(clock())) } catch {
            log(.error, "cannot write the audit trail", ["error": "\(error)", "entries": String(records.count)])
        }
        await anchorNewCheckpoints()
    }

    public func record(_ entry: AuditRecord) async { await record([entry]) }

    /// The key and time for entries a write appends in its own transaction
    /// (`DecisionStore.appendDecisions(…, audit:)`, `CommandStore.insertCommand(…, audit:entry:)`); call
    /// `written()` after that write.
    public func signing() -> AuditSigning {
        AuditSigning(key: key, now: RuleRunner.timestamp(clock()))
    }

    /// After a write that carried audit entries: copies any checkpoint it signed to the anchor.
    public func written() async {
        await anchorNewCheckpoints()
    }

    /// Signs a checkpoint at the newest entry unless one covers it already (at shutdown, on the
    /// timer, after a CLI command).
    public func checkpoint() async {
        guard let key else { return }
        do { try await AuditStore(host: store).checkpointAudit(key: key, now: RuleRunner.timestamp(clock())) } catch {
            log(.error, "cannot sign an audit checkpoint", ["error": "\(error)"])
        }
        await anchorNewCheckpoints()
    }

    /// The time half of the cadence: every `interval` (serve passes the cadence's seconds),
    /// signs the head if entries were written since the last checkpoint. Runs until cancelled.
    public func run(every interval: Duration) async {
        while !Task.isCancelled {
            try? await Task.sleep(for: interval)
            if Task.isCancelled { break }
            await checkpoint()
        }
    }

    func anchorNewCheckpoints() async {
        guard let anchor else { return }
        do { try await anchor.catchUp(from: store) } catch {
            log(.error, "cannot write the audit anchor", ["error": "\(error)", "path": anchor.path])
        }
    }
}

/// Appends each checkpoint, once, to the anchor file (`AuditAnchor`'s format), after it is
/// committed to the database: on first use it reads the file's last number and copies every
/// newer checkpoint, so one lost to a crash between commit and append is written next time.
/// The file is opened for appending and synced after each write; it is never rewritten.
public actor AuditAnchorWriter {
    public nonisolated let path: String
    private var lastSequence: Int?

    public init(path: String) {
        self.path = path
    }

    /// Why the anchor at `path` cannot be written, or nil when it can: its directory must
    /// exist and be writable, and the file, when there, be a regular file this process can
    /// append to. Checked before serve starts (and by `vigil config check`): an anchor that
    /// cannot be written protects nothing, and its first error came a minute into the run.
    public static func problem(path: String) -> String? {
        let directory = (path as NSString).deletingLastPathComponent.isEmpty ? "." : (path as NSString).deletingLastPathComponent
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            return "cannot write the audit anchor \(path): its directory \(directory) does not exist"
        }
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            if isDirectory.boolValue { return "cannot write the audit anchor \(path): it is a directory" }
            if !FileManager.default.isWritableFile(atPath: path) { return "cannot write the audit anchor \(path): the file is not writable" }
        } else if !FileManager.default.isWritableFile(atPath: directory) {
            return "cannot write the audit anchor \(path): its directory \(directory) is not writable"
        }
        return nil
    }

    /// Errors writing the anchor: the path, and what failed.
    public struct WriteError: Error, CustomStringConvertible {
        public var path: String
        public var problem: String
        public var description: String { "\(path): \(problem)" }
    }

    /// Appends every checkpoint in the store numbered after the file's last; returns how many.
    @discardableResult
    public func catchUp(from store: StationStore) async throws -> Int {
        let after = try lastAnchored()
        let fresh = try await AuditStore(host: store).auditCheckpoints(afterSequence: after)
        guard let newest = fresh.last else { return 0 }
        let text = fresh.map { AuditAnchor.line($0) }.joined(separator: "\n") + "\n"
        if !FileManager.default.fileExists(atPath: path) {
            guard FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o640]) else {
                throw WriteError(path: path, problem: "cannot create the file")
            }
        }
        guard let handle = FileHandle(forWritingAtPath: path) else { throw WriteError(path: path, problem: "cannot open it for writing") }
        defer { try? handle.close() }
        do {
            try handle.seekToEnd()
            try handle.write(contentsOf: Data(text.utf8))
            try handle.synchronize()
        } catch {
            throw WriteError(path: path, problem: "\(error)")
        }
        lastSequence = newest.sequence
        return fresh.count
    }

    private func lastAnchored() throws -> Int {
        if let lastSequence { return lastSequence }
        guard let data = FileManager.default.contents(atPath: path) else { return 0 }
        do {
            let last = try AuditAnchor.parse(String(decoding: data, as: UTF8.self)).last?.sequence ?? 0
            lastSequence = last
            return last
        } catch {
            throw WriteError(path: path, problem: "\(error)")
        }
    }
}
