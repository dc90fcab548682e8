/// Text from stations and API clients shown in the text log and in CLI text output: C0 and
/// C1 control characters (and DEL) are written as escapes — `\n`, `\r`, `\t`, `\\`, else
/// `\u{…}` — so a station id such as "CP-1\n… INFO forged" cannot start a line of its own.
/// A backslash is doubled only when the text needs escaping at all, so ordinary text is shown
/// exactly as stored. JSON output escapes on its own and does not use this.
extension StringProtocol {
    public var escapingControls: String {
        guard unicodeScalars.contains(where: \.isControl) else { return String(self) }
        var result = ""
        for scalar in unicodeScalars {
            switch scalar {
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case "\\": result += "\\\\"
            case _ where scalar.isControl: result += "\\u{\(String(scalar.value, radix: 16))}"
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }
}

extension Unicode.Scalar {
    /// C0 (U+0000–U+001F), DEL and C1 (U+0080–U+009F), plus the line and paragraph separators
    /// some terminals and viewers break lines at.
    public var isControl: Bool {
        value < 0x20 || (0x7F...0x9F).contains(value) || value == 0x2028 || value == 0x2029
    }
}
