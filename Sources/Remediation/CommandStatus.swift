/// Where a remediation command stands, as its record keeps it (`remediation_commands.status`):
/// written `pending` before it is sent, then the station's answer (or the lack of one), or why
/// it was never sent.
public enum CommandStatus: String, Sendable, CaseIterable {
    /// Recorded, about to be sent (left so by a crash, it becomes `unknown`).
    case pending
    case sent
    case accepted
    /// Accepted for after the running session (OCPP `Scheduled`).
    case scheduled
    case rejected
    case timedOut
    case failed
    case notConnected
    /// The station was offline: waiting for it to reconnect, until the time to live.
    case queued
    /// Queued, and the station did not come back in time.
    case expired
    /// Vigil stopped between recording and confirming it: it may or may not have arrived.
    case unknown
    /// A dry-run rule: recorded, never sent.
    case dryRun
    /// Held by the fleet breaker.
    case held
    /// Refused by a safety gate.
    case refused
    /// A reset of a station that another reset, sent moments before, restarts already (one reset
    /// restarts every connector): not sent again; its rung's verification judges it as that one's.
    case joined

    /// Not carried out, for a reason worth showing next to it (in an alert's "Tried:" list).
    public var isSetback: Bool { [.refused, .rejected, .failed, .held, .notConnected].contains(self) }

    /// The station never acted on it (refused, held, rejected, failed, not connected, expired,
    /// dry-run): there is nothing for a verification to judge.
    public var wasNotCarriedOut: Bool { isSetback || self == .expired || self == .dryRun }

    /// In plain words, for listings: `timed out`, `refused by a gate` …
    public var words: String {
        switch self {
        case .timedOut: return "timed out"
        case .notConnected: return "not connected"
        case .dryRun: return "dry run"
        case .held: return "held by the fleet breaker"
        case .refused: return "refused by a gate"
        case .joined: return "joined an earlier reset"
        default: return rawValue
        }
    }
}
