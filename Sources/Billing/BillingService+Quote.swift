import CPMS
import Foundation

extension BillingService {
    /// The price of an ended session as its CDR will state it — the same inputs and the same
    /// engine, written nowhere — for the station's display: the 2.0.1 TransactionEvent Ended
    /// answer's `totalCost`, the gross in the currency's major units. Nil when the session is
    /// not ended or not billable, no tariff applies or it cannot be priced (the answer then goes without a
    /// price; the CDR consumer records why).
    public func quote(session id: Int) async -> Double? {
        guard let record = try? await store.session(id), !record.isActive,
              case .success(let cdr)? = await pricedSoFar(record, until: nil), Self.nothingDelivered(cdr) == nil else { return nil }
        return Self.majorUnits(cdr.gross, exponent: cdr.currency.exponent)
    }

    /// A running session's cost so far, or why there is none.
    public enum RunningCost: Sendable, Equatable {
        /// The gross in major units.
        case cost(Double)
        /// Priced, but no energy delivered yet (its CDR would not be written): worth asking at
        /// the next report.
        case nothingDeliveredYet
        /// Not running, not billable, no tariff applies, or it cannot be priced.
        case none
    }

    /// The running cost of an active session, for the station's display (2.0.1 `CostUpdated`):
    /// what its CDR would state were the session to end at `until` (milliseconds, the charger's
    /// time of its latest report) — the same path as `quote(session:)`: the tariff version in
    /// force at its start, the register's readings so far, the same engine, the gross in major
    /// units.
    public func runningCost(session id: Int, until: Int) async -> RunningCost {
        guard let record = try? await store.session(id), record.isActive else { return .none }
        switch await pricedSoFar(record, until: until) {
        case .success(let cdr)?:
            guard Self.nothingDelivered(cdr) == nil else { return .nothingDeliveredYet }
            return .cost(Self.majorUnits(cdr.gross, exponent: cdr.currency.exponent))
        case .failure(.noEnergyReadings)?: return .nothingDeliveredYet   // only the start reading so far
        case .failure?, nil: return .none
        }
    }

    /// The CDR `record` gets (or would get, ending at `until`), written nowhere, or why the
    /// engine could not price it; nil when it is not billable or no tariff applies.
    private func pricedSoFar(_ record: SessionRecord, until: Int?) async -> Result<ChargeDetailRecord, PricingEngine.PricingError>? {
        guard Self.notBillable(record) == nil,
              let session = try? await pricingSession(record, until: until),
              let versions = try? await billing.versions(),
              let version = TariffMatcher.match(session, among: TariffMatcher.inForce(versions, at: session.start)) else { return nil }
        let timeZone = timeZone(session.site)
        return Result { () throws(PricingEngine.PricingError) in try PricingEngine.price(session, with: version, timeZone: timeZone) }
    }

    /// `minor` minor units as a number of major units (1234 cents → 12.34): the double nearest
    /// the decimal, which JSON writes back as that decimal (`12.34`) for every amount a CDR can
    /// hold (below 10^15 minor units). Read from the decimal text, which rounds correctly;
    /// Foundation's `NSDecimalNumber.doubleValue` does not (357 cents came out 3.5700000000000003
    /// on the wire).
    static func majorUnits(_ minor: Int, exponent: Int) -> Double {
        Double(Money.decimal(minor, scale: exponent)) ?? Double(minor)
    }
}
