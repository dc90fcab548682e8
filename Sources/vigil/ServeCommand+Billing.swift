import Billing
import CPMS
import Foundation
import ServiceLog

extension ServeCommand {
    /// What `startBilling` sets running.
    struct BillingStart: Sendable {
        /// The background task: the start-up sweep, then the "billing" consumer, beside the
        /// running-cost sender.
        var task: @Sendable () async -> Void
        /// Quotes an ended session's price for the station's display (`StationHandlers.finalCost`).
        var service: BillingService
        /// Sends running 2.0.1 sessions' costs (`StationHandlers.runningSessionUpdated`); nil
        /// when `billing: {costUpdatedInterval: off}`.
        var runningCost: RunningCostSender?
    }

    /// Billing inside serve: stores a new version of each changed tariff (and a withdrawal of
    /// each one gone), registers the "billing" consumer of the event log (sessions' ends only),
    /// and returns the background task that first sweeps for ended sessions still unpriced and
    /// then prices each session as its `transactionEnded` event arrives — after the stop is
    /// committed and answered, so pricing never slows or fails an OCPP answer — while the
    /// running-cost sender sends `CostUpdated` to 2.0.1 stations (`billing:` in the config
    /// file). With no tariff configured and none ever stored there is nothing to do: nil, and no
    /// task (a background task that returns stops serve, see `Shutdown`).
    func startBilling(store: StationStore, events: EventLog, commands: CommandService) async throws -> BillingStart? {
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
        let sender = billingSettings.costUpdatedInterval.map { RunningCostSender(billing: service, commands: commands, interval: $0) }
        let task: @Sendable () async -> Void = { [log] in
            await withDiscardingTaskGroup { group in
                if let sender {
                    group.addTask { await sender.run { update, outcome in Self.logRunningCost(update, outcome, log: log) } }
                }
                group.addTask {
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
                    sender?.finish()   // the event log ended (tests): so does the sender
                }
            }
        }
        return BillingStart(task: task, service: service, runningCost: sender)
    }

    /// A running cost's fate in the log: sent at debug level; a station that did not take it is
    /// told nothing more (info when it does not support CostUpdated, else a warning).
    static func logRunningCost(_ update: RunningSessionUpdate, _ outcome: RunningCostSender.Outcome, log: Log) {
        let fields = ["station": update.station, "transactionId": update.transactionId]
        switch outcome {
        case .sent(let totalCost):
            log(.debug, "running cost sent (CostUpdated)", fields.merging(["totalCost": String(totalCost)]) { first, _ in first })
        case .noPrice:
            break
        case .notTaken(let totalCost, let reason):
            log(reason.isUnsupported ? .info : .warning, "station did not take the running cost (CostUpdated); ignored",
                fields.merging(["totalCost": String(totalCost), "outcome": reason.description]) { first, _ in first })
        }
    }
}
