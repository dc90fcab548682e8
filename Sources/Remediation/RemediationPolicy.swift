import Foundation
import RuleEngine

/// The executor's own safety settings, enforced whatever a rule says.
public struct RemediationPolicy: Sendable {
    /// How long a command for an offline station waits for it to reconnect.
    public var queueTimeToLive: TimeInterval = 3_600
    /// At most this many resets per station within `resetWindow`, counted from the durable
    /// command record (so a restart of Vigil cannot reset a station again past it).
    public var maxResetsPerStation = 3
    public var resetWindow: TimeInterval = 86_400
    /// The fleet breaker: when more than this share of known stations (at least
    /// `fleetBreakerMinStations`) report a fault within `fleetBreakerWindow`, automatic resets
    /// stop for that long and one grouped alert goes out — suspect the backend, network or grid.
    public var fleetBreakerShare = 0.2
    public var fleetBreakerWindow: TimeInterval = 900
    public var fleetBreakerMinStations = 5
    /// …and at least this many stations fault (two faults in a small fleet are not an outage).
    public var fleetBreakerMinFaults = 5
    /// The reboot-loop breaker: this many boots caused by Vigil's own resets within
    /// `rebootLoopWindow` stop automatic resets of that station for `rebootLoopHold`.
    public var rebootLoopBoots = 3
    public var rebootLoopWindow: TimeInterval = 3_600
    public var rebootLoopHold: TimeInterval = 86_400
    /// A reset of a station within this long after another one went out to it (at least as
    /// hard) joins that one instead of being sent: one reset restarts every connector.
    public var resetJoinWindow: TimeInterval = 60
    /// A boot within this long after an accepted reset is attributed to it.
    public var bootAttribution: TimeInterval = 600
    /// Planned work: no automatic commands to these stations or sites while a window is open.
    public var maintenance: [MaintenanceWindow] = []

    public init() {}
}
