/// Durations as Vigil's files and flags write them — one reader for rules, alert settings,
/// scenarios and the CLI: `<number><unit>` groups, largest unit first, units `s`, `m`, `h`, `d`
/// and `w` (`90s`, `5m`, `1.5h`, `1h30m`, `2w`); optionally a bare number of seconds. At most
/// ten years.
public enum DurationText {
    static let units: [Character: Double] = ["s": 1, "m": 60, "h": 3_600, "d": 86_400, "w": 604_800]
    static let limit: Double = 10 * 366 * 86_400

    /// The seconds `text` stands for, nil when it is not a duration.
    public static func seconds(_ text: String, allowBareNumber: Bool = false) -> Double? {
        if allowBareNumber, let value = Double(text), value >= 0, value <= limit, text.allSatisfy({ $0.isNumber || $0 == "." }) {
            return value
        }
        var total = 0.0, number = "", lastUnit = Double.infinity
        for character in text {
            if character.isASCII && (character.isNumber || character == ".") {
                number.append(character)
            } else if let unit = units[character], let value = Double(number), !number.hasPrefix("."), !number.hasSuffix("."),
                      unit < lastUnit {
                total += value * unit
                number = ""
                lastUnit = unit
            } else {
                return nil
            }
        }
        guard number.isEmpty, lastUnit != .infinity, total <= limit else { return nil }
        return total
    }
}
