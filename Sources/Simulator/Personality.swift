import Foundation
import YAMLKit

/// How a make and model of charger behaves, as real ones do: the strings it sends, its OCPP
/// version, how often it heartbeats, and how it answers a reset.
public struct Personality: Sendable, Equatable {
    public var name: String
    public var vendor: String
    public var model: String
    /// 1.6 `vendorId` in StatusNotification (many chargers send none).
    public var vendorId: String?
    public var firmware: String
    /// "ocpp1.6" or "ocpp2.0.1".
    public var ocpp: String
    public var connectors: Int
    public var heartbeatInterval: Double
    /// Seconds from accepting a reset to booting again.
    public var rebootSeconds: Double
    /// Sends StatusNotification before BootNotification after connecting (seen in the field).
    public var statusBeforeBoot: Bool
    /// A DataTransfer "noise" message every this many seconds (0: never).
    public var dataTransferEvery: Double
    /// Seconds before reconnecting after the connection dropped (six times as long after a
    /// failed connect), as firmware differs widely here.
    public var reconnectSeconds: Double = 5
    /// How the firmware bends OCPP in what it sends (as the vendor quirk profiles describe).
    public var bends = ProtocolBends()

    static let keys = ["name", "vendor", "model", "vendorId", "firmware", "ocpp", "connectors", "heartbeatInterval", "rebootSeconds",
                       "statusBeforeBoot", "dataTransferEvery", "reconnectSeconds", "bends"]

    /// Reads a YAML list of personalities; every problem at `file:line:col`.
    public static func load(_ text: String, file: String) -> Result<[Personality], SimulationError> {
        let root: YAMLNode?
        do { root = try YAMLParser.parse(text, file: file) } catch { return .failure(SimulationError(errors: [error])) }
        guard let items = root?.sequence else {
            return .failure(SimulationError(errors: [YAMLError(mark: root?.mark ?? YAMLMark(file: file, line: 1, column: 1),
                                                               problem: "a personalities file is a list of personalities")]))
        }
        var errors: [YAMLError] = []
        var result: [Personality] = []
        for item in items {
            var reader = YAMLFieldReader(item, context: "personality \(item["name"]?.scalar ?? "")", allowed: keys)
            let ocpp = reader.string("ocpp", required: false) ?? "ocpp1.6"
            if !["ocpp1.6", "ocpp2.0.1"].contains(ocpp), let node = item["ocpp"] { reader.fail(node, "\"ocpp\" must be ocpp1.6 or ocpp2.0.1") }
            func number(_ key: String, _ fallback: Double) -> Double {
                guard let text = reader.string(key, required: false) else { return fallback }
                guard let value = Double(text), value >= 0 else {
                    if let node = item[key] { reader.fail(node, "\"\(key)\" must be a non-negative number") }
                    return fallback
                }
                return value
            }
            var personality = Personality(name: reader.string("name") ?? "", vendor: reader.string("vendor") ?? "",
                                          model: reader.string("model") ?? "", vendorId: reader.string("vendorId", required: false),
                                          firmware: reader.string("firmware", required: false) ?? "1.0.0", ocpp: ocpp,
                                          connectors: Int(number("connectors", 2)), heartbeatInterval: number("heartbeatInterval", 300),
                                          rebootSeconds: number("rebootSeconds", 45),
                                          statusBeforeBoot: reader.bool("statusBeforeBoot", required: false) ?? false,
                                          dataTransferEvery: number("dataTransferEvery", 0))
            personality.reconnectSeconds = number("reconnectSeconds", 5)
            if let node = item["bends"] {
                let (bends, problems) = ProtocolBends.read(node, context: reader.context)
                personality.bends = bends
                errors += problems
            }
            if personality.connectors < 1 || personality.connectors > 8, let node = item["connectors"] {
                reader.fail(node, "\"connectors\" must be 1 to 8")
            }
            errors += reader.errors
            result.append(personality)
        }
        return errors.isEmpty ? .success(result) : .failure(SimulationError(errors: errors))
    }
}

/// Every problem found in a personalities or scenario file.
public struct SimulationError: Error, Sendable, CustomStringConvertible {
    public var errors: [YAMLError]
    public var description: String { errors.map(\.description).joined(separator: "\n") }
}
