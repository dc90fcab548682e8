import Store

/// Counts for `/metrics`, read when scraped.
extension StationStore {
    /// Connectors by their live status (`Available`: 12 …). Connector 0 (1.6: the charge
    /// point as a whole) is not a connector, as in availability and the site summaries.
    public func connectorCounts() throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for row in try database.rows("SELECT status, count(*) FROM connectors WHERE connector <> 0 GROUP BY status") {
            counts[row[0].text ?? "", default: 0] += row[1].int ?? 0
        }
        return counts
    }

    /// Registered stations, and those the registry marks online.
    public func stationCounts() throws -> (registered: Int, online: Int) {
        let row = try database.rows("SELECT count(*), coalesce(sum(online), 0) FROM stations").first
        return (row?[0].int ?? 0, row?[1].int ?? 0)
    }
}
