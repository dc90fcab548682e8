/// One Server-Sent Event as the WHATWG HTML standard frames it (§9.2 "Server-sent events"):
/// optional `id:` and `event:` lines, one `data:` line per line of `data`, a blank line.
/// Line breaks (CR, LF, CRLF) in `data` become separate `data:` lines, so the client
/// rebuilds the text exactly; `id` and `event` cannot hold a line break, so any CR or LF in
/// them is dropped rather than let a value forge a field. A NUL in `id` makes browsers ignore
/// the id; it is dropped too.
public struct ServerSentEvent: Sendable, Equatable {
    public var id: String?
    public var event: String?
    public var data: String

    public init(id: String? = nil, event: String? = nil, data: String) {
        self.id = id
        self.event = event
        self.data = data
    }

    /// The event's bytes on the wire.
    public var encoded: [UInt8] {
        var text = ""
        if let id { text += "id: " + Self.singleLine(id).filter { $0 != "\0" } + "\n" }
        if let event { text += "event: " + Self.singleLine(event) + "\n" }
        // "\r\n" is one Character in Swift, so the three line endings are three separators.
        for line in data.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r" || $0 == "\r\n" }) {
            text += "data: " + line + "\n"
        }
        text += "\n"
        return Array(text.utf8)
    }

    /// A comment line (`: text`), which clients ignore: a heartbeat that keeps proxies and the
    /// client's own timeout from closing an idle stream.
    public static func comment(_ text: String) -> [UInt8] {
        Array((": " + singleLine(text) + "\n\n").utf8)
    }

    static func singleLine(_ text: String) -> String {
        String(text.unicodeScalars.filter { $0 != "\n" && $0 != "\r" })
    }
}
