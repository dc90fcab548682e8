import DomainEvents
import YAMLKit

/// Reads the config file's `tariffs:` list into `Tariff`s, reporting every mistake at its
/// `file:line:col` — unknown keys, a money value that is not a decimal with at most six fraction
/// digits, an unknown currency, a connector type outside `ConnectorType`'s vocabulary, a bad
/// time or day, bands that leave part of the week without a price, two tariffs for exactly the
/// same sessions — so `vigil config check` shows them all. A connector type is kept in its
/// canonical spelling (`CCS2` → `cCCS2`), so two spellings of one type are one tariff scope.
public enum TariffReader {
    static let tariffKeys = ["id", "site", "connectorType", "group", "currency", "vatPercent", "sessionFee", "minPrice", "maxPrice", "bands"]
    static let bandKeys = ["days", "from", "to", "energyPerKWh", "timePerHour", "timeBasis", "idlePerHour", "idleGraceMinutes"]

    /// The tariffs of `node` (the value of `tariffs:`) and every problem found. A tariff with a
    /// problem is left out of the list.
    public static func read(_ node: YAMLNode) -> ([Tariff], [YAMLError]) {
        guard let items = node.sequence else {
            return ([], [YAMLError(mark: node.mark, problem: "config: \"tariffs\" must be a list")])
        }
        var tariffs: [Tariff] = []
        var errors: [YAMLError] = []
        var seen: [String: YAMLMark] = [:]
        var scopes: [String: String] = [:]
        for item in items {
            let (tariff, problems) = readTariff(item)
            errors += problems
            guard let tariff else { continue }
            if let first = seen[tariff.id] {
                errors.append(YAMLError(mark: item["id"]?.mark ?? item.mark,
                                        problem: "tariff \"\(tariff.id)\": the id is already used at \(first)"))
                continue
            }
            seen[tariff.id] = item["id"]?.mark ?? item.mark
            let scope = [tariff.site ?? "*", tariff.connectorType ?? "*", tariff.group?.lowercased() ?? "*"].joined(separator: "|")   // groups compare without case
            if let other = scopes[scope] {
                errors.append(YAMLError(mark: item.mark, problem: "tariff \"\(tariff.id)\": applies to exactly the same sessions as tariff "
                                        + "\"\(other)\" (same site, connectorType and group); one of them would never be used"))
                continue
            }
            scopes[scope] = tariff.id
            tariffs.append(tariff)
        }
        return (tariffs, errors)
    }

    static func readTariff(_ item: YAMLNode) -> (Tariff?, [YAMLError]) {
        let name = item["id"]?.scalar.map { "tariff \"\($0)\"" } ?? "tariff"
        var reader = YAMLFieldReader(item, context: name, allowed: tariffKeys)
        let id = reader.string("id")
        if let id, id.isEmpty || id.count > 64, let node = item["id"] { reader.fail(node, "\"id\" must be 1…64 characters") }
        let site = reader.string("site", required: false)
        var connectorType: String?
        if let text = reader.string("connectorType", required: false), let node = item["connectorType"] {
            // Kept in its canonical spelling (CCS2 → cCCS2), as the stations' connectors are.
            if let type = ConnectorType(parsing: text), type.isKnown { connectorType = type.rawValue }
            else { reader.fail(node, "\"connectorType\" \(ConnectorType.problem(with: text))") }
        }
        let group = reader.string("group", required: false)
        var currency: Currency?
        if let code = reader.string("currency"), let node = item["currency"] {
            currency = Currency(code: code)
            if currency == nil {
                reader.fail(node, "\"currency\" must be an ISO 4217 code Vigil knows (\(Currency.exponents.keys.sorted().joined(separator: ", "))), got \"\(code)\"")
            }
        }
        var vat: Int?
        if let text = reader.string("vatPercent"), let node = item["vatPercent"] {
            do {
                vat = try Money.parseMicros(text)
                if let value = vat, value > 100_000_000 { reader.fail(node, "\"vatPercent\" must be 0…100, got \"\(text)\""); vat = nil }
            } catch { reader.fail(node, "\"vatPercent\" \(error.description)") }
        }
        let sessionFee = money(&reader, item, "sessionFee")
        let minPrice = money(&reader, item, "minPrice")
        let maxPrice = money(&reader, item, "maxPrice")
        if let minPrice, let maxPrice, minPrice > maxPrice, let node = item["maxPrice"] {
            reader.fail(node, "\"maxPrice\" (\(maxPrice)) must not be below \"minPrice\" (\(minPrice))")
        }
        // A flat amount is charged as written, so it must be payable in the currency (a rate per
        // kWh or hour may be finer: its products are rounded once, at the end).
        if let currency {
            let unit = Int(Rounding.power(6 - currency.exponent))
            for (key, amount) in [("sessionFee", sessionFee), ("minPrice", minPrice), ("maxPrice", maxPrice)] {
                guard let amount, amount.micros % unit != 0, let node = item[key] else { continue }
                reader.fail(node, "\"\(key)\" \(amount) has more decimals than \(currency.code) has (\(currency.exponent)); "
                            + "a flat amount must be payable as written, such as \(currency.major(currency.minorUnits(amount)))")
            }
        }
        var bands: [TariffBand] = []
        var bandErrors: [YAMLError] = []
        if let list = reader.field("bands", required: true) {
            if let sequence = list.sequence, !sequence.isEmpty {
                for (index, bandNode) in sequence.enumerated() {
                    let (band, problems) = readBand(bandNode, context: "\(name) band \(index + 1)")
                    bandErrors += problems
                    if let band { bands.append(band) }
                }
                if bandErrors.isEmpty, let gap = firstGap(bands) {
                    reader.fail(list, "the bands leave \(gap) without a price; add a band for it (a band without prices makes it free)")
                }
            } else {
                reader.fail(list, "\"bands\" must be a non-empty list")
            }
        }
        let errors = reader.errors + bandErrors
        guard errors.isEmpty, let id, let currency, let vat else { return (nil, errors) }
        return (Tariff(id: id, site: site, connectorType: connectorType, group: group, currency: currency, vatMicroPercent: vat,
                       sessionFee: sessionFee, minPrice: minPrice, maxPrice: maxPrice, bands: bands), [])
    }

