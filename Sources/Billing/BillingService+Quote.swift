import CPMS
import Foundation

extension BillingService {
    /// The price of an ended session as its CDR will state it — the same inputs and the same
    /// engine, written nowhere — for the station's display: the 2.0.1 TransactionEvent Ended
    /// answer's `totalCost`, the gross in the currency's major units. Nil when the session is
    /// not ended or not billable, no tariff applies or it cannot be priced (the answer then goes without a
    /// price; the CDR consumer records why).
    public func quote(session id: Int) async -> Double? {
        guard let record = try? await store.session(id), !record.isActive, Self.notBillable(record) == nil,
              let session = try? await pricingSession(record),
              let versions = try? await billing.versions(),
              let version = TariffMatcher.match(session, among: TariffMatcher.inForce(versions, at: session.start)),
              let cdr = try? PricingEngine.price(session, with: version, timeZone: timeZone(session.site)),
              Self.nothingDelivered(cdr) == nil else { return nil }
        return Self.majorUnits(cdr.gross, exponent: cdr.currency.exponent)
    }

    /// `minor` minor units as a number of major units (1234 cents → 12.34), exact for every
    /// amount a CDR can hold (below 10^15 minor units).
    static func majorUnits(_ minor: Int, exponent: Int) -> Double {
        guard exponent > 0 else { return Double(minor) }
        let scale = (0..<exponent).reduce(1) { value, _ in value * 10 }
        return (Decimal(minor) / Decimal(scale) as NSDecimalNumber).doubleValue
    }
}
