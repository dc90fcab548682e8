import CPMS
import Foundation
import Store

/// Opens the station store at `location` for a command. Commands that only read refuse a
/// missing database with a clear message rather than creating an empty one; those that write
/// (`serve`, `stations add`, `tokens add`) create it — a SQLite file and its folder, or Vigil's
/// tables in the PostgreSQL database — as needed. A PostgreSQL server that cannot be reached
/// fails in one line, without the URL's password.
func openStore(at location: StoreLocation, create: Bool) throws -> StationStore {
    switch location {
    case .sqlite(let path):
        if !create && !FileManager.default.fileExists(atPath: path) {
            throw CommandFailure(description: "no database at \(path); start `vigil serve --db \(path)` first or pass --db")
        }
        // A file without Vigil's tables (another program's, an empty one) is not migrated by a
        // command that only reads: that would write Vigil's tables into it.
        if !create, try !location.exists() {
            throw CommandFailure(description: "no Vigil database at \(path) (the file holds no Vigil tables); "
                                 + "start `vigil serve --db \(path)` with it first or pass --db")
        }
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            do { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) } catch {
                throw CommandFailure(description: "cannot create the database's folder \(directory) for \(path): "
                                     + "a part of that path is a file, or this user may not write there (\(error.localizedDescription))")
            }
        }
        do { return try StationStore(path: path) } catch {
            let writable = FileManager.default.isWritableFile(atPath: FileManager.default.fileExists(atPath: path) ? path : (directory.isEmpty ? "." : directory))
            throw CommandFailure(description: "cannot open the database \(path): \(error)"
                                 + (writable ? "" : " — this user may not write \(FileManager.default.fileExists(atPath: path) ? "the file" : "its folder") (check its owner and mode)"))
        }
    case .postgres:
        do {
            if !create, try !location.exists() {
                throw CommandFailure(description: "no Vigil database at \(location); start `vigil serve --db …` with it first or pass --db")
            }
            return try StationStore(location: location)
        } catch let error as PostgresError {
            throw CommandFailure(description: "cannot open the database: \(error)")
        }
    }
}

/// A command that cannot do its work, with the reason; printed as `vigil: …`, exit status 1.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String
}

/// Why a file cannot be read, in words for the message that names it: `no such file`, `a
/// directory, not a file`, `permission denied`.
func unreadableReason(_ path: String) -> String {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return "no such file" }
    if isDirectory.boolValue { return "a directory, not a file" }
    return FileManager.default.isReadableFile(atPath: path) ? "it could not be read" : "permission denied"
}
