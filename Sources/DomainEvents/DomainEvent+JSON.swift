import Foundation

/// The stored form of an event, written without Foundation's `JSONEncoder` (every event is
/// stored for replay, and the encoder cost more than evaluating the event). The same JSON the
/// `Codable` conformance reads back (with `storageDecoder`): sorted keys, absent values left
/// out, times as RFC 3339 UTC with milliseconds — the precision events are made with, so an
/// event read back from the log is the event the engine saw.
extension DomainEvent {
    public var storageJSON: String {
        var out = "{"
        out.reserveCapacity(320)   // an event's JSON is ≈ 150–300 bytes: one allocation, not five
        var first = true
        func key(_ name: String) {
            if !first { out += "," }
            first = false
            out += "\"" + name + "\":"
        }
        func string(_ name: String, _ value: String?) {
            guard let value else { return }
            key(name)
            Self.appendQuoted(value, to: &out)
        }
        func number(_ name: String, _ value: Int?) {
            guard let value else { return }
            key(name)
            out += String(value)
        }
        // Keys in sorted order, as the encoder with .sortedKeys writes them.
        if let chargerTime { string("chargerTime", UTCTimestamp.format(chargerTime, milliseconds: true)) }
        number("connector", connector)
        number("evse", evse)
        key("fields")
        out += "{"
        var firstField = true
        for name in fields.keys.sorted() {
            if !firstField { out += "," }
            firstField = false
            Self.appendQuoted(name, to: &out)
            out += ":"
            switch fields[name]! {
            case .string(let text): Self.appendQuoted(text, to: &out)
            case .bool(let value): out += value ? "true" : "false"
            case .number(let value):
                if value.isFinite { out += value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value) }
                else { Self.appendQuoted(String(value), to: &out) }
            }
        }
        out += "}"
        string("firmware", firmware)
        string("id", id)
        string("kind", kind.rawValue)
        string("model", model)
        string("site", site)
        string("station", station)
        string("time", UTCTimestamp.format(time, milliseconds: true))
        string("vendor", vendor)
        out += "}"
        return out
    }

    /// Reads what `storageJSON` wrote (and event files with whole-second times).
    public static func decode(storageJSON json: String) throws -> DomainEvent {
        try storageDecoder().decode(DomainEvent.self, from: Data(json.utf8))
    }

    /// A decoder for stored events and event files: RFC 3339 times with or without a fraction.
    public static func storageDecoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let text = try decoder.singleValueContainer().decode(String.self)
            if let date = UTCTimestamp.parse(text) { return date }
            if let date = try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text) { return date }
            if let date = try? Date.ISO8601FormatStyle().parse(text) { return date }
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not an RFC 3339 time: \(text)"))
        }
        return decoder
    }

    /// `date` to the millisecond, the precision events are made and stored with (exactly what
    /// reading the stored event gives back).
    public static func storagePrecision(_ date: Date) -> Date {
        UTCTimestamp.millisecondPrecision(date)
    }

    static func appendQuoted(_ text: String, to out: inout String) {
        out += "\""
        // Almost every value needs no escaping: append it whole.
        if !text.utf8.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C }) {
            out += text
            out += "\""
            return
        }
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}
