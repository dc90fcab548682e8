/// Whether a charging session succeeded, and if not, why: a pure judgement of one session
/// (session metrics' success rate; docs/operator-guide.md, "Reliability metrics").
///
/// A completed session is **successful** when none of these holds; otherwise it failed for the
/// first that does (one reason per session, in this order):
/// 1. `faultDuringSession` — the charger reported an error code on the session's EVSE (or the
///    whole station) while it ran: the equipment failed the driver, whatever came after;
/// 2. `stopReason:<X>` — it ended for a reason that means the equipment or its power failed
///    or was reset (`failingStopReasons`);
/// 3. `noEnergy` — it delivered less than the minimum energy (default 0.1 kWh); a session
///    without a meter reading delivered none that anyone can show.
/// A session still running is not judged.
public enum SessionOutcome: Hashable, Sendable {
    case successful
    case faultDuringSession
    case stopReason(String)
    case noEnergy

    /// The failure's key in reports (`failures`): `faultDuringSession`, `stopReason:PowerLoss`,
    /// `noEnergy`; nil for a success.
    public var failureKey: String? {
        switch self {
        case .successful: return nil
        case .faultDuringSession: return "faultDuringSession"
        case .stopReason(let reason): return "stopReason:\(reason)"
        case .noEnergy: return "noEnergy"
        }
    }

    /// Stop reasons that mean the equipment or its supply failed, or it was reset mid-session —
    /// 1.6 `Reason` and 2.0.1 `ReasonEnumType`, spelled as on the wire:
    /// - both: EmergencyStop, PowerLoss, Reboot;
    /// - 1.6: HardReset, SoftReset, UnlockCommand (an operator freeing a stuck cable);
    /// - 2.0.1: ImmediateReset, GroundFault, OvercurrentFault, PowerQuality.
    /// Not failures: the driver's or the vehicle's own end (EVDisconnected, Local, StoppedByEV,
    /// the limits: EnergyLimitReached, SOCLimitReached, TimeLimitReached), a back office's
    /// (Remote, DeAuthorized, LocalOutOfCredit, MasterPass), Timeout (no vehicle came: caught by
    /// the energy test) and Other (says nothing; a fault or no energy still fail it).
    public static let failingStopReasons: Set<String> = [
        "EmergencyStop", "PowerLoss", "Reboot", "HardReset", "SoftReset", "UnlockCommand",
        "ImmediateReset", "GroundFault", "OvercurrentFault", "PowerQuality",
    ]

    /// The outcome of a completed session that delivered `energyWh` (nil: no reading), ended
    /// for `stopReason`, with `hadFault` when an error was recorded on it while it ran.
    public static func judge(energyWh: Double?, stopReason: String?, hadFault: Bool, minEnergyWh: Double) -> SessionOutcome {
        if hadFault { return .faultDuringSession }
        if let stopReason, failingStopReasons.contains(stopReason) { return .stopReason(stopReason) }
        if (energyWh ?? 0) < minEnergyWh { return .noEnergy }
        return .successful
    }
}
