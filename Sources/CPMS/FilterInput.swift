import OCPP

/// Strict reading of what an operator gives a listing's filters (`--from`, `--to`, `--kind`,
/// `--outcome`, `--status` …), the one parser every CLI filter goes through.
///
/// A time must be RFC 3339 with a zone (`Z` or `±hh:mm`), with or without a fraction of a
/// second; the offset is honoured. It comes back in the store's own form (UTC, three fraction
/// digits, `StoreTime.format`), so comparing it with stored text compares instants:
/// `2026-12-03T19:26:00+01:00` becomes `2026-12-03T18:26:00.000Z`. A value of a closed set must
/// be one of its names, spelled exactly. Anything else is a `FilterInputError` that names the
/// option, quotes the value and says what would be valid; it never silently matches nothing.
/// It does not accept a bare date or a time without a zone: which day or which zone was meant
/// is exactly what an auditor must not have to guess.
public enum FilterInput {
    /// Which end of a range a time bounds. A fraction finer than the store's millisecond is
    /// rounded inwards (a lower bound up, an upper bound down), so the range never takes in a
    /// stored time outside what was asked for.
    public enum Bound: Sendable {
        case lower, upper
    }

    /// `text` as an instant, or an error naming `option` (written without its dashes).
    public static func instant(_ text: String, option: String) throws(FilterInputError) -> OCPPDateTime {
        switch OCPPDateTime.parse(text) {
        case .success(let value):
            return value
        case .failure(.missingTimeZone):
            throw .badTime(option: option, value: text, problem: "it has no zone: add Z for UTC or an offset such as +01:00")
        case .failure(.invalidField(let field)):
            throw .badTime(option: option, value: text, problem: "\(field) is out of range")
        case .failure(.malformed):
            // In a URL's query a `+` reads as a space: `…04:00:00+01:00` arrives as `…04:00:00 01:00`.
            if let space = text.lastIndex(of: " "), case .success = OCPPDateTime.parse(text.replacingCharacters(in: space...space, with: "+")) {
                throw .badTime(option: option, value: text, problem: "in a URL's query a + reads as a space: send the offset's + as %2B")
            }
            throw .badTime(option: option, value: text, problem: nil)
        }
    }

    /// `text` in the store's form (`2026-12-03T18:26:00.000Z`), ready to compare with stored times.
    public static func time(_ text: String, option: String, bound: Bound = .lower) throws(FilterInputError) -> String {
        let value = try instant(text, option: option)
        var (millis, rest) = Int64(value.nanoseconds).quotientAndRemainder(dividingBy: 1_000_000)
        if rest > 0 && bound == .lower { millis += 1 }
        return OCPPDateTime(millisecondsSinceEpoch: value.secondsSinceEpoch * 1_000 + millis).text
    }

    /// `text` when it is one of `valid` (spelled exactly as listed), or an error listing them.
    public static func choice(_ text: String, option: String, among valid: [String]) throws(FilterInputError) -> String {
        guard valid.contains(text) else { throw .unknownValue(option: option, value: text, valid: valid) }
        return text
    }
}

/// An operator's filter value that `FilterInput` cannot read: what was given, for which option,
/// and what would have been valid.
public enum FilterInputError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Not an RFC 3339 time with a zone; `problem` says what is wrong when more is known than that.
    case badTime(option: String, value: String, problem: String?)
    /// Not one of the closed set's names.
    case unknownValue(option: String, value: String, valid: [String])

    /// The example every time message shows: the form with a zone and with a fraction.
    public static let timeExample = "2026-12-03T18:26:00Z or 2026-12-03T19:26:00.250+01:00"

    public var description: String {
        switch self {
        case .badTime(let option, let value, let problem):
            let expected = "an RFC 3339 time with a zone, such as \(Self.timeExample)"
            return "--\(option) \(value.debugDescription) is not \(expected)" + (problem.map { ": \($0)" } ?? "")
        case .unknownValue(let option, let value, let valid):
            var text = "--\(option) \(value.debugDescription) is not one of: \(valid.joined(separator: ", "))"
            if valid.isEmpty { text = "--\(option) \(value.debugDescription): there is nothing of that kind on record yet" }
            if let near = valid.first(where: { $0.lowercased() == value.lowercased() }) { text += " (did you mean \(near.debugDescription)?)" }
            return text
        }
    }
}
