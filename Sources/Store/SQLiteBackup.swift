import CSQLite
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Copies a SQLite database with SQLite's online backup API (`sqlite3_backup_init/step/finish`)
/// and puts such a copy back.
///
/// `copy` is consistent while another process writes: it copies every page in one step inside
/// one read transaction, which in WAL mode never blocks the writer (the writer's later commits
/// go to the WAL, and are not in the copy). Copying a few pages per step would let a busy
/// writer restart the copy after each commit, so it might never end. The copy's WAL grows for
/// as long as the copy takes. The output is one file (rollback journal, no `-wal`), created
/// mode 0600 and renamed into place only when complete, so a half-written backup never
/// carries the final name.
///
/// `restore` checks the backup (`PRAGMA integrity_check`, its schema version) before it
/// touches anything, refuses a database another process has open, and replaces the database
/// file by a rename after removing its stale `-wal` and `-shm`: a WAL left from the old
/// database would otherwise be replayed into the restored one.
///
/// Neither copies anything but the database: secrets kept beside it (the audit key) are the
/// caller's to back up, on purpose elsewhere.
public enum SQLiteBackup {
    /// What a copy or restore did.
    public struct Summary: Sendable, Equatable {
        public var pages: Int
        public var bytes: Int
        public var schemaVersion: Int
    }

    /// Writes a consistent copy of the database at `source` to `destination` (mode 0600).
    /// An existing `destination` is replaced only when `replacing`.
    public static func copy(from source: String, to destination: String, replacing: Bool = false) throws(BackupError) -> Summary {
        guard access(source, F_OK) == 0 else { throw .missing(path: source) }
        if !replacing && access(destination, F_OK) == 0 { throw .destinationExists(path: destination) }
        let sourceHandle = try connect(source, flags: SQLITE_OPEN_READWRITE)
        defer { sqlite3_close_v2(sourceHandle) }
        let schemaVersion = try userVersion(sourceHandle, path: source)
        let partial = destination + ".partial"
        let summary = try write(from: sourceHandle, sourcePath: source, to: partial, schemaVersion: schemaVersion)
        try moveIntoPlace(partial, destination)
        return summary
    }

    /// Puts the backup `backup` in place of the database at `destination`. It refuses, before
    /// changing anything: a `destination` another process holds open (a running `vigil serve`),
    /// even when `replacing`; an existing `destination` unless `replacing`; a backup that fails
    /// `PRAGMA integrity_check`, has no schema version or one above `supportedSchemaVersion`.
    /// An older schema version is accepted: the next start migrates it.
    public static func restore(from backup: String, to destination: String, supportedSchemaVersion: Int,
                               replacing: Bool) throws(BackupError) -> Summary {
        guard access(backup, F_OK) == 0 else { throw .missing(path: backup) }
        if let pid = holder(of: destination) { throw .inUse(path: destination, pid: pid) }
        if !replacing && access(destination, F_OK) == 0 { throw .destinationExists(path: destination) }
        let backupHandle = try connect(backup, flags: SQLITE_OPEN_READONLY)
        defer { sqlite3_close_v2(backupHandle) }
        let problems = try integrityProblems(backupHandle, path: backup)
        guard problems.isEmpty else { throw .integrityFailed(path: backup, problems: problems) }
        let version = try userVersion(backupHandle, path: backup)
        guard version > 0 else { throw .noSchemaVersion(path: backup) }
        guard version <= supportedSchemaVersion else {
            throw .schemaNewer(path: backup, found: version, supported: supportedSchemaVersion)
        }
        let partial = destination + ".restoring"
        unlink(partial)   // left by a restore that was interrupted; never a live database
        let summary = try write(from: backupHandle, sourcePath: backup, to: partial, schemaVersion: version)
        // Checked again right before the switch: the window for a serve starting meanwhile is
        // this short, not the whole copy.
        if let pid = holder(of: destination) {
            unlink(partial)
            throw .inUse(path: destination, pid: pid)
        }
        for suffix in ["-wal", "-shm", "-journal"] { unlink(destination + suffix) }
        try moveIntoPlace(partial, destination)
        return summary
    }

