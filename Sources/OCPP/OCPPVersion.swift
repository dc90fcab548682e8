/// The OCPP-J versions Vigil speaks, named by their WebSocket subprotocol.
public enum OCPPVersion: String, Sendable, CaseIterable {
    case v16 = "ocpp1.6"
    case v201 = "ocpp2.0.1"

    /// Subprotocols in the server's order of preference.
    public static let subprotocols = [OCPPVersion.v201.rawValue, OCPPVersion.v16.rawValue]
}
