/// CDRs for finance systems. CSV: a header row, one row per CDR, RFC 4180 quoting (a field
/// holding a comma, quote or line break is quoted, quotes doubled), rows ending in CRLF as
/// RFC 4180 says, money as decimal strings in major units beside the currency column. JSONL:
/// one object per line — the stored id, hash and time, and under `cdr` the canonical JSON
/// exactly as hashed (money in minor units), so a reader can check `contentHash` itself.
/// Columns are only ever added at the end (`connector_type` came after `content_hash`), so a
/// reader that takes them by position keeps working.
public enum CDRExport {
    public static let csvColumns = ["cdr_id", "session", "station", "site", "evse", "connector", "id_token", "group", "authorization",
                                    "start_time", "stop_time", "energy_kwh", "energy_source", "tariff", "tariff_version", "currency",
                                    "net", "vat_percent", "vat", "gross", "content_hash", "connector_type"]

    public static func csv(_ cdrs: [StoredCDR]) -> String {
        var rows = [csvColumns.joined(separator: ",")]
        for stored in cdrs {
            let cdr = stored.record
            let kWh = Money.decimal(EnergyCurve.milliWattHours(Double(cdr.energyWh) ?? 0), scale: 6)
            rows.append(csvRow([String(stored.id), String(cdr.session), cdr.station, cdr.site ?? "", String(cdr.evse), String(cdr.connector),
                                cdr.idToken ?? "", cdr.group, cdr.authorization ?? "", cdr.startTime, cdr.stopTime, kWh,
                                cdr.energySource.rawValue, cdr.tariffId, String(cdr.tariffVersion), cdr.currency.code,
                                cdr.currency.major(cdr.net), cdr.vatPercent, cdr.currency.major(cdr.vat), cdr.currency.major(cdr.gross),
                                stored.contentHash, cdr.connectorType?.rawValue ?? ""]))
        }
        return rows.map { $0 + "\r\n" }.joined()
    }

    /// One field per RFC 4180: quoted only when it holds a comma, a quote or a line break.
    static func csvRow(_ fields: [String]) -> String {
        fields.map { value in
            // By scalar: "\r\n" is one Character, equal to neither "\r" nor "\n".
            guard value.unicodeScalars.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return value }
            return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }.joined(separator: ",")
    }

    public static func jsonl(_ cdrs: [StoredCDR]) -> String {
        cdrs.map { stored in
            "{\"id\":\(stored.id),\"contentHash\":\"\(stored.contentHash)\",\"createdAt\":\"\(stored.createdAt)\",\"cdr\":\(stored.document)}\n"
        }.joined()
    }

    /// Totals by site, customer group and currency.
    public struct Total: Sendable, Equatable {
        public var site: String?
        public var group: String
        public var currency: Currency
        public var sessions: Int
        /// Milli-watt-hours.
        public var energy: Int
        public var net: Int
        public var vat: Int
        public var gross: Int
    }

    /// The CDRs summed by site, group and currency (sorted by those); amounts in minor units.
    public static func totals(_ cdrs: [StoredCDR]) -> [Total] {
        var totals: [String: Total] = [:]
        for cdr in cdrs.map(\.record) {
            let key = [cdr.site ?? "", cdr.group, cdr.currency.code].joined(separator: "\u{1F}")
            var total = totals[key] ?? Total(site: cdr.site, group: cdr.group, currency: cdr.currency, sessions: 0, energy: 0, net: 0, vat: 0, gross: 0)
            total.sessions += 1
            total.energy += EnergyCurve.milliWattHours(Double(cdr.energyWh) ?? 0)
            total.net += cdr.net
            total.vat += cdr.vat
            total.gross += cdr.gross
            totals[key] = total
        }
        return totals.values.sorted { ($0.site ?? "", $0.group, $0.currency.code) < ($1.site ?? "", $1.group, $1.currency.code) }
    }
}
