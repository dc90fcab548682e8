import Foundation
import Testing
@testable import DomainEvents

/// An event's stored JSON byte for byte. It is what the audit trail cites as evidence, so the
/// writer (`EventJSONBytes`) must never change a byte: the expected strings below are what the
/// writer before it (String appends) produced for the same events, and its quoting is checked
/// against that writer's on random text.
@Suite struct StoredEventJSONTests {
    @Test func sortedKeysEscapesAndNumbersAsBefore() {
        let event = DomainEvent(id: "e-1\t\\", kind: .statusChanged, time: Date(timeIntervalSince1970: 1_767_225_600.75),
                                chargerTime: nil, station: "CP-\"ü\"", connector: nil, evse: 1,
                                site: "north", vendor: nil, model: "M\u{1F}", firmware: nil,
                                fields: ["to": .string("a\r\nb"), "energyWh": .number(12.5), "count": .number(3), "ok": .bool(true),
                                         "bad": .number(.infinity)])
        let expected = #"{"evse":1,"fields":{"bad":"inf","count":3,"energyWh":12.5,"ok":true,"to":"a\r\nb"},"id":"e-1\t\\","#
            + #""kind":"statusChanged","model":"M\u001f","site":"north","station":"CP-\"ü\"","time":"2026-01-01T00:00:00.750Z"}"#
        #expect(event.storageJSON == expected)
    }

    @Test func chargerTimeFirstEmptyAndOddFieldsAsBefore() {
        var event = DomainEvent(id: "e-2", kind: .booted, time: Date(timeIntervalSince1970: 1_767_225_600.75),
                                chargerTime: Date(timeIntervalSince1970: 1_767_225_599), station: "🔌-1", connector: 0, evse: nil,
                                site: nil, vendor: "Ä/\\u", model: nil, firmware: "v\u{0}\u{8}\u{7F}", fields: [:])
        let head = #"{"chargerTime":"2025-12-31T23:59:59.000Z","connector":0,"fields":{"#
        let tail = #"},"firmware":"v\u0000\u0008"# + "\u{7F}"
            + #"","id":"e-2","kind":"booted","station":"🔌-1","time":"2026-01-01T00:00:00.750Z","vendor":"Ä/\\u"}"#
        #expect(event.storageJSON == head + tail)
        event.fields = ["neg": .number(-7), "big": .number(1e15), "nan": .number(.nan), "off": .bool(false), "frac": .number(-0.25),
                        "": .string("")]
        #expect(event.storageJSON == head + #""":"","big":1000000000000000.0,"frac":-0.25,"nan":"nan","neg":-7,"off":false"# + tail)
    }

    @Test func quotingMatchesThePreviousWriterOnRandomText() {
        let alphabet: [Character] = ["a", "Z", "0", " ", "\"", "\\", "/", "\n", "\r", "\t", "\u{0}", "\u{1}", "\u{1F}", "\u{7F}",
                                     "é", "ß", "€", "🔌", "\u{2028}", "{", "}", ":"]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            let text = String((0..<Int.random(in: 0...24, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! })
            var bytes = EventJSONBytes()
            bytes.quoted(text)
            #expect(bytes.string == Self.previousQuoting(text), "\(text.debugDescription)")
        }
    }

    /// How strings were quoted before `EventJSONBytes` (per Unicode scalar, into a String).
    static func previousQuoting(_ text: String) -> String {
        var out = "\""
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
        return out + "\""
    }
}
