import CPMS
import Foundation
import Fraud

extension ServeCommand {
    /// The fraud and integrity checks inside serve: registers the "fraud" consumer of the event
    /// log (session starts and ends, rejected authorisations only) and returns the background
    /// task that runs the checks on each batch — after the events are committed and their
    /// chargers answered, so a check never slows or fails an OCPP answer. Each new signal is
    /// stored and appended to the log as a `fraudSuspected` event for the rules; such appends
    /// do not wait for room (the consumers must never wait on their own output).
    func startFraud(store: StationStore, events: EventLog) async throws -> @Sendable () async -> Void {
        let service = FraudService(store: store, thresholds: fraudThresholds) { event in
            try await events.append(event, waitForRoom: false)
        }
        try await events.register("fraud", accepts: { FraudService.observes($0) })
        return { [log] in
            await events.consume("fraud", onSaveFailure: { error in
                log(.error, "cannot save the fraud event-log cursor", ["error": "\(error)"])
            }) { batch in
                for signal in await service.observe(batch.map(\.event), onError: { station, error in
                    log(.error, "cannot run the fraud checks on an event", ["station": station, "error": "\(error)"])
                }) {
                    log(.warning, "fraud signal", ["signal": signal.kind.rawValue, "station": signal.station,
                                                   "session": signal.session.map(String.init) ?? "-", "detail": signal.summary])
                }
            }
        }
    }
}
