import OCPP

/// One configuration setting as a station reports it: 1.6 configuration keys, or 2.0.1
/// variables written `Component.Variable` (`Component[instance].Variable[instance]` when an
/// instance is needed, e.g. `OCPPCommCtrlr.HeartbeatInterval`).
public struct ConfigurationSetting: Sendable, Equatable, Codable {
    public var key: String
    /// Nil when the station does not report a value (or, in 2.0.1, refused to).
    public var value: String?
    public var readonly: Bool
    /// `Accepted`, or the station's reason for not giving a value (2.0.1: UnknownComponent …).
    public var status: String

    public init(key: String, value: String?, readonly: Bool, status: String = "Accepted") {
        self.key = key
        self.value = value
        self.readonly = readonly
        self.status = status
    }
}

/// What reading a station's configuration gave.
public enum ConfigurationReading: Sendable, Equatable, Codable {
    /// The settings read, and the keys the station said it does not know.
    case settings([ConfigurationSetting], unknown: [String])
    case timedOut
    case notConnected
    /// A CALLERROR, an invalid response, or a request the version cannot express.
    case failed(String)
}

/// A `Component.Variable` key in its 2.0.1 parts.
struct VariableKey: Equatable {
    var component: String
    var componentInstance: String?
    var variable: String
    var variableInstance: String?

    /// `OCPPCommCtrlr.HeartbeatInterval`, `EVSE[1].Power` …; nil when not of that form.
    init?(_ text: String) {
        let parts = text.split(separator: ".", maxSplits: 1).map(String.init)
        guard parts.count == 2, let component = Self.named(parts[0]), let variable = Self.named(parts[1]) else { return nil }
        (self.component, componentInstance) = component
        (self.variable, variableInstance) = variable
    }

    init(component: String, componentInstance: String?, variable: String, variableInstance: String?) {
        self.component = component
        self.componentInstance = componentInstance
        self.variable = variable
        self.variableInstance = variableInstance
    }

    private static func named(_ text: String) -> (String, String?)? {
        guard !text.isEmpty else { return nil }
        guard text.hasSuffix("]"), let open = text.firstIndex(of: "[") else { return text.contains("[") || text.contains("]") ? nil : (text, nil) }
        let name = String(text[..<open])
        let instance = String(text[text.index(after: open)..<text.index(before: text.endIndex)])
        return name.isEmpty || instance.isEmpty ? nil : (name, instance)
    }

    var text: String {
        component + (componentInstance.map { "[\($0)]" } ?? "") + "." + variable + (variableInstance.map { "[\($0)]" } ?? "")
    }

    var component201: V201.ComponentType { V201.ComponentType(name: component, instance: componentInstance) }
    var variable201: V201.VariableType { V201.VariableType(name: variable, instance: variableInstance) }
}

extension CommandService {
    /// Reads settings from a station: the given keys, or (1.6 only) every key it has.
    /// Several nodes: a station connected to another node is read through it (`elsewhere`).
    public func readConfiguration(of station: String, keys: [String]) async -> ConfigurationReading {
        guard let connection = await connections.connection(for: station) else {
            return await elsewhere?.readConfiguration(of: station, keys: keys, timeout: timeout) ?? .notConnected
        }
        do {
            switch connection.version {
            case .v16:
                let reply = try await connection.call(V16.GetConfigurationRequest(key: keys.isEmpty ? nil : keys), timeout: timeout)
                let settings = (reply.configurationKey ?? []).map { ConfigurationSetting(key: $0.key, value: $0.value, readonly: $0.readonly) }
                return .settings(settings, unknown: reply.unknownKey ?? [])
            case .v201:
                guard !keys.isEmpty else { return .failed("OCPP 2.0.1 reads named variables only (Component.Variable); a full report is GetBaseReport") }
                var requested: [VariableKey] = []
                for key in keys {
                    guard let parsed = VariableKey(key) else { return .failed("\(key.debugDescription) is not Component.Variable") }
                    requested.append(parsed)
                }
                let reply = try await connection.call(V201.GetVariablesRequest(getVariableData: requested.map {
                    V201.GetVariableDataType(component: $0.component201, variable: $0.variable201)
                }), timeout: timeout)
                var settings: [ConfigurationSetting] = []
                var unknown: [String] = []
                for result in reply.getVariableResult {
                    let key = VariableKey(component: result.component.name, componentInstance: result.component.instance,
                                          variable: result.variable.name, variableInstance: result.variable.instance).text
                    switch result.attributeStatus {
                    case .unknownComponent, .unknownVariable: unknown.append(key)
                    default:
                        settings.append(ConfigurationSetting(key: key, value: result.attributeValue, readonly: false,
                                                             status: result.attributeStatus.rawValue))
                    }
                }
                return .settings(settings, unknown: unknown)
            }
        } catch {
            return .failure(error)
        }
    }
}
