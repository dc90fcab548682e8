import OCPP

/// A command Vigil sends to a station, independent of the OCPP version it speaks.
public enum StationCommand: Sendable, Equatable, Codable {
    /// `hard`: reboot now (2.0.1 Immediate); otherwise soft (2.0.1 OnIdle: after any session).
    case reset(hard: Bool)
    /// Take an EVSE (nil: the whole station) in or out of service.
    case changeAvailability(evse: Int?, operative: Bool)
    case unlockConnector(evse: Int, connector: Int)
    /// Ask the station to send a message now, e.g. "StatusNotification" or "Heartbeat".
    case triggerMessage(String, evse: Int?)
    /// Start a session for `idTag` (on an EVSE, or where the station chooses).
    case remoteStart(idTag: String, evse: Int?)
    /// Stop a running session by the station's transaction id (the 1.6 number as text).
    case remoteStop(transactionId: String)
    /// Change one setting: a 1.6 configuration key, or a 2.0.1 `Component.Variable`.
    /// RebootRequired comes back as `scheduled`.
    case changeConfiguration(key: String, value: String)
}

/// What became of a command. Only the station's answer is reported here; whether the
/// physical outcome followed (the connector back to Available …) is for verification to judge.
public enum CommandOutcome: Sendable, Equatable, Codable {
    case accepted
    /// Accepted, to take effect later (e.g. after the running session).
    case scheduled
    /// Refused by the station, with its status word (Rejected, UnlockFailed, NotImplemented …).
    case rejected(String)
    case timedOut
    case notConnected
    /// The station answered with a CALLERROR or an invalid response.
    case failed(String)
}

/// Sends a command to a station whose connection another node holds (several `vigil serve`
/// nodes on one database): the Cluster module's `NodeRequests`.
public protocol RemoteStationCommands: Sendable {
    /// The station's answer through the node that serves it, or nil when no other node does.
    func send(_ command: StationCommand, to station: String, timeout: Duration) async -> CommandOutcome?
    /// Whether another node serves `station` now (holds its live lease); false when that cannot be read.
    func serves(_ station: String) async -> Bool
    /// The station's settings read through the node that serves it (secret values redacted
    /// there), or nil when no other node does.
    func readConfiguration(of station: String, keys: [String], timeout: Duration) async -> ConfigurationReading?
}
