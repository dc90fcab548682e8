import OCPP

/// The ends a call to a station shares whatever it asked (a command, a configuration read):
/// no answer in time, no connection, or a failure with its reason. `failure(_:)` maps a thrown
/// error onto them in one place.
protocol StationCallOutcome {
    static var timedOut: Self { get }
    static var notConnected: Self { get }
    static func failed(_ reason: String) -> Self
}

extension StationCallOutcome {
    /// The outcome for an error thrown by the call (`OCPPCallFailure` or anything else).
    static func failure(_ error: any Error) -> Self {
        switch error as? OCPPCallFailure {
        case .timedOut?: return .timedOut
        case .notConnected?: return .notConnected
        case let failure?: return .failed(failure.description)
        case nil: return .failed("\(error)")
        }
    }
}

extension CommandOutcome: StationCallOutcome {}
extension ConfigurationReading: StationCallOutcome {}
