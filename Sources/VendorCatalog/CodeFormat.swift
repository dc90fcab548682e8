/// How a vendor writes its codes, which decides when two spellings are the same code.
public enum CodeFormat: String, Sendable, CaseIterable {
    /// Numbers written in hexadecimal, with or without `0x`: `0x000C` = `000C` = `c`.
    case hex
    /// Decimal numbers, leading zeros ignored; an explicit `0x` is still read as hex.
    case decimal
    /// Opaque text, compared trimmed and case-insensitively.
    case text

    /// The comparison key for `code`: `#12` for numbers, `t:err_lock` for text; nil when the
    /// code is not valid in this format (e.g. `xyz` for hex).
    public func key(for code: String, prefixes: [String] = []) -> String? {
        var text = Substring(code.trimmingWhitespace())
        for prefix in prefixes.sorted(by: { $0.count > $1.count })
        where text.count > prefix.count && text.lowercased().hasPrefix(prefix.lowercased()) {
            text = text.dropFirst(prefix.count)
            break
        }
        let lower = text.lowercased()
        switch self {
        case .text:
            return lower.isEmpty ? nil : "t:" + lower
        case .hex:
            let digits = lower.hasPrefix("0x") ? String(lower.dropFirst(2)) : lower
            return UInt64(digits, radix: 16).map { "#\($0)" }
        case .decimal:
            if lower.hasPrefix("0x") { return UInt64(lower.dropFirst(2), radix: 16).map { "#\($0)" } }
            return UInt64(lower, radix: 10).map { "#\($0)" }
        }
    }
}

extension String {
    func trimmingWhitespace() -> String {
        var scalars = Substring(self).unicodeScalars[...]
        while let first = scalars.first, first.properties.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.properties.isWhitespace { scalars.removeLast() }
        return String(scalars)
    }
}
