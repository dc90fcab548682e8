import Foundation

/// The station configuration keys whose values are secrets, in one place, and the redaction of
/// their values wherever Vigil writes them down (audit trail, API answers, CLI output, the text
/// log and the raw message log). The value sent to the station is never changed: only what is
/// recorded is.
///
/// Secret: 1.6 `AuthorizationKey`; 2.0.1 `SecurityCtrlr.BasicAuthPassword` and every other
/// name that contains `Password`, `Passwd`, `PrivateKey`, `Secret`, `Passphrase`, `ApiKey`,
/// `Token`, `Credential`, `PSK` or `AuthorizationKey`, or ends in `Key`, `Pin`, `Pwd` or `Auth`
/// (case-insensitive, separators such as `_` ignored: `Authorization_Key`, `WifiKey`,
/// `NetworkPSK`, `ChargeBoxPin`, `MqttAuth`; for 2.0.1 each name of `Component.Variable` counts). Vendors name cloud and back-end
/// credentials freely (`MyCloudApiToken`, `CentralSystemCredential`): a harmless setting
/// redacted costs a look at the station, a secret kept in clear cannot be taken back.
///
/// `redact(frame:)` rewrites the frames that carry setting values — ChangeConfiguration and
/// SetVariables requests, GetConfiguration and GetVariables results, NotifyReport — and returns
/// every other frame untouched after a cheap byte scan, so it can run on every frame logged.
public enum SecretSettings {
    /// Lower-case fragments that make a key secret anywhere in its name, and endings that do
    /// at its end (each name of a 2.0.1 `Component.Variable`), compared with separators
    /// (`_`, `-`, spaces …) taken out: `Authorization_Key` is `AuthorizationKey`.
    static let fragments = ["authorizationkey", "password", "passwd", "privatekey", "secret", "passphrase", "apikey", "token", "credential", "psk"]
    static let endings = ["key", "pin", "pwd", "auth"]

    /// Whether a 1.6 key or 2.0.1 `Component.Variable` (or a bare variable name) holds a secret.
    public static func isSecret(_ key: String) -> Bool {
        let names = key.lowercased().split(separator: ".").map { name in String(name.unicodeScalars.filter(CharacterSet.alphanumerics.contains)) }
        return names.contains { name in fragments.contains { name.contains($0) } || endings.contains { name.hasSuffix($0) } }
    }

    /// What is recorded instead of a secret value: `«redacted, 40 chars»`.
    public static func redacted(_ value: String) -> String { "«redacted, \(value.count) chars»" }

    /// `value`, or its redaction when `key` is secret (a value redacted already, as another
    /// node sends it, stays as it is).
    public static func recordable(_ value: String, key: String) -> String {
        guard isSecret(key), !isRedaction(value) else { return value }
        return redacted(value)
    }

    /// Whether `value` is a redaction `redacted` made.
    static func isRedaction(_ value: String) -> Bool {
        value.hasPrefix("«redacted, ") && value.hasSuffix(" chars»") && Int(value.dropFirst(11).dropLast(7)) != nil
    }

    // MARK: Frames

    /// Byte markers of the frames that can carry a setting value: the action name of a CALL, or
    /// a field name only the matching CALLRESULT has (results do not name their action).
    static let markers: [[UInt8]] = ["\"ChangeConfiguration\"", "\"SetVariables\"", "\"NotifyReport\"", "\"configurationKey\"",
                                     "\"getVariableResult\""].map { Array($0.utf8) }

