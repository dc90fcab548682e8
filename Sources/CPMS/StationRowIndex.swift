import Store

/// The per-station indexes of the two tables every charger writes to all the time — the raw
/// OCPP log and the status history — kept up to date in passes rather than row by row
/// (issue #15). Each table has a side table `<table>_by_station (station, id)` keyed by both
/// and a mark in `row_index_marks`: every row up to the mark has its entry. A row is inserted
/// into its table alone (an append: the page it lands on is the one the previous row filled),
/// and a pass about once a second reads the rows written since, sorts their entries by
/// station and inserts them in chunks, one group commit each; the mark moves when the pass is
/// done. Sorted, a chunk touches the index pages of a few stations, each once; one entry per
/// row in arrival order touched a different page for nearly every row, and a flag on the row
/// (the scheme this replaces) rewrote every row's page a second time.
///
/// Readers ask for one station's rows through `stationRows`: the side table up to the mark,
/// and the tail after it (the rows of the last second or so) read in id order and filtered;
/// an entry a pass has inserted above the mark is not used until the mark passes it, so a row
/// is never found twice.
///
/// Ids must be committed in the order they are drawn, since a pass ends at the newest id it
/// can see: SQLite has one writer at a time, and on PostgreSQL every writing transaction takes
/// the schema's advisory lock at BEGIN (`PostgresDatabase.beginTransaction`), before it draws an
/// id, so nodes sharing a database draw and commit ids in one order too. A row written outside
/// such a transaction (a bare autocommit INSERT on PostgreSQL) would break this; the hot
/// writers all go through the group commit.
struct StationIndexPass {
    /// One table's part of the pass.
    struct Table {
        let name: String
        /// Where the pass ends: the newest row when it began.
        let through: Int
        /// The newest row read so far (starts at the table's mark).
        var loaded: Int
        /// Entries read, sorted by station once the reading is done.
        var entries: [(station: String, id: Int)] = []
        /// Entries inserted so far.
        var inserted = 0
        var isSorted = false
        var isDone = false
    }

    var tables: [Table]
    var isDone: Bool { tables.allSatisfy(\.isDone) }
}

extension StationStore {
    /// The tables indexed by station in passes (`StationIndexPass`).
    static let tablesIndexedInPasses = ["ocpp_messages", "connector_status_history"]

    /// SQL for the mark of `table`: every row at or below it has its station entry.
    static func indexMark(_ table: String) -> String {
        "(SELECT indexed_through FROM row_index_marks WHERE name = '\(table)')"
    }

    /// A subquery of one station's rows of `table` (one of `tablesIndexedInPasses`), with the
    /// columns `id` and `columns` (plain column names of the table): through the station index
    /// up to the mark, then the tail after it. Two `?`, the station both times. Use it as
    /// `FROM (…) AS rows` with the conditions, order and limit outside.
    static func stationRows(_ table: String, _ columns: [String]) -> String {
        let indexed = (["id"] + columns).map { "t.\($0) AS \($0)" }.joined(separator: ", ")
        let tail = (["id"] + columns).joined(separator: ", ")
        return """
            SELECT \(indexed) FROM \(table)_by_station AS s CROSS JOIN \(table) AS t
                WHERE t.id = s.id AND t.station = s.station AND s.station = ? AND s.id <= \(indexMark(table))
            UNION ALL
            SELECT \(tail) FROM \(table) WHERE id > \(indexMark(table)) AND station = ?
            """
    }

    /// One station's rows of `table` that meet `condition` (SQL over the table's plain column
    /// names other than `id` and `station`, with its own `?`s), the first `limit` of them in id
    /// order — the newest (`newestFirst`) or the oldest — with `id` and `columns`, as a subquery
    /// to select from and order again (its two parts are each in order, not the whole). Each part
    /// — the index up to the mark, the tail after it — stops at `limit` by itself, so a station
    /// with a long history is not read whole for a page of it. Values: `stationRowsValues`.
    static func stationRows(_ table: String, _ columns: [String], where condition: String, newestFirst: Bool) -> String {
        let order = newestFirst ? "DESC" : "ASC"
        let indexed = (["id"] + columns).map { "t.\($0) AS \($0)" }.joined(separator: ", ")
        let tail = (["id"] + columns).joined(separator: ", ")
        return """
            SELECT * FROM (SELECT \(indexed) FROM \(table)_by_station AS s CROSS JOIN \(table) AS t
                WHERE t.id = s.id AND t.station = s.station AND s.station = ? AND s.id <= \(indexMark(table)) AND (\(condition))
                ORDER BY s.id \(order) LIMIT ?) AS indexed_rows
            UNION ALL
            SELECT * FROM (SELECT \(tail) FROM \(table) WHERE id > \(indexMark(table)) AND station = ? AND (\(condition))
                ORDER BY id \(order) LIMIT ?) AS tail_rows
            """
    }

    /// The values `stationRows(_:_:where:newestFirst:)` takes: the station, the condition's, the
    /// limit — for each of its two parts.
    static func stationRowsValues(station: String, condition: [any SQLBindable], limit: Int) -> [any SQLBindable] {
        [station as any SQLBindable] + condition + [limit as any SQLBindable, station as any SQLBindable] + condition + [limit as any SQLBindable]
    }

