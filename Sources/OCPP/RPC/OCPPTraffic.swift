import Synchronization

/// Counts of the OCPP traffic of every connection of a process, for `/metrics`: CALLs received
/// and sent by action, CallErrors sent and received by code, frames that could not be read.
/// Shared by all connections (a `Mutex` around small dictionaries: one lock per message).
/// Label values are bounded: an action no handler serves is counted as `other`, an error
/// code outside OCPP's list as `other`, so a charger cannot grow the label set.
public final class OCPPTraffic: Sendable {
    /// One snapshot of the counts.
    public struct Counts: Sendable, Equatable {
        public var callsReceived: [String: Int] = [:]
        public var callsSent: [String: Int] = [:]
        public var callErrorsSent: [String: Int] = [:]
        public var callErrorsReceived: [String: Int] = [:]
        public var unreadableFrames = 0
    }

    private let counts = Mutex(Counts())

    public init() {}

    public var snapshot: Counts { counts.withLock { $0 } }

    func received(call action: String, known: Bool) {
        counts.withLock { $0.callsReceived[known ? action : "other", default: 0] += 1 }
    }

    func sent(call action: String) {
        counts.withLock { $0.callsSent[action, default: 0] += 1 }
    }

    func sent(callError code: String) {
        let label = Self.codeLabel(code)
        counts.withLock { $0.callErrorsSent[label, default: 0] += 1 }
    }

    func received(callError code: String) {
        let label = Self.codeLabel(code)
        counts.withLock { $0.callErrorsReceived[label, default: 0] += 1 }
    }

    func unreadable() {
        counts.withLock { $0.unreadableFrames += 1 }
    }

    /// OCPP-J's CallError codes (both versions' spellings); anything else is `other`.
    static let codes: Set<String> = ["NotImplemented", "NotSupported", "InternalError", "ProtocolError", "SecurityError",
                                     "FormationViolation", "FormatViolation", "PropertyConstraintViolation",
                                     "OccurenceConstraintViolation", "OccurrenceConstraintViolation", "TypeConstraintViolation",
                                     "GenericError", "MessageTypeNotSupported", "RpcFrameworkError"]

    static func codeLabel(_ code: String) -> String { codes.contains(code) ? code : "other" }
}
