import CPMS
import Foundation

/// Opens the station store at `path` for a command. Commands that only read refuse a missing
/// file with a clear message rather than creating an empty database; those that write
/// (`serve`, `stations add`, `tokens add`) create it, and its folder, as needed.
func openStore(at path: String, create: Bool) throws -> StationStore {
    if !create && !FileManager.default.fileExists(atPath: path) {
        throw CommandFailure(description: "no database at \(path); start `vigil serve --db \(path)` first or pass --db")
    }
    let directory = (path as NSString).deletingLastPathComponent
    if !directory.isEmpty { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
    return try StationStore(path: path)
}

/// A command that cannot do its work, with the reason; printed as `vigil: …`, exit status 1.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String
}