    /// Renames a complete copy over `destination` (atomic on one filesystem) and syncs the
    /// directory, so the name points at the whole copy even after a crash; the copy is removed
    /// when the rename fails.
    static func moveIntoPlace(_ partial: String, _ destination: String) throws(BackupError) {
        guard rename(partial, destination) == 0 else {
            let reason = lastError()
            unlink(partial)
            throw .io(path: destination, reason: "cannot rename \(partial) into place: \(reason)")
        }
        syncDirectory(of: destination)
    }

    /// Every line `PRAGMA integrity_check` reports for the database at `path` (at most 20);
    /// empty when it says "ok".
    public static func integrityProblems(of path: String) throws(BackupError) -> [String] {
        guard access(path, F_OK) == 0 else { throw .missing(path: path) }
        let handle = try connect(path, flags: SQLITE_OPEN_READONLY)
        defer { sqlite3_close_v2(handle) }
        return try integrityProblems(handle, path: path)
    }

    /// The process id of another process holding a POSIX lock on the database at `path` or on
    /// its `-shm` file — SQLite takes one for as long as a connection is open in WAL mode —
    /// or nil. Locks held by this process are not seen (POSIX locks never conflict within a
    /// process).
    public static func holder(of path: String) -> pid_t? {
        for file in [path, path + "-shm"] {
            let descriptor = open(file, O_RDONLY | O_CLOEXEC)
            guard descriptor >= 0 else { continue }
            defer { close(descriptor) }
            var probe = flock()
            probe.l_type = Int16(F_WRLCK)
            probe.l_whence = Int16(SEEK_SET)
            probe.l_start = 0
            probe.l_len = 0   // to the end and beyond: SQLite's locks sit past 1 GiB
            if fcntl(descriptor, F_GETLK, &probe) == 0 && probe.l_type != Int16(F_UNLCK) { return probe.l_pid }
        }
        return nil
    }

    // MARK: - Pieces

