import OCPP

/// What became of a `CostUpdated` sent to a station.
public enum CostUpdateOutcome: Sendable, Equatable, CustomStringConvertible {
    case accepted
    case notConnected
    /// The station speaks OCPP 1.6, which has no CostUpdated: nothing was sent.
    case notOCPP201
    /// The station answered with a CALLERROR.
    case callError(CallErrorCode, String)
    case timedOut
    /// Any other failure (an invalid answer, the station's call queue full …).
    case failed(String)

    public var description: String {
        switch self {
        case .accepted: "accepted"
        case .notConnected: "not connected"
        case .notOCPP201: "an OCPP 1.6 station (no CostUpdated)"
        case .callError(let code, let text): "CALLERROR \(code): \(text)"
        case .timedOut: "no answer in time"
        case .failed(let text): text
        }
    }

    /// The station does not take CostUpdated at all (NotImplemented, NotSupported): asking
    /// again during the same session only draws the same answer.
    public var isUnsupported: Bool {
        if case .callError(let code, _) = self { return code == .notImplemented || code == .notSupported }
        return false
    }
}

extension CommandService {
    /// Sends 2.0.1 `CostUpdated` (the running cost of transaction `transactionId`, `totalCost`
    /// in the tariff currency's major units, VAT included) on the station's live connection.
    /// It is a display message, not a remediation command: no safety gate, no command record,
    /// no audit entry — the running-cost sender logs failures and moves on. Never sent to a
    /// 1.6 station (`notOCPP201`). Like every call of Vigil's it waits for the answers to the
    /// station's own calls in progress (`OCPPConnection`), and it holds Vigil's next call to the
    /// station until answered or `timeout`.
    public func sendCostUpdated(totalCost: Double, transactionId: String, to station: String, timeout: Duration) async -> CostUpdateOutcome {
        guard let connection = await connections.connection(for: station) else { return .notConnected }
        guard connection.version == .v201 else { return .notOCPP201 }
        do {
            _ = try await connection.call(V201.CostUpdatedRequest(totalCost: totalCost, transactionId: transactionId), timeout: timeout)
            return .accepted
        } catch let failure as OCPPCallFailure {
            switch failure {
            case .callError(let error): return .callError(error.code, error.description)
            case .timedOut: return .timedOut
            case .notConnected: return .notConnected
            default: return .failed(failure.description)
            }
        } catch {
            return .failed("\(error)")
        }
    }
}
