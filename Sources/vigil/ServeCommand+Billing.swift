import Billing
import CPMS
import Foundation

extension ServeCommand {
    /// Billing inside serve: stores a new version of each changed tariff (and a withdrawal of
    /// each one gone), registers the "billing" consumer of the event log (sessions' ends only),
    /// and returns the background task that first sweeps for ended sessions still unpriced and
    /// then prices each session as its `transactionEnded` event arrives — after the stop is
    /// committed and answered, so pricing never slows or fails an OCPP answer. With no tariff
    /// configured and none ever stored there is nothing to do: nil, and no task (a background task
    /// that returns stops serve, see `Shutdown`). The service comes back too: it quotes an ended
    /// session's price for the station's display (`StationHandlers.finalCost`).
    func startBilling(store: StationStore, events: EventLog) async throws -> (task: @Sendable () async -> Void, service: BillingService)? {
        let service = BillingService(store: store, timeZone: SiteTimeZones.lookup(SiteDirectory(sites)))
        let now = Int((Date().timeIntervalSince1970 * 1_000).rounded())
        let written = try await service.billing.recordVersions(of: tariffs, now: now)
        for version in written {
            log(.info, version.tariff == nil ? "tariff withdrawn" : "tariff version stored",
                ["tariff": version.tariffId, "version": String(version.version), "hash": version.hash])
        }
        let hasVersions = !(try await service.billing.versions()).isEmpty
        guard !tariffs.isEmpty || hasVersions else { return nil }
        try await events.register("billing", accepts: { BillingService.observes($0) })
        return ({ [log] in
            do {
                let (priced, unpriced) = try await service.sweep(now: Date())
                if priced + unpriced > 0 {
                    log(.info, "priced sessions that ended unpriced", ["cdrs": String(priced), "unpriced": String(unpriced)])
                }
            } catch {
                log(.error, "cannot sweep for unpriced sessions", ["error": "\(error)"])
            }
            await events.consume("billing", onSaveFailure: { error in
                log(.error, "cannot save the billing event-log cursor", ["error": "\(error)"])
            }) { batch in
                await service.observe(batch.map(\.event)) { session, error in
                    log(.error, "cannot price a session (the next start-up's sweep retries it)", ["session": session, "error": "\(error)"])
                }
            }
        }, service)
    }
}
