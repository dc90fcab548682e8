import Foundation
import Testing
@testable import DomainEvents

/// The arithmetic RFC 3339 writer agrees with Foundation's formatter, and an event's
/// hand-written stored JSON reads back as the `Codable` form does.
@Suite struct UTCTimestampTests {
    static let dates: [Date] = {
        var generator = SystemRandomNumberGenerator()
        var dates = [Date(timeIntervalSince1970: 0), Date(timeIntervalSince1970: 951_782_400.999),   // 2000-02-29
                     Date(timeIntervalSince1970: -86_400.5), Date(timeIntervalSince1970: 4_102_444_799.9995)]
        for _ in 0..<500 { dates.append(Date(timeIntervalSince1970: Double.random(in: -2_000_000_000...4_000_000_000, using: &generator))) }
        return dates
    }()

    @Test func writesWhatFoundationWrites() {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let whole = ISO8601DateFormatter()
        for date in Self.dates {
            // Foundation rounds the fraction; the store truncates to the millisecond. Compare on whole milliseconds.
            let millis = Date(timeIntervalSince1970: (date.timeIntervalSince1970 * 1_000).rounded(.down) / 1_000 + 0.0001)
            #expect(UTCTimestamp.format(millis, milliseconds: true) == formatter.string(from: millis), "\(date.timeIntervalSince1970)")
            #expect(UTCTimestamp.format(date, milliseconds: false) == whole.string(from: Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down))))
        }
    }

    /// Times stored with milliseconds read back equal, bit for bit, to the time the event was
    /// made with: a replayed event is the event the engine saw.
    @Test func millisecondTimesReadBackExactly() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<20_000 {
            let date = Date(timeIntervalSince1970: Double.random(in: -2_000_000_000...4_000_000_000, using: &generator))
            let text = UTCTimestamp.format(date, milliseconds: true)
            #expect(UTCTimestamp.parse(text) == UTCTimestamp.millisecondPrecision(date), "\(text)")
            #expect(UTCTimestamp.format(UTCTimestamp.millisecondPrecision(date), milliseconds: true) == text)
        }
        #expect(UTCTimestamp.parse("2026-01-01T00:00:00Z") == Date(timeIntervalSince1970: 1_767_225_600))
        #expect(UTCTimestamp.parse("2024-02-29T23:59:59.999Z") == UTCTimestamp.millisecondPrecision(Date(timeIntervalSince1970: 1_709_251_199.999)))
        for bad in ["2026-13-01T00:00:00Z", "2026-01-01 00:00:00Z", "2026-01-01T00:00:00.5Z", "2026-01-01T00:00:00+01:00", ""] {
            #expect(UTCTimestamp.parse(bad) == nil, "\(bad)")
        }
    }

    @Test func storedJSONReadsBackAsTheEvent() throws {
        let event = DomainEvent(id: "e-1\n\"x\"", kind: .statusChanged, time: Date(timeIntervalSince1970: 1_767_225_600.75),
                                chargerTime: Date(timeIntervalSince1970: 1_767_225_599), station: "CP-1", connector: 2, evse: 2,
                                site: "north", vendor: "ABB", model: nil, firmware: "1.8\u{1}",
                                fields: ["to": .string("Faulted"), "energyWh": .number(12.5), "count": .number(3), "queuedOffline": .bool(false)])
        let read = try DomainEvent.decode(storageJSON: event.storageJSON)
        #expect(read == event)   // stored to the millisecond, the precision events are made with
        #expect(event.storageJSON.contains("\"time\":\"2026-01-01T00:00:00.750Z\""))
        // Event files written by Foundation's encoder (whole seconds) still read.
        let decoder = DomainEvent.storageDecoder()
        var whole = event
        whole.time = Date(timeIntervalSince1970: 1_767_225_600)
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys]
        #expect(try decoder.decode(DomainEvent.self, from: encoder.encode(whole)) == whole)
    }
}
