import Foundation
import OCPP

/// Answers to the CSMS's commands, as the personality and the active fault dictate.
extension SimulatedStation {
    nonisolated func handlers() -> [String: OCPPConnection.Handler] {
        [
            "Reset": { [self] payload, _ in await self.reset(payload) },
            "ChangeAvailability": { [self] payload, _ in await self.changeAvailability(payload) },
            "UnlockConnector": { [self] payload, _ in await self.unlock(payload) },
            "TriggerMessage": { [self] payload, _ in await self.trigger(payload) },
        ]
    }

    static func text(_ value: JSONValue?) -> String? {
        if case .string(let text)? = value { return text }
        return nil
    }

    static func int(_ value: JSONValue?) -> Int? {
        if case .number(let number)? = value { return number.intValue }
        return nil
    }

    func answer(_ status: String) -> JSONObject { JSONObject([("status", .string(status))]) }

    var refusesCommands: Bool { activeFault.values.contains { $0.behaviour == .rejectsCommands } }

    /// A silent station does not answer in time (the CSMS's call times out).
    func stallIfSilent() async {
        if silent { try? await Task.sleep(for: .seconds(45)) }
    }

    func reset(_ payload: JSONObject) async -> JSONObject {
        await stallIfSilent()
        let type = Self.text(payload["type"]) ?? "Soft"
        let hard = type == "Hard" || type == "Immediate"
        if refusesCommands {
            report(.commandReceived(station: id, action: "Reset", detail: type, answer: "Rejected", at: clock.elapsed))
            return answer("Rejected")
        }
        report(.commandReceived(station: id, action: "Reset", detail: type, answer: "Accepted", at: clock.elapsed))
        rebootRequested = (hard, clock.elapsed)   // the live loop ends; the station reboots
        return answer("Accepted")
    }

    func changeAvailability(_ payload: JSONObject) async -> JSONObject {
        await stallIfSilent()
        let connector: Int
        let operative: Bool
        if isV201 {
            var evse = 0
            if case .object(let object)? = payload["evse"] { evse = Self.int(object["id"]) ?? 0 }
            connector = evse
            operative = Self.text(payload["operationalStatus"]) == "Operative"
        } else {
            connector = Self.int(payload["connectorId"]) ?? 0
            operative = Self.text(payload["type"]) == "Operative"
        }
        let detail = "\(operative ? "Operative" : "Inoperative") connector \(connector)"
        if refusesCommands {
            report(.commandReceived(station: id, action: "ChangeAvailability", detail: detail, answer: "Rejected", at: clock.elapsed))
            return answer("Rejected")
        }
        let targets = connector == 0 ? Array(1...personality.connectors) : [connector]
        if !operative && targets.contains(where: { charging.contains($0) }) {
            report(.commandReceived(station: id, action: "ChangeAvailability", detail: detail, answer: "Scheduled", at: clock.elapsed))
            return answer("Scheduled")
        }
        report(.commandReceived(station: id, action: "ChangeAvailability", detail: detail, answer: "Accepted", at: clock.elapsed))
        for target in targets {
            if operative {
                disabled.remove(target)
                status[target] = activeFault[target] == nil ? "Available" : "Faulted"
            } else {
                disabled.insert(target)
                status[target] = "Unavailable"
                report(.disabled(station: id, connector: target, at: clock.elapsed))
            }
        }
        Task { for target in targets { await self.sendStatus(target) } }
        return answer("Accepted")
    }

    func unlock(_ payload: JSONObject) async -> JSONObject {
        await stallIfSilent()
        let connector = Self.int(payload[isV201 ? "evseId" : "connectorId"]) ?? 1
        if refusesCommands {
            report(.commandReceived(station: id, action: "UnlockConnector", detail: "connector \(connector)", answer: "UnlockFailed", at: clock.elapsed))
            return answer("UnlockFailed")
        }
        report(.commandReceived(station: id, action: "UnlockConnector", detail: "connector \(connector)", answer: "Unlocked", at: clock.elapsed))
        if activeFault[connector]?.behaviour == .recoversAfterUnlock {
            Task { await self.clear(connector) }
        }
        return answer("Unlocked")
    }

    func trigger(_ payload: JSONObject) async -> JSONObject {
        await stallIfSilent()
        let message = Self.text(payload["requestedMessage"]) ?? "?"
        report(.commandReceived(station: id, action: "TriggerMessage", detail: message, answer: silent ? "Rejected" : "Accepted", at: clock.elapsed))
        guard !silent else { return answer("Rejected") }
        Task {
            try? await Task.sleep(for: .milliseconds(50))
            switch message {
            case "Heartbeat": _ = try? await self.send("Heartbeat", JSONObject())
            case "StatusNotification": await self.sendStatuses()
            case "BootNotification": _ = try? await self.send("BootNotification", self.bootPayload())
            default: break
            }
        }
        return answer(["Heartbeat", "StatusNotification", "BootNotification"].contains(message) ? "Accepted" : "NotImplemented")
    }
}
