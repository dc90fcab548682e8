/// Deviations from the schemas that a decoder may tolerate, for stations whose firmware is
/// known to get them wrong. The default is none: everything a station sends must match the
/// official schema. Whatever is tolerated is recorded in `OCPPDecoder.applied`, so it can be
/// logged and reported to the vendor rather than silently accepted.
///
/// Date-times are the one place where the strict decoder is already liberal: any RFC 3339
/// form (with or without fractional seconds, `Z` or a numeric offset) is accepted, because
/// the schemas' `date-time` format allows all of them.
public struct OCPPLeniency: OptionSet, Sendable, Hashable, CustomStringConvertible {
    public let rawValue: UInt8

    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// Accept a JSON string holding a number (`"12"`) where the schema wants an integer or a
    /// number. The string must be a complete JSON number literal, without spaces.
    public static let numbersAsStrings = OCPPLeniency(rawValue: 1 << 0)
    /// Accept an enum value that differs from a valid one only in letter case (`"accepted"`).
    public static let caseInsensitiveEnums = OCPPLeniency(rawValue: 1 << 1)
    /// Accept a date-time without a zone offset (`2024-05-01T12:00:00`) and read it as UTC.
    public static let missingTimeZone = OCPPLeniency(rawValue: 1 << 2)
    /// Drop properties the schema does not define, instead of rejecting the payload, where
    /// the schema says `additionalProperties: false`. Dropped values are not re-encoded.
    public static let unknownProperties = OCPPLeniency(rawValue: 1 << 3)

    /// Accept a string longer than the schema's `maxLength` (serial numbers and model names
    /// beyond 20 or 25 characters are common). The value is kept whole; storage does not
    /// truncate it.
    public static let overlongStrings = OCPPLeniency(rawValue: 1 << 4)

    /// Every option with the name vendor quirk profiles use for it.
    public static let named: [(OCPPLeniency, String)] = [
        (.numbersAsStrings, "numbersAsStrings"), (.caseInsensitiveEnums, "caseInsensitiveEnums"),
        (.missingTimeZone, "missingTimeZone"), (.unknownProperties, "unknownProperties"), (.overlongStrings, "overlongStrings"),
    ]

    /// The option called `name` (`numbersAsStrings` …), as vendor quirk profiles write it.
    public init?(name: String) {
        guard let match = Self.named.first(where: { $0.1 == name }) else { return nil }
        self = match.0
    }

    /// The option names, e.g. `[numbersAsStrings, missingTimeZone]`.
    public var description: String {
        "[" + Self.named.filter { contains($0.0) }.map(\.1).joined(separator: ", ") + "]"
    }
}

/// One tolerated deviation: where it was, which leniency allowed it, and the value as received.
public struct AppliedLeniency: Sendable, Equatable, CustomStringConvertible {
    /// The field path, in the same form as `OCPPViolation.path`.
    public let path: String
    /// The single option that allowed the value.
    public let leniency: OCPPLeniency
    /// The value exactly as the station sent it.
    public let original: JSONValue
    /// The quirk of the station's profile that granted the tolerance (nil: configured for all).
    public let quirk: String?

    public init(path: String, leniency: OCPPLeniency, original: JSONValue, quirk: String? = nil) {
        self.path = path
        self.leniency = leniency
        self.original = original
        self.quirk = quirk
    }

    /// The same, in the form every other use of a quirk profile is recorded.
    public func applied(action: String) -> AppliedQuirk {
        AppliedQuirk(quirk: quirk, kind: OCPPLeniency.named.first { $0.0 == leniency }?.1 ?? leniency.description,
                     action: action, path: path, original: JSONWriter.string(original))
    }

    /// E.g. `connectorId: accepted "1" under [numbersAsStrings]`.
    public var description: String {
        let subject = path.isEmpty ? "payload" : path
        var text = JSONWriter.string(original)
        if text.count > OCPPViolation.quoteLimit { text = String(text.prefix(OCPPViolation.quoteLimit)) + "…" }
        return "\(subject): accepted \(text) under \(leniency)"
    }
}
