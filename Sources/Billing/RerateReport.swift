/// What a draft set of tariffs would have charged for sessions already priced: per session the
/// stored CDR's totals beside the draft's, and the sums per currency. Writes nothing
/// (`vigil billing rerate`).
public struct RerateReport: Sendable, Equatable {
    /// One session under the stored CDR and under the draft.
    public struct Line: Sendable, Equatable {
        public var session: Int
        public var station: String
        /// The stored CDR's tariff, version and net/gross (nil: it has none).
        public var oldTariff: String?
        public var oldCurrency: Currency?
        public var oldNet: Int?
        public var oldGross: Int?
        /// The draft's tariff and net/gross (nil: the draft cannot price it, see `problem`).
        public var newTariff: String?
        public var newCurrency: Currency?
        public var newNet: Int?
        public var newGross: Int?
        public var problem: String?
    }

    /// Sums in one currency.
    public struct Total: Sendable, Equatable {
        public var currency: Currency
        public var oldNet = 0, oldGross = 0, newNet = 0, newGross = 0
        /// Sessions with an old or new amount in this currency.
        public var sessions = 0
    }

    public var lines: [Line] = []

    /// The sums per currency, old and new side each in its own currency, sorted by code.
    public var totals: [Total] {
        var totals: [String: Total] = [:]
        for line in lines {
            var counted = Set<String>()
            if let currency = line.oldCurrency, let net = line.oldNet, let gross = line.oldGross {
                totals[currency.code, default: Total(currency: currency)].oldNet += net
                totals[currency.code, default: Total(currency: currency)].oldGross += gross
                counted.insert(currency.code)
            }
            if let currency = line.newCurrency, let net = line.newNet, let gross = line.newGross {
                totals[currency.code, default: Total(currency: currency)].newNet += net
                totals[currency.code, default: Total(currency: currency)].newGross += gross
                counted.insert(currency.code)
            }
            for code in counted { totals[code]?.sessions += 1 }
        }
        return totals.values.sorted { $0.currency.code < $1.currency.code }
    }

    /// Sessions the draft prices differently from their CDR (or prices when they had none, or not at all).
    public var changed: Int { lines.filter { $0.oldGross != $0.newGross || $0.oldCurrency != $0.newCurrency }.count }
}