    /// The frame with secret setting values redacted; other frames are returned as they are.
    public static func redact(frame text: String) -> String {
        guard mayCarrySettings(text) else { return text }
        guard case .array(var elements)? = try? JSONParser.parse(text), elements.count >= 3,
              case .number(let kind) = elements[0] else { return text }
        var changed = false
        switch (kind.intValue, elements.count) {
        case (2, 4):
            guard case .string(let action) = elements[2], case .object(var payload) = elements[3] else { return text }
            switch action {
            case "ChangeConfiguration":
                if case .string(let key)? = payload["key"], case .string(let value)? = payload["value"], isSecret(key) {
                    payload.set("value", .string(redacted(value)))
                    changed = true
                }
            case "SetVariables":
                changed = redactEach(in: &payload, list: "setVariableData", valueField: "attributeValue")
            case "NotifyReport":
                changed = redactReport(&payload)
            default: return text
            }
            elements[3] = .object(payload)
        case (3, 3):
            guard case .object(var payload) = elements[2] else { return text }
            if case .array(var keys)? = payload["configurationKey"] {
                for index in keys.indices {
                    guard case .object(var entry) = keys[index], case .string(let key)? = entry["key"],
                          case .string(let value)? = entry["value"], isSecret(key) else { continue }
                    entry.set("value", .string(redacted(value)))
                    keys[index] = .object(entry)
                    changed = true
                }
                payload.set("configurationKey", .array(keys))
            }
            if redactEach(in: &payload, list: "getVariableResult", valueField: "attributeValue") { changed = true }
            elements[2] = .object(payload)
        default: return text
        }
        return changed ? JSONWriter.string(.array(elements)) : text
    }

    /// Whether the frame contains one of the markers: one pass over the bytes looking for a
    /// quote, a marker compared only where one starts (no parsing: this runs on every frame
    /// the raw log records).
    static func mayCarrySettings(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { bytes in
            let quote = UInt8(ascii: "\"")
            var index = 0
            while index + 1 < bytes.count {
                if bytes[index] == quote {
                    for marker in markers where marker[1] == bytes[index + 1] && index + marker.count <= bytes.count {
                        var offset = 2
                        while offset < marker.count && bytes[index + offset] == marker[offset] { offset += 1 }
                        if offset == marker.count { return true }
                    }
                }
                index += 1
            }
            return false
        }
    }

    /// The 2.0.1 variable a `{component, variable}` object names, as `Component.Variable`.
    static func variableKey(_ entry: JSONObject) -> String? {
        guard case .object(let variable)? = entry["variable"], case .string(let name)? = variable["name"] else { return nil }
        if case .object(let component)? = entry["component"], case .string(let componentName)? = component["name"] {
            return componentName + "." + name
        }
        return name
    }

    /// Redacts `valueField` of every entry of `list` whose variable is secret.
    static func redactEach(in payload: inout JSONObject, list: String, valueField: String) -> Bool {
        guard case .array(var entries)? = payload[list] else { return false }
        var changed = false
        for index in entries.indices {
            guard case .object(var entry) = entries[index], let key = variableKey(entry), isSecret(key),
                  case .string(let value)? = entry[valueField] else { continue }
            entry.set(valueField, .string(redacted(value)))
            entries[index] = .object(entry)
            changed = true
        }
        if changed { payload.set(list, .array(entries)) }
        return changed
    }

    /// NotifyReport: `reportData[].variableAttribute[].value` of secret variables.
    static func redactReport(_ payload: inout JSONObject) -> Bool {
        guard case .array(var data)? = payload["reportData"] else { return false }
        var changed = false
        for index in data.indices {
            guard case .object(var entry) = data[index], let key = variableKey(entry), isSecret(key),
                  case .array(var attributes)? = entry["variableAttribute"] else { continue }
            for slot in attributes.indices {
                guard case .object(var attribute) = attributes[slot], case .string(let value)? = attribute["value"] else { continue }
                attribute.set("value", .string(redacted(value)))
                attributes[slot] = .object(attribute)
                changed = true
            }
            entry.set("variableAttribute", .array(attributes))
            data[index] = .object(entry)
        }
        if changed { payload.set("reportData", .array(data)) }
        return changed
    }
}

extension JSONObject {
    /// Replaces the first member named `key` (appends when there is none), keeping the order.
    mutating func set(_ key: String, _ value: JSONValue) {
        if let index = members.firstIndex(where: { $0.key == key }) { members[index].value = value } else { members.append((key, value)) }
    }
}
