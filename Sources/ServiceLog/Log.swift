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
        let time = Date().ISO8601Format(.iso8601(timeZone: .gmt, includingFractionalSeconds: true)) + "Z"   // the style leaves the zone out: UTC, said
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
    // One message, one line: a text without its newline ran into whatever was written next.
    writeWhole(Array((text.hasSuffix("\n") ? text : text + "\n").utf8), to: STDERR_FILENO)
}

/// Writes `text` to standard output as it is (no newline added), like `printLine`.
public func printText(_ text: String) {
    writeWhole(Array(text.utf8), to: STDOUT_FILENO)
}

/// The exit status when standard output's reader went away: 128 + SIGPIPE, what a shell
/// reports for `ls` killed by the signal in `ls | head -1`.
public let closedPipeStatus: Int32 = 141

/// Writes all of `bytes` to `descriptor`, retrying short writes and interruptions. SIGPIPE is
/// ignored (`main.swift`), so a reader that went away shows as EPIPE. On standard output
/// (`vigil audit query | head -1`) the process then ends at once, quietly, with status 141, as
/// coreutils do: nothing more can reach the reader, and a long listing should not run on for
/// nobody. Any other failure on standard output (a full disk under `vigil audit export > file`)
/// ends the process with status 1 and says so on standard error: output that was cut must not
/// pass for complete. On standard error a failed line is dropped and the process goes on — a
/// server must not stop because its log reader did. (Foundation's `FileHandle.write` would
/// crash on EPIPE instead.)
func writeWhole(_ bytes: [UInt8], to descriptor: Int32) {
    var offset = 0
    while offset < bytes.count {
        let written = bytes.withUnsafeBytes { buffer in write(descriptor, buffer.baseAddress! + offset, buffer.count - offset) }
        if written > 0 { offset += written; continue }
        if written < 0 && errno == EINTR { continue }
        guard descriptor == STDOUT_FILENO else { return }
        if written < 0 && errno == EPIPE { _exit(closedPipeStatus) }
        let problem = written < 0 ? String(cString: strerror(errno)) : "nothing written"
        writeWhole(Array("vigil: cannot write to standard output: \(problem)\n".utf8), to: STDERR_FILENO)
        _exit(1)
    }
}

/// `printLine` for a line that shows stored values (station ids, tokens, audit details, alert
/// titles): control characters are escaped so the value cannot break the line or forge another.
public func printStoredLine(_ text: String) {
    printLine(text.escapingControls)
}
