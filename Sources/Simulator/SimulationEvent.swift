import Foundation

/// Something that happened in the simulation, for the live log and the summary.
public enum SimulationEvent: Sendable {
    case connected(station: String)
    case booted(station: String, status: String)
    case faultInjected(station: String, connector: Int, code: String, behaviour: Scenario.Behaviour, at: Double)
    case commandReceived(station: String, action: String, detail: String, answer: String, at: Double)
    case recovered(station: String, connector: Int, at: Double)
    case disabled(station: String, connector: Int, at: Double)
    case sessionCompleted(station: String, energyWh: Int)
    case sessionRefused(station: String, token: String, status: String)
    case problem(station: String, message: String)
}
