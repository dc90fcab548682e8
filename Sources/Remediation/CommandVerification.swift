/// Where a command stands with verification, said explicitly (`vigil remediation commands`):
/// no check, a check still open, a verdict with its evidence, or why there is nothing to judge.
/// Worked out from the command's record and the time alone (pure), so the listing and its
/// tests agree on every wording.
public enum CommandVerification: Sendable, Equatable, CustomStringConvertible {
    /// The rung defines no `verify`: nothing will ever judge this command.
    case noCheckDefined
    /// The check is open until `until` (RFC 3339 UTC).
    case pending(until: String)
    /// An event proved it worked; `by` names the event and what it was.
    case verified(by: String?)
    /// The check ended without the proof; `why` says so in the engine's words.
    case failed(why: String?)
    /// The station never acted on the command (refused, rejected, held …), so nothing was judged.
    case notCheckedNotCarriedOut(CommandStatus)
    /// The check's time is over and no verdict was recorded (Vigil was not running then).
    case noVerdict(checkEnded: String)
    /// The record predates the keeping of checks, and holds no verdict.
    case notRecorded

    /// What the record of `command` says at `now` (RFC 3339 UTC, the store's form).
    public init(_ command: CommandRow, now: String) {
        if let verified = command.verified {
            self = verified ? .verified(by: command.verifiedBy) : .failed(why: command.verifiedBy)
        } else if !command.checkRecorded {
            self = .notRecorded
        } else if let until = command.verifyUntil {
            if command.status.wasNotCarriedOut {
                self = .notCheckedNotCarriedOut(command.status)
            } else {
                self = now <= until ? .pending(until: until) : .noVerdict(checkEnded: until)
            }
        } else {
            self = .noCheckDefined
        }
    }

    public var description: String {
        switch self {
        case .noCheckDefined: return "no check defined"
        case .pending(let until): return "pending (until \(until))"
        case .verified(let by): return by.map { "verified (by \($0))" } ?? "verified"
        case .failed(let why): return why.map { "failed (\($0))" } ?? "failed"
        case .notCheckedNotCarriedOut(let status): return "not checked (the command was \(status.words))"
        case .noVerdict(let ended): return "no verdict recorded (the check ended \(ended))"
        case .notRecorded: return "not recorded (an older command record)"
        }
    }

    /// A stable one-word name for JSON: noCheckDefined, pending, verified, failed, notCarriedOut,
    /// noVerdict, notRecorded.
    public var state: String {
        switch self {
        case .noCheckDefined: return "noCheckDefined"
        case .pending: return "pending"
        case .verified: return "verified"
        case .failed: return "failed"
        case .notCheckedNotCarriedOut: return "notCarriedOut"
        case .noVerdict: return "noVerdict"
        case .notRecorded: return "notRecorded"
        }
    }
}
