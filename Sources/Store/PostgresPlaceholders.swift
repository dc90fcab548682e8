/// Rewrites the `?` parameters of Vigil's SQL to PostgreSQL's numbered `$1, $2 …`, in order
/// (`?NNN`, SQLite's numbered form, keeps its number).
/// A `?` inside a string literal ('…', with '' as a quote), a quoted identifier ("…"), a
/// dollar-quoted body ($$…$$ or $tag$…$tag$), a line comment (-- …) or a block comment
/// (/* … */) is text, not a parameter, and is kept as it is.
enum PostgresPlaceholders {
    /// The rewritten SQL and how many parameters it has.
    static func rewrite(_ sql: String) -> (sql: String, count: Int) {
        var output: [UInt8] = []
        output.reserveCapacity(sql.utf8.count + 16)
        let bytes = Array(sql.utf8)
        var count = 0
        var index = 0
        func copy(until end: Int) {
            let stop = min(end, bytes.count)
            output.append(contentsOf: bytes[index..<stop])
            index = stop
        }
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "?"):
                // `?NNN` names its parameter (as in SQLite, and may repeat it); a bare `?` is the
                // one after the highest so far.
                var end = index + 1
                while end < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[end]) { end += 1 }
                let number = end > index + 1 ? Int(String(decoding: bytes[(index + 1)..<end], as: UTF8.self)) ?? 0 : count + 1
                count = max(count, number)
                output.append(contentsOf: Array("$\(number)".utf8))
                index = end
            case UInt8(ascii: "'"), UInt8(ascii: "\""):
                // A quoted run ends at the next quote that is not doubled.
                var end = index + 1
                while end < bytes.count {
                    if bytes[end] == byte {
                        if end + 1 < bytes.count && bytes[end + 1] == byte { end += 2; continue }
                        end += 1
                        break
                    }
                    end += 1
                }
                copy(until: end)
            case UInt8(ascii: "-") where index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "-"):
                var end = index + 2
                while end < bytes.count && bytes[end] != UInt8(ascii: "\n") { end += 1 }
                copy(until: end)
            case UInt8(ascii: "/") where index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "*"):
                var end = index + 2
                while end + 1 < bytes.count && !(bytes[end] == UInt8(ascii: "*") && bytes[end + 1] == UInt8(ascii: "/")) { end += 1 }
                copy(until: end + 2)
            case UInt8(ascii: "$"):
                // $tag$ … $tag$ (tag: letters, digits, _; empty for $$). `$1` is not one.
                var tagEnd = index + 1
                while tagEnd < bytes.count, Self.isTagByte(bytes[tagEnd]) { tagEnd += 1 }
                let startsWithDigit = index + 1 < bytes.count && (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index + 1])
                guard tagEnd < bytes.count, bytes[tagEnd] == UInt8(ascii: "$"), !startsWithDigit else {
                    output.append(byte)
                    index += 1
                    continue
                }
                let tag = Array(bytes[index...tagEnd])
                var end = tagEnd + 1
                while end < bytes.count {
                    if bytes[end] == UInt8(ascii: "$"), end + tag.count <= bytes.count, Array(bytes[end..<(end + tag.count)]) == tag {
                        end += tag.count
                        break
                    }
                    end += 1
                }
                copy(until: end)
            default:
                output.append(byte)
                index += 1
            }
        }
        return (String(decoding: output, as: UTF8.self), count)
    }

    static func isTagByte(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "_") || byte >= 0x80
    }
}
