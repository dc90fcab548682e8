import DomainEvents
import Foundation

/// The authorisation checks, pure: each station's recent rejected authorisations, fed one at a
/// time in time order (`rejected(idTag:station:at:)`), give `authorizationBurst` when
/// `burstCount` fall within `burstWindow`, and `tokenProbing` when `probeRun` distinct
/// rejected id tokens within `probeWindow` are consecutive numbers. Bounded: rejections older
/// than the longer window are dropped, and at most `perStationLimit` are kept per station.
/// Held in memory by `FraudService`: a restart begins with empty windows.
public struct RejectionWindow: Sendable {
    public var thresholds: FraudThresholds
    /// The most rejections kept per station (the oldest go first).
    public static let perStationLimit = 1_000

    struct Rejection: Sendable {
        var idTag: String
        var at: Date
    }
    private var recent: [String: [Rejection]] = [:]
    /// When each station's last burst began, so one burst is one signal.
    private var burstStartedAt: [String: Date] = [:]

    public init(thresholds: FraudThresholds = FraudThresholds()) {
        self.thresholds = thresholds
    }

    /// Records a rejected authorisation and returns the signals it completes.
    public mutating func rejected(idTag: String, station: String, at time: Date) -> [FraudSignal] {
        let horizon = time.addingTimeInterval(-max(thresholds.burstWindow, thresholds.probeWindow))
        var list = (recent[station] ?? []).filter { $0.at > horizon }
        list.append(Rejection(idTag: idTag, at: time))
        if list.count > Self.perStationLimit { list.removeFirst(list.count - Self.perStationLimit) }
        recent[station] = list
        var found: [FraudSignal] = []

        let burst = list.filter { $0.at > time.addingTimeInterval(-thresholds.burstWindow) }
        if burst.count >= thresholds.burstCount, let first = burst.first,
           burstStartedAt[station].map({ time.timeIntervalSince($0) >= thresholds.burstWindow }) ?? true {
            burstStartedAt[station] = first.at
            let millis = Int((first.at.timeIntervalSince1970 * 1_000).rounded())
            found.append(FraudSignal(kind: .authorizationBurst, key: "authorizationBurst:\(station):\(millis)", station: station,
                                     idTag: idTag, time: time,
                                     detail: ["rejections": .number(Double(burst.count)), "windowSeconds": .number(thresholds.burstWindow),
                                              "firstAt": .string(UTCTimestamp.format(first.at, milliseconds: true)),
                                              "idTags": .string(Self.distinct(burst.map(\.idTag)).joined(separator: ","))]))
        }

        let probing = Self.distinct(list.filter { $0.at > time.addingTimeInterval(-thresholds.probeWindow) }.map(\.idTag))
        if let run = Self.consecutiveRun(containing: idTag, in: probing), run.count >= thresholds.probeRun {
            found.append(FraudSignal(kind: .tokenProbing, key: "tokenProbing:\(station):\(run[0])", station: station, idTag: idTag,
                                     time: time, detail: ["idTags": .string(run.joined(separator: ",")), "run": .number(Double(run.count)),
                                                          "windowSeconds": .number(thresholds.probeWindow)]))
        }
        return found
    }

    static func distinct(_ tags: [String]) -> [String] {
        var seen: Set<String> = []
        return tags.filter { seen.insert($0).inserted }
    }

    /// How an id token reads as a number: the same prefix and width, then the value. Two
    /// readings: the whole token as hexadecimal (at most 15 digits), and a text prefix followed
    /// by decimal digits (at most 18). Tokens are consecutive in a reading when their prefixes
    /// and widths match and their values differ by one.
    struct NumberReading: Hashable {
        var base: Int
        var prefix: String
        var width: Int
        var value: UInt64
    }

    static func readings(_ tag: String) -> [NumberReading] {
        var result: [NumberReading] = []
        if !tag.isEmpty, tag.count <= 15, tag.allSatisfy(\.isHexDigit), let value = UInt64(tag, radix: 16) {
            result.append(NumberReading(base: 16, prefix: "", width: tag.count, value: value))
        }
        let digits = tag.reversed().prefix { $0.isASCII && $0.isNumber }
        if !digits.isEmpty, digits.count <= 18, let value = UInt64(String(digits.reversed())) {
            result.append(NumberReading(base: 10, prefix: String(tag.dropLast(digits.count)), width: digits.count, value: value))
        }
        return result
    }

    /// The longest run of consecutive numbers among `tags` that includes `tag`, in ascending
    /// order, over either reading; nil when `tag` reads as no number.
    static func consecutiveRun(containing tag: String, in tags: [String]) -> [String]? {
        var best: [String]?
        for reading in readings(tag) {
            var byValue: [UInt64: String] = [:]
            for other in tags {
                for candidate in readings(other)
                where candidate.base == reading.base && candidate.prefix == reading.prefix && candidate.width == reading.width {
                    byValue[candidate.value] = other
                }
            }
            var low = reading.value, high = reading.value
            while low > 0, byValue[low - 1] != nil { low -= 1 }
            while high < UInt64.max, byValue[high + 1] != nil { high += 1 }
            let run = (low...high).compactMap { byValue[$0] }
            if run.count > (best?.count ?? 0) { best = run }
        }
        return best
    }
}
