/// Translates the migrations' SQLite DDL to PostgreSQL, mechanically, for what has one meaning
/// in both: column types (`INTEGER` → `BIGINT`, `REAL` → `DOUBLE PRECISION`, `BLOB` → `BYTEA`,
/// `TEXT` → `TEXT COLLATE "C"`, so text compares and sorts byte by byte as in SQLite whatever
/// the database's locale), an `INTEGER PRIMARY KEY` (SQLite's rowid) → an identity column,
/// `COLLATE NOCASE` → a case-insensitive ICU collation (`vigil_nocase`), and column names
/// PostgreSQL reserves quoted. `CREATE INDEX`, `DROP`, `ALTER TABLE … RENAME`, DML and the rest
/// pass through. What it cannot translate — triggers, pragmas, `INSERT OR …`, `WITHOUT ROWID`,
/// `AUTOINCREMENT` anywhere but on the key — is refused with the reason: such a migration
/// says it in each engine's own words (`Migration(sqlite:postgresql:)`).
public enum PostgresDDL {
    /// Why a migration's SQLite DDL has no mechanical PostgreSQL translation.
    public struct Untranslatable: Error, Equatable, CustomStringConvertible {
        public let construct: String
        public let statement: String
        public var description: String {
            "\(construct) has no mechanical PostgreSQL translation (give the migration a postgresql: variant) in \(statement.prefix(120).debugDescription)"
        }
    }

    /// Column names PostgreSQL reserves that Vigil's tables use: quoted in the DDL, and the
    /// domain's SQL quotes them too (`"authorization"`, which SQLite reads the same).
    public static let reservedColumnNames: Set<String> = ["authorization"]

    /// Created before a translation that uses it: SQLite's NOCASE compares ASCII letters
    /// without case; this compares without case (ICU, secondary strength) — the same for the
    /// ASCII identifiers Vigil keeps in such columns (id tokens).
    static let nocaseCollation = """
        CREATE COLLATION IF NOT EXISTS vigil_nocase (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
        """

    public static func translate(_ sqlite: String) throws(Untranslatable) -> String {
        var output: [String] = []
        var needsNocase = false
        for statement in statements(sqlite) {
            let words = statement.split(whereSeparator: { $0.isWhitespace || $0 == "(" }).prefix(4).map { $0.uppercased() }
            let upper = statement.uppercased()
            for forbidden in ["PRAGMA", "TRIGGER", "WITHOUT ROWID", "INSERT OR", "REPLACE INTO", "VIRTUAL TABLE", "AUTOINCREMENT"]
            where upper.contains(forbidden) && !(forbidden == "AUTOINCREMENT" && words.starts(with: ["CREATE", "TABLE"])) {
                throw Untranslatable(construct: forbidden, statement: statement)
            }
            if upper.contains("NOCASE") { needsNocase = true }
            if words.starts(with: ["CREATE", "TABLE"]) {
                output.append(try createTable(statement))
            } else if words.starts(with: ["ALTER", "TABLE"]), let offset = addedColumnOffset(statement) {
                let head = statement.prefix(offset)
                output.append(String(head) + (try column(String(statement.dropFirst(offset)), statement: statement)))
            } else {
                output.append(quoteReserved(statement))
            }
        }
        return (needsNocase ? nocaseCollation + "\n" : "") + output.map { $0 + ";" }.joined(separator: "\n")
    }

    /// Where the column definition of `ALTER TABLE name ADD [COLUMN] definition` begins (SQLite
    /// and PostgreSQL both take `COLUMN` as optional); nil for any other ALTER TABLE, and for an
    /// added constraint.
    static func addedColumnOffset(_ statement: String) -> Int? {
        var words: [(word: String, end: Int)] = []
        var current = ""
        for (offset, character) in statement.enumerated() {
            if character.isWhitespace {
                if !current.isEmpty { words.append((current.uppercased(), offset)) }
                current = ""
                if words.count >= 5 { break }
            } else {
                current.append(character)
            }
        }
        // ALTER TABLE name ADD [COLUMN] …
        guard words.count >= 4, words[3].word == "ADD" else { return nil }
        if words.count >= 5, words[4].word == "COLUMN" { return skippingWhitespace(statement, from: words[4].end) }
        if words.count >= 5, ["CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN"].contains(words[4].word) { return nil }
        return skippingWhitespace(statement, from: words[3].end)
    }

    private static func skippingWhitespace(_ text: String, from offset: Int) -> Int {
        offset + text.dropFirst(offset).prefix(while: \.isWhitespace).count
    }

    /// `CREATE TABLE name (definitions)` with each column definition translated.
    static func createTable(_ statement: String) throws(Untranslatable) -> String {
        guard let open = statement.firstIndex(of: "("), let close = statement.lastIndex(of: ")"), open < close else {
            throw Untranslatable(construct: "CREATE TABLE without a column list", statement: statement)
        }
        let body = statement[statement.index(after: open)..<close]
        let tail = statement[statement.index(after: close)...].trimmingWhitespace
        guard tail.isEmpty else { throw Untranslatable(construct: "table option \(tail)", statement: statement) }
        var definitions: [String] = []
        for part in splitTopLevel(String(body), on: ",") {
            let trimmed = part.trimmingWhitespace
            let first = trimmed.prefix(while: { !$0.isWhitespace && $0 != "(" }).uppercased()
            if ["PRIMARY", "UNIQUE", "CHECK", "FOREIGN", "CONSTRAINT"].contains(first) {
                definitions.append(quoteReserved(trimmed))
            } else {
                definitions.append(try column(trimmed, statement: statement))
            }
        }
        return statement[...open] + "\n    " + definitions.joined(separator: ",\n    ") + "\n)"
    }