    /// Copies every page of `sourceHandle` into a new file at `path` (0600, created exclusively),
    /// leaves it in rollback-journal mode (one file), and syncs it to disk.
    private static func write(from sourceHandle: OpaquePointer, sourcePath: String, to path: String,
                              schemaVersion: Int) throws(BackupError) -> Summary {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw .io(path: path, reason: "cannot create: \(lastError())") }
        close(descriptor)
        var succeeded = false
        defer { if !succeeded { unlink(path) } }
        let target = try connect(path, flags: SQLITE_OPEN_READWRITE)
        defer { sqlite3_close_v2(target) }
        guard let backup = sqlite3_backup_init(target, "main", sourceHandle, "main") else {
            throw .sqlite(path: path, SQLiteError(target, code: sqlite3_errcode(target)))
        }
        var code: Int32
        repeat {
            code = sqlite3_backup_step(backup, -1)
            if code == SQLITE_BUSY || code == SQLITE_LOCKED { sqlite3_sleep(50) }
        } while code == SQLITE_OK || code == SQLITE_BUSY || code == SQLITE_LOCKED
        let pages = Int(sqlite3_backup_pagecount(backup))
        let finished = sqlite3_backup_finish(backup)
        guard code == SQLITE_DONE, finished == SQLITE_OK else {
            throw .sqlite(path: sourcePath, SQLiteError(target, code: code == SQLITE_DONE ? finished : code))
        }
        // The copy keeps the source's WAL flag in its header; one file is what a backup should be.
        try execute(target, "PRAGMA journal_mode = DELETE", path: path)
        let sync = open(path, O_RDONLY | O_CLOEXEC)
        if sync >= 0 { fsync(sync); close(sync) }
        var status = stat()
        let bytes = stat(path, &status) == 0 ? Int(status.st_size) : 0
        succeeded = true
        return Summary(pages: pages, bytes: bytes, schemaVersion: schemaVersion)
    }

    private static func connect(_ path: String, flags: Int32) throws(BackupError) -> OpaquePointer {
        var handle: OpaquePointer?
        let code = sqlite3_open_v2(path, &handle, flags | SQLITE_OPEN_NOMUTEX, nil)
        guard code == SQLITE_OK, let handle else {
            let error = SQLiteError(handle, code: code)
            sqlite3_close_v2(handle)
            throw .sqlite(path: path, error)
        }
        sqlite3_busy_timeout(handle, 5_000)
        return handle
    }

    private static func execute(_ handle: OpaquePointer, _ sql: String, path: String) throws(BackupError) {
        let code = sqlite3_exec(handle, sql, nil, nil, nil)
        guard code == SQLITE_OK else { throw .sqlite(path: path, SQLiteError(handle, code: code, sql: sql)) }
    }

    /// The rows of a one-column query, as text.
    private static func column(_ handle: OpaquePointer, _ sql: String, path: String) throws(BackupError) -> [String] {
        var statement: OpaquePointer?
        var code = sqlite3_prepare_v2(handle, sql, -1, &statement, nil)
        guard code == SQLITE_OK, let statement else {
            let error = SQLiteError(handle, code: code, sql: sql)
            throw error.code == SQLITE_NOTADB ? .notADatabase(path: path) : .sqlite(path: path, error)
        }
        defer { sqlite3_finalize(statement) }
        var values: [String] = []
        while true {
            code = sqlite3_step(statement)
            guard code == SQLITE_ROW else { break }
            values.append(sqlite3_column_text(statement, 0).map { String(cString: $0) } ?? "")
        }
        guard code == SQLITE_DONE else {
            let error = SQLiteError(handle, code: code, sql: sql)
            throw error.code == SQLITE_NOTADB ? .notADatabase(path: path) : .sqlite(path: path, error)
        }
        return values
    }

    private static func integrityProblems(_ handle: OpaquePointer, path: String) throws(BackupError) -> [String] {
        do {
            let lines = try column(handle, "PRAGMA integrity_check(20)", path: path)
            return lines == ["ok"] ? [] : lines
        } catch .sqlite(_, let error) where error.code & 0xFF == SQLITE_CORRUPT {
            return [error.message]   // damaged where the check itself must read (a table's root page)
        }
    }

    private static func userVersion(_ handle: OpaquePointer, path: String) throws(BackupError) -> Int {
        Int(try column(handle, "PRAGMA user_version", path: path).first ?? "0") ?? 0
    }

    private static func syncDirectory(of path: String) {
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
        let descriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if descriptor >= 0 { fsync(descriptor); close(descriptor) }
    }

    private static func lastError() -> String { String(cString: strerror(errno)) }
}

/// Why a backup or a restore did not happen; nothing was changed when one is thrown.
public enum BackupError: Error, Equatable, CustomStringConvertible {
    case missing(path: String)
    case destinationExists(path: String)
    case inUse(path: String, pid: pid_t)
    case notADatabase(path: String)
    case integrityFailed(path: String, problems: [String])
    case noSchemaVersion(path: String)
    case schemaNewer(path: String, found: Int, supported: Int)
    case sqlite(path: String, SQLiteError)
    case io(path: String, reason: String)

    public var description: String {
        switch self {
        case .missing(let path):
            return "no database at \(path)"
        case .destinationExists(let path):
            return "\(path) exists; pass --force to replace it"
        case .inUse(let path, let pid):
            return "\(path) is open in another process (pid \(pid), a running vigil serve?); stop it first"
        case .notADatabase(let path):
            return "\(path) is not a SQLite database"
        case .integrityFailed(let path, let problems):
            return "\(path) fails the integrity check: \(problems.joined(separator: "; "))"
        case .noSchemaVersion(let path):
            return "\(path) has no schema version: not a Vigil database"
        case .schemaNewer(let path, let found, let supported):
            return "\(path) has schema version \(found), newer than the \(supported) this vigil supports; restore it with the vigil that wrote it"
        case .sqlite(let path, let error):
            return "\(path): \(error)"
        case .io(let path, let reason):
            return "\(path): \(reason)"
        }
    }
}