    /// Begins a pass: each table from its mark to its newest row (inside `advanceIndexPass`'s
    /// savepoint: on PostgreSQL a failed read would abort the whole group commit).
    private func startIndexPass() throws -> StationIndexPass {
        let marks = try database.rows("SELECT name, indexed_through FROM row_index_marks").reduce(into: [String: Int]()) { marks, row in
            if let name = row[0].text { marks[name] = row[1].int ?? 0 }
        }
        return StationIndexPass(tables: try Self.tablesIndexedInPasses.map { name in
            let newest = try database.rows("SELECT max(id) FROM \(name)").first?.first?.int ?? 0
            let mark = marks[name] ?? 0
            return StationIndexPass.Table(name: name, through: max(mark, newest), loaded: mark, isDone: newest <= mark)
        })
    }

    /// One step of `pass` inside the group commit's transaction: reads up to `4 × chunk` rows,
    /// or inserts up to `chunk` sorted entries, of each table that has work left (both, when
    /// the whole tail is read in the step and fits in one chunk); a table's
    /// mark moves to the pass's end with its last entries. The step runs in a savepoint, so a
    /// failure (thrown: the caller drops the pass and the next one starts again from the marks;
    /// entries already inserted are skipped then) undoes the step alone.
    ///
    /// With no pass (nil) a new one begins, ending at the newest rows now.
    func advanceIndexPass(_ pass: StationIndexPass?, chunk: Int) throws -> StationIndexPass {
        try database.transaction {
            var tables = try (pass ?? startIndexPass()).tables
            for index in tables.indices where !tables[index].isDone {
                try advance(&tables[index], chunk: chunk)
            }
            return StationIndexPass(tables: tables)
        }
    }

    private func advance(_ table: inout StationIndexPass.Table, chunk: Int) throws {
        if table.loaded < table.through {
            let rows = try database.rows("SELECT station, id FROM \(table.name) WHERE id > ? AND id <= ? ORDER BY id LIMIT ?",
                                         table.loaded, table.through, chunk * 4)
            table.entries.reserveCapacity(table.entries.count + rows.count)
            for row in rows { table.entries.append((row[0].text ?? "", row[1].int ?? 0)) }
            table.loaded = rows.count < chunk * 4 ? table.through : (rows.last?[1].int ?? table.through)
            // A tail read whole in this step (a light load) is inserted in it too.
            guard table.loaded == table.through, table.entries.count <= chunk else { return }
        }
        if !table.isSorted {
            table.entries.sort { $0.station == $1.station ? $0.id < $1.id : $0.station < $1.station }
            table.isSorted = true
        }
        var rest = table.entries[table.inserted..<min(table.entries.count, table.inserted + chunk)]
        table.inserted += rest.count
        while !rest.isEmpty {
            let size = [64, 16, 4, 1].first { $0 <= rest.count } ?? 1
            var values: [any SQLBindable] = []
            values.reserveCapacity(size * 2)
            for entry in rest.prefix(size) { values += [entry.station, entry.id] as [any SQLBindable] }
            rest = rest.dropFirst(size)
            try database.run("INSERT INTO \(table.name)_by_station (station, id) VALUES "
                             + Array(repeating: "(?, ?)", count: size).joined(separator: ", ") + " ON CONFLICT DO NOTHING", values)
        }
        if table.inserted == table.entries.count {
            // Not past the newest row still there: if another process deleted the newest rows
            // during the pass (a station removed from the CLI), their ids come back (SQLite), and
            // a mark above them would hide the new rows. (Entries this pass made for deleted rows
            // match no row: a reader joins by id and station.)
            let newest = try database.rows("SELECT max(id) FROM \(table.name)").first?.first?.int ?? 0
            let mark = min(table.through, newest)
            try database.run("UPDATE row_index_marks SET indexed_through = ? WHERE name = ? AND indexed_through < ?", mark, table.name, mark)
            table.isDone = true
            table.entries = []
        }
    }

    /// Removes the station entries of rows no longer in `table` (after the retention pruned
    /// it): for each station in the index, its entries below the oldest row kept — a range
    /// delete through the key per station, never a scan of the whole index — in transactions of
    /// at most 200 stations, so the writer (on PostgreSQL, every node's) is not held for long.
    func pruneStationIndex(_ table: String) throws {
        guard let oldest = try database.rows("SELECT min(id) FROM \(table)").first?.first?.int else {
            try database.run("DELETE FROM \(table)_by_station")
            return
        }
        var station = ""
        var more = true
        while more {
            more = false
            try database.transaction {
                for _ in 0..<200 {
                    guard let next = try database.rows("SELECT station FROM \(table)_by_station WHERE station > ? ORDER BY station LIMIT 1",
                                                       station).first?.first?.text else { return }
                    try database.run("DELETE FROM \(table)_by_station WHERE station = ? AND id < ?", next, oldest)
                    station = next
                }
                more = true
            }
        }
    }

    /// After rows of `table` were deleted (the retention, a station removed): when the newest
    /// rows went, the engine may hand their ids out again (SQLite gives max(id) + 1), and a
    /// reused id at or below the mark would never be indexed nor read from the tail. So the mark
    /// comes down to the newest row left and the entries above it go, and a pass in progress
    /// (which may have read deleted rows) is dropped: the next one starts from the marks.
    func rowsRemoved(from table: String) throws {
        group.indexPass = nil
        let newest = try database.rows("SELECT max(id) FROM \(table)").first?.first?.int ?? 0
        let mark = try database.rows("SELECT indexed_through FROM row_index_marks WHERE name = ?", table).first?.first?.int ?? 0
        guard mark > newest else { return }
        try database.transaction {
            try database.run("DELETE FROM \(table)_by_station WHERE id > ?", newest)
            try database.run("UPDATE row_index_marks SET indexed_through = ? WHERE name = ?", newest, table)
        }
    }
}