    /// One column definition: `name TYPE constraints`.
    static func column(_ definition: String, statement: String) throws(Untranslatable) -> String {
        let text = definition.trimmingWhitespace
        let name = text.prefix(while: { !$0.isWhitespace })
        var rest = text.dropFirst(name.count).trimmingWhitespace
        let type = rest.prefix(while: { !$0.isWhitespace && $0 != "(" && $0 != "," }).uppercased()
        rest = String(rest.dropFirst(type.count))
        let upperRest = rest.uppercased()
        let quotedName = reservedColumnNames.contains(name.lowercased()) ? "\"\(name)\"" : String(name)
        var translatedType: String
        switch type {
        case "INTEGER", "INT", "BIGINT":
            if upperRest.contains("PRIMARY KEY") {
                // SQLite's rowid: numbered by the database unless given (AUTOINCREMENT: never reused,
                // as an identity never is).
                translatedType = "BIGINT GENERATED BY DEFAULT AS IDENTITY"
                rest = rest.replacingAll(caseInsensitive: " AUTOINCREMENT", with: "")
            } else {
                translatedType = "BIGINT"
            }
        case "REAL", "DOUBLE", "FLOAT": translatedType = "DOUBLE PRECISION"
        case "BLOB": translatedType = "BYTEA"
        case "TEXT": translatedType = upperRest.contains("COLLATE") ? "TEXT" : "TEXT COLLATE \"C\""
        default: throw Untranslatable(construct: "column type \(type.isEmpty ? "(none)" : type)", statement: statement)
        }
        if upperRest.contains("AUTOINCREMENT") && !upperRest.contains("PRIMARY KEY") {
            throw Untranslatable(construct: "AUTOINCREMENT", statement: statement)
        }
        rest = rest.replacingAll(caseInsensitive: "COLLATE NOCASE", with: "COLLATE vigil_nocase")
        return "\(quotedName) \(translatedType)\(quoteReserved(rest))"
    }

    /// `text` with reserved column names quoted where they stand as bare words (outside quotes).
    static func quoteReserved(_ text: String) -> String {
        var result = ""
        var word = ""
        var quote: Character?
        func flush() {
            result += reservedColumnNames.contains(word.lowercased()) ? "\"\(word)\"" : word
            word = ""
        }
        for character in text {
            if let open = quote {
                result.append(character)
                if character == open { quote = nil }
            } else if character == "'" || character == "\"" {
                flush()
                quote = character
                result.append(character)
            } else if character.isLetter || character.isNumber || character == "_" {
                word.append(character)
            } else {
                flush()
                result.append(character)
            }
        }
        flush()
        return result
    }

    /// The statements of a script, split at `;` outside quotes, parentheses and comments;
    /// comments are dropped.
    static func statements(_ script: String) -> [String] {
        splitTopLevel(script, on: ";").map(\.trimmingWhitespace).filter { !$0.isEmpty }
    }

    /// `text` split at `separator` where it stands outside quotes and parentheses, with `--`
    /// comments removed.
    static func splitTopLevel(_ text: String, on separator: Character) -> [String] {
        var parts: [String] = []
        var current = ""
        var depth = 0
        var quote: Character?
        var inComment = false
        var previous: Character?
        for character in text {
            defer { previous = character }
            if inComment {
                if character == "\n" { inComment = false; current.append(character) }
                continue
            }
            if let open = quote {
                current.append(character)
                if character == open { quote = nil }
                continue
            }
            switch character {
            case "'", "\"": quote = character; current.append(character)
            case "-" where previous == "-":
                current.removeLast()
                inComment = true
            case "(": depth += 1; current.append(character)
            case ")": depth -= 1; current.append(character)
            case separator where depth == 0:
                parts.append(current)
                current = ""
            default: current.append(character)
            }
        }
        if !current.trimmingWhitespace.isEmpty { parts.append(current) }
        return parts
    }
}

extension StringProtocol {
    var trimmingWhitespace: String {
        String(drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }

    /// Every occurrence of `target`, in any case, replaced.
    func replacingAll(caseInsensitive target: String, with replacement: String) -> String {
        let upper = String(self).uppercased(), upperTarget = target.uppercased()
        // Upper-casing keeps the length of the ASCII SQL this is used on; anything else is left alone.
        guard upper.count == count else { return String(self) }
        var result = ""
        var index = upper.startIndex
        let original = Array(self)
        var offset = 0
        while index < upper.endIndex {
            if upper[index...].hasPrefix(upperTarget) {
                result += replacement
                index = upper.index(index, offsetBy: upperTarget.count)
                offset += upperTarget.count
            } else {
                result.append(original[offset])
                index = upper.index(after: index)
                offset += 1
            }
        }
        return result
    }
}
