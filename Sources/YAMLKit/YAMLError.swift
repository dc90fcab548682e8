import Foundation

/// A YAML file that could not be read or parsed, pointing at `file:line:col`.
public struct YAMLError: Error, Equatable, Sendable, CustomStringConvertible {
    public var mark: YAMLMark
    public var problem: String

    public init(mark: YAMLMark, problem: String) {
        self.mark = mark
        self.problem = problem
    }

    public var description: String { "\(mark): \(problem)" }
}

extension YAMLError {
    /// A directory of YAML files (`what`: "rules", "vendor catalogue") that cannot be listed,
    /// with why in words: missing (then `hint`, where to find it), a file, no permission.
    public static func unreadableDirectory(_ directory: String, what: String, hint: String, error: any Error) -> YAMLError {
        var isDirectory: ObjCBool = false
        let why: String
        if !FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) {
            why = "no such directory (\(hint))"
        } else if !isDirectory.boolValue {
            why = "it is a file, not a directory of \(what) files"
        } else if !FileManager.default.isReadableFile(atPath: directory) {
            why = "permission denied"
        } else {
            why = error.localizedDescription
        }
        return YAMLError(mark: YAMLMark(file: directory, line: 0, column: 0), problem: "cannot read the \(what) directory: \(why)")
    }
}
