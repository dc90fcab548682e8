import Foundation

/// The stored form of an event, written without Foundation's `JSONEncoder` (every event is
/// stored for replay, and the encoder cost more than evaluating the event). The same JSON the
/// `Codable` conformance reads back (with `storageDecoder`): sorted keys, absent values left
/// out, times as RFC 3339 UTC with milliseconds — the precision events are made with, so an
/// event read back from the log is the event the engine saw.
extension DomainEvent {
    public var storageJSON: String {
        // Written as UTF-8 bytes and made a string once: appending to a String pays its
        // bookkeeping (capacity, count, ASCII flag) on every piece, which cost more than the
        // store's insert of the event.
        var out = EventJSONBytes()
        out.raw("{")
        if let chargerTime { out.string("chargerTime", UTCTimestamp.format(chargerTime, milliseconds: true)) }
        out.number("connector", connector)
        out.number("evse", evse)
        out.key("fields")
        out.raw("{")
        var firstField = true
        for (name, value) in fields.sorted(by: { $0.key < $1.key }) {
            if !firstField { out.raw(",") }
            firstField = false
            out.quoted(name)
            out.raw(":")
            switch value {
            case .string(let text): out.quoted(text)
            case .bool(let value): out.raw(value ? "true" : "false")
            case .number(let value):
                if value.isFinite { out.text(value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)) }
                else { out.quoted(String(value)) }
            }
        }
        out.raw("}")
        out.string("firmware", firmware)
        out.string("id", id)
        out.string("kind", kind.rawValue)
        out.string("model", model)
        out.string("site", site)
        out.string("station", station)
        out.string("time", UTCTimestamp.format(time, milliseconds: true))
        out.string("vendor", vendor)
        out.raw("}")
        return out.string
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
}
