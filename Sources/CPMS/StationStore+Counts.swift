import Store

/// Counts for `/metrics`, read when scraped.
extension StationStore {
    /// Connectors by their live status (`Available`: 12 …); those of a station that is offline
    /// as `Offline`, whatever they last reported (no one can charge there now). Connector 0
    /// (1.6: the charge point as a whole) is not a connector, as in availability and the site
    /// summaries.
    public func connectorCounts() throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for row in try database.rows("""
            SELECT CASE WHEN s.online = 1 THEN c.status ELSE '\(Self.offlineConnectorStatus)' END AS shown, count(*)
            FROM connectors AS c JOIN stations AS s ON s.id = c.station WHERE c.connector <> 0 GROUP BY shown
            """) {
            counts[row[0].text ?? "", default: 0] += row[1].int ?? 0
        }
        return counts
    }

    /// Registered stations, and those the registry marks online.
    public func stationCounts() throws -> (registered: Int, online: Int) {
        let row = try database.rows("SELECT count(*), coalesce(sum(online), 0) FROM stations").first
        return (row?[0].int ?? 0, row?[1].int ?? 0)
    }

    /// What the live counts call a connector of an offline station (not an OCPP status).
    public static let offlineConnectorStatus = "Offline"
}
