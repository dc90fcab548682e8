/// A plain-text table for CLI listings: every column as wide as its widest cell (header
/// included), so no value is ever cut; two spaces between columns; numeric columns aligned
/// right. Cells are shown with control characters escaped (`escapingControls`), so a stored
/// value cannot break a row. Widths count characters, which is exact for the ASCII and Latin
/// text Vigil stores and close enough for the rest.
public struct TextTable: Sendable {
    /// One column: its header and whether its cells align right (counts, rates).
    public struct Column: Sendable {
        public var header: String
        public var alignsRight: Bool

        public init(_ header: String, alignsRight: Bool = false) {
            self.header = header
            self.alignsRight = alignsRight
        }
    }

    public var columns: [Column]
    public private(set) var rows: [[String]] = []

    public init(_ columns: [Column]) {
        self.columns = columns
    }

    /// Adds a row; missing cells are empty, extra ones are dropped.
    public mutating func append(_ cells: [String]) {
        rows.append((0..<columns.count).map { $0 < cells.count ? cells[$0].escapingControls : "" })
    }

    /// The header line, then one line per row, without trailing spaces.
    public var lines: [String] {
        let widths = columns.indices.map { index in
            max(columns[index].header.count, rows.map { $0[index].count }.max() ?? 0)
        }
        func line(_ cells: [String]) -> String {
            let padded = cells.indices.map { index -> String in
                let fill = String(repeating: " ", count: widths[index] - cells[index].count)
                return columns[index].alignsRight ? fill + cells[index] : cells[index] + fill
            }
            var text = padded.joined(separator: "  ")
            while text.last == " " { text.removeLast() }
            return text
        }
        return [line(columns.map(\.header))] + rows.map(line)
    }
}
