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

    @Test func storedJSONReadsBackAsTheEvent() throws {
        let event = DomainEvent(id: "e-1\n\"x\"", kind: .statusChanged, time: Date(timeIntervalSince1970: 1_767_225_600.75),
                                chargerTime: Date(timeIntervalSince1970: 1_767_225_599), station: "CP-1", connector: 2, evse: 2,
                                site: "north", vendor: "ABB", model: nil, firmware: "1.8\u{1}",
                                fields: ["to": .string("Faulted"), "energyWh": .number(12.5), "count": .number(3), "queuedOffline": .bool(false)])
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        let read = try decoder.decode(DomainEvent.self, from: Data(event.storageJSON.utf8))
        var expected = event
        expected.time = Date(timeIntervalSince1970: 1_767_225_600)   // stored to the second, as the encoder did
        #expect(read == expected)
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys]
        #expect(try decoder.decode(DomainEvent.self, from: encoder.encode(event)) == read)
    }
}