    static func readBand(_ node: YAMLNode, context: String) -> (TariffBand?, [YAMLError]) {
        var reader = YAMLFieldReader(node, context: context, allowed: bandKeys)
        var band = TariffBand()
        if let list = reader.field("days", required: false) {
            let texts = reader.strings("days")
            var days: [Weekday] = []
            for text in texts {
                if let day = Weekday(rawValue: text), !days.contains(day) { days.append(day) }
                else { reader.fail(list, "\"days\" takes mon, tue, wed, thu, fri, sat, sun, each once, got \"\(text)\"") }
            }
            if texts.isEmpty { reader.fail(list, "\"days\" must not be empty (leave it out for every day)") }
            band.days = days.sorted { Weekday.allCases.firstIndex(of: $0) ?? 0 < Weekday.allCases.firstIndex(of: $1) ?? 0 }
        }
        for key in ["from", "to"] {
            guard let text = reader.string(key, required: false), let valueNode = node[key] else { continue }
            guard let time = LocalTime(text), key == "to" || time.minutes < 1_440 else {
                reader.fail(valueNode, "\"\(key)\" must be a local time HH:MM such as 06:00\(key == "to" ? " (24:00 for the end of the day)" : ""), got \"\(text)\"")
                continue
            }
            if key == "from" { band.from = time } else { band.to = time }
        }
        if band.from.minutes == band.to.minutes {
            reader.fail(node["to"] ?? node, "\"from\" and \"to\" are the same time; leave both out for the whole day")
        }
        band.energyPerKWh = money(&reader, node, "energyPerKWh")
        band.timePerHour = money(&reader, node, "timePerHour")
        band.idlePerHour = money(&reader, node, "idlePerHour")
        if let basis = reader.string("timeBasis", required: false), let valueNode = node["timeBasis"] {
            if let value = TimeBasis(rawValue: basis) { band.timeBasis = value }
            else { reader.fail(valueNode, "\"timeBasis\" must be charging or pluggedIn, got \"\(basis)\"") }
            if band.timePerHour == nil { reader.fail(valueNode, "\"timeBasis\" needs \"timePerHour\"") }
        }
        if let text = reader.string("idleGraceMinutes", required: false), let valueNode = node["idleGraceMinutes"] {
            if let minutes = Int(text), (0...1_440).contains(minutes) { band.idleGraceMinutes = minutes }
            else { reader.fail(valueNode, "\"idleGraceMinutes\" must be a whole number of minutes 0…1440, got \"\(text)\"") }
            if band.idlePerHour == nil { reader.fail(valueNode, "\"idleGraceMinutes\" needs \"idlePerHour\"") }
        }
        return reader.errors.isEmpty ? (band, []) : (nil, reader.errors)
    }

    static func money(_ reader: inout YAMLFieldReader, _ node: YAMLNode, _ key: String) -> Money? {
        guard let text = reader.string(key, required: false), let valueNode = node[key] else { return nil }
        do { return try Money.parse(text) } catch {
            reader.fail(valueNode, "\"\(key)\" \(error.description)")
            return nil
        }
    }

    /// The first minute of the week no band covers, as `mon 06:00`; nil when the week is covered.
    static func firstGap(_ bands: [TariffBand]) -> String? {
        for day in Weekday.allCases {
            for minute in 0..<1_440 where !bands.contains(where: { $0.covers(weekday: day, minute: minute) }) {
                return "\(day.rawValue) \(LocalTime(minutes: minute))"
            }
        }
        return nil
    }
}
