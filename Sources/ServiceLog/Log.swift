import Foundation

/// Line-oriented logger to standard error, as text or JSON lines. One call is one line: in
/// text, control characters in the message and the fields are escaped (`escapingControls`),
/// so a station id or client value with a newline cannot forge a line; JSON escapes them itself.
public struct Log: Sendable {
    /// How much a line matters; `minimum` drops the lines below it.
    public enum Level: Int, Comparable, Sendable {
        case debug, info, warning, error
        public static func < (a: Level, b: Level) -> Bool { a.rawValue < b.rawValue }
        public init?(name: String) {
            switch name.lowercased() {
            case "debug": self = .debug
            case "info": self = .info
            case "warning", "warn": self = .warning
            case "error": self = .error
            default: return nil
            }
        }
        public var name: String { ["debug", "info", "warning", "error"][rawValue] }
    }

    public var minimum: Level = .info
    public var json = false

    public init(minimum: Level = .info, json: Bool = false) {
        self.minimum = minimum
        self.json = json
    }

    public func callAsFunction(_ level: Level, _ message: String, _ fields: [String: String] = [:]) {
        guard level >= minimum else { return }
        let time = Date().ISO8601Format(.iso8601(timeZone: .gmt, includingFractionalSeconds: true))
        var line: String
        if json {
            var object: [String: String] = fields
            object["time"] = time
            object["level"] = level.name
            object["msg"] = message
            let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
            line = String(decoding: data, as: UTF8.self)
        } else {
            line = "\(time) \(level.name.uppercased()) \(message.escapingControls)"
            for key in fields.keys.sorted() { line += " \(key.escapingControls)=\(fields[key, default: ""].escapingControls)" }
        }
        writeWhole(Array((line + "\n").utf8), to: STDERR_FILENO)
    }
}

/// Where a module writes its log lines without knowing where they go: `Log.line` in `vigil`,
/// a recorder or nothing in tests.
public typealias LogLine = @Sendable (_ level: Log.Level, _ message: String, _ fields: [String: String]) -> Void

extension Log {
    /// This log as a `LogLine`.
    public var line: LogLine { { level, message, fields in self(level, message, fields) } }
}

/// Writes one line to standard output at once (no buffering), so scripts that wait for
/// "listening on" lines see them immediately.
public func printLine(_ text: String) {
    writeWhole(Array((text + "\n").utf8), to: STDOUT_FILENO)
}

/// Writes `text` to standard error as it is (a message for the person at the terminal, not a log line).
public func printError(_ text: String) {
    writeWhole(Array(text.utf8), to: STDERR_FILENO)
}

/// Writes `text` to standard output as it is (no newline added), like `printLine`.
public func printText(_ text: String) {
    writeWhole(Array(text.utf8), to: STDOUT_FILENO)
}

/// Writes all of `bytes` to `descriptor`, retrying short writes and interruptions. When the reader
/// went away (`vigil rules list | head`: EPIPE, SIGPIPE being ignored) or the write fails
/// otherwise, the line is dropped and the process goes on — Foundation's `FileHandle.write`
/// would crash on it instead, and a server must not stop because its log reader did.
func writeWhole(_ bytes: [UInt8], to descriptor: Int32) {
    var offset = 0
    while offset < bytes.count {
        let written = bytes.withUnsafeBytes { buffer in write(descriptor, buffer.baseAddress! + offset, buffer.count - offset) }
        if written > 0 { offset += written; continue }
        if written < 0 && errno == EINTR { continue }
        return
    }
}

/// `printLine` for a line that shows stored values (station ids, tokens, audit details, alert
/// titles): control characters are escaped so the value cannot break the line or forge another.
public func printStoredLine(_ text: String) {
    printLine(text.escapingControls)
}
