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

    /// Sums in one currency, over the sessions both sides price in it — like with like: a
    /// session only one side prices (the draft cannot, it had no CDR, or the currencies
    /// differ) is counted in `notCompared` instead, never in one side's sum alone.
    public struct Total: Sendable, Equatable {
        public var currency: Currency
        public var oldNet = 0, oldGross = 0, newNet = 0, newGross = 0
        /// Sessions priced in this currency on both sides.
        public var sessions = 0
        /// Sessions with an amount in this currency on one side only.
        public var notCompared = 0
    }

    public var lines: [Line] = []

    /// The sums per currency, sorted by code.
    public var totals: [Total] {
        var totals: [String: Total] = [:]
        for line in lines {
            if let old = line.oldCurrency, let new = line.newCurrency, old == new,
               let oldNet = line.oldNet, let oldGross = line.oldGross, let newNet = line.newNet, let newGross = line.newGross {
                totals[old.code, default: Total(currency: old)].oldNet += oldNet
                totals[old.code, default: Total(currency: old)].oldGross += oldGross
                totals[old.code, default: Total(currency: old)].newNet += newNet
                totals[old.code, default: Total(currency: old)].newGross += newGross
                totals[old.code, default: Total(currency: old)].sessions += 1
                continue
            }
            var sides: [String: Currency] = [:]
            if let currency = line.oldCurrency, line.oldGross != nil { sides[currency.code] = currency }
            if let currency = line.newCurrency, line.newGross != nil { sides[currency.code] = currency }
            for (code, currency) in sides { totals[code, default: Total(currency: currency)].notCompared += 1 }
        }
        return totals.values.sorted { $0.currency.code < $1.currency.code }
    }

    /// Why a line is not in its currency's sums, or nil when it is: the draft cannot price it,
    /// it had no CDR, or the two sides' currencies differ. Sessions neither side prices are
    /// not in `notCompared` and have no reason here unless the draft names one.
    public func notComparedReason(_ line: Line) -> String? {
        if let problem = line.problem { return line.oldGross == nil ? "neither prices it; the draft: \(problem)" : "the draft: \(problem)" }
        switch (line.oldCurrency, line.newCurrency) {
        case (nil, _?): return "priced by the draft only: it has no stored CDR"
        case (let old?, let new?) where old != new: return "stored in \(old.code), priced by the draft in \(new.code)"
        default: return nil
        }
    }

    /// Sessions the draft prices differently from their CDR (or prices when they had none, or not at all).
    public var changed: Int { lines.filter { $0.oldGross != $0.newGross || $0.oldCurrency != $0.newCurrency }.count }
}
