import Foundation
import OCPP
import Transport

/// One simulated charge point: connects, boots, heartbeats, runs driver sessions, gets faulted
/// on schedule, and answers the CSMS's commands the way its personality and its fault's
/// behaviour dictate (a reset accepted and a reboot that clears the fault — or does not).
public actor SimulatedStation {
    public let id: String
    public let site: String
    public let personality: Personality
    let scenario: Scenario
    let faults: [Scenario.Fault]
    let clock: SimClock
    let url: String
    let report: @Sendable (SimulationEvent) -> Void
    /// The simulation's cards, shared with the other stations.
    let tokens: TokenPool

    var connection: OCPPConnection?
    var status: [Int: String] = [:]
    /// The fault active on each connector.
    var activeFault: [Int: Scenario.Fault] = [:]
    var disabled: Set<Int> = []
    var charging: Set<Int> = []
    var silent = false
    /// Simulated seconds between heartbeats: the CSMS's Boot `interval` once accepted, else
    /// the personality's (see `heartbeatInterval(bootReply:personality:speed:)`).
    var heartbeatInterval: Double
    var rebootRequested: (hard: Bool, at: Double)?
    var selfReboots = 0
    var messageCounter = 0
    var random: SplitMix

    public init(id: String, site: String, personality: Personality, scenario: Scenario, clock: SimClock, url: String,
                seed: UInt64, tokens: TokenPool = TokenPool(), report: @escaping @Sendable (SimulationEvent) -> Void) {
        self.id = id
        self.site = site
        self.personality = personality
        self.scenario = scenario
        faults = scenario.faults.filter { $0.station == id }.sorted { $0.at < $1.at }
        self.clock = clock
        self.url = url
        self.report = report
        self.tokens = tokens
        random = SplitMix(state: seed)
        heartbeatInterval = personality.heartbeatInterval
        for connector in 1...personality.connectors { status[connector] = "Available" }
    }

    var isV201: Bool { personality.ocpp == "ocpp2.0.1" }

    /// Runs until the scenario's end: connects (again after a reboot or a drop) and lives.
    public func run() async {
        var pendingFaults = faults
        while clock.elapsed < scenario.duration && !Task.isCancelled {
            do {
                try await connectAndBoot()
            } catch {
                report(.problem(station: id, message: "cannot connect: \(error)"))
                try? await clock.sleep(personality.reconnectSeconds * 6)
                continue
            }
            // Live until the connection ends (a reboot closes it) or the scenario does.
            await live(pendingFaults: &pendingFaults)
            tokens.giveBackAll(station: id)   // sessions cut by a reboot or a drop end here
            await connection?.socket.close()
            connection = nil
            if let reboot = rebootRequested {
                rebootRequested = nil
                try? await clock.sleep(personality.rebootSeconds)
                applyReboot(hard: reboot.hard)
            } else {
                try? await clock.sleep(personality.reconnectSeconds)
            }
        }
        await connection?.socket.close()
    }

    func connectAndBoot() async throws {
        var options = WebSocketClient.Options()
        options.subprotocols = [personality.ocpp]
        options.configuration.pingInterval = nil
        let (socket, _) = try await WebSocketClient.connect(to: url + id, options: options)
        let connection = OCPPConnection(socket: socket, version: isV201 ? .v201 : .v16, stationId: id, handlers: handlers())
        self.connection = connection
        Task { await connection.run() }
        report(.connected(station: id))
        if personality.statusBeforeBoot { await sendStatuses() }
        var accepted = false
        while !accepted && clock.elapsed < scenario.duration {
            let reply = try await send(isV201 ? "BootNotification" : "BootNotification", bootPayload())
            let answer = reply["status"].flatMap { if case .string(let text) = $0 { return text } else { return nil } } ?? "?"
            report(.booted(station: id, status: answer))
            accepted = answer == "Accepted"
            if accepted { heartbeatInterval = Self.heartbeatInterval(bootReply: reply, personality: personality, speed: clock.speed) }
            if !accepted { try await clock.sleep(60) }
        }
        await sendStatuses()
    }

    /// The heartbeat interval a station keeps after an accepted boot, in simulated seconds. As
    /// real chargers do, it adopts the CSMS's `interval` (the same field in 1.6 and 2.0.1); that
    /// is in the CSMS's real seconds, so it is scaled by `speed` and the CSMS hears a heartbeat
    /// as often as it asked whatever the simulation's speed. The personality's own interval
    /// applies only when the CSMS gives none (0, absent or not a number).
    static func heartbeatInterval(bootReply: JSONObject, personality: Personality, speed: Double) -> Double {
        guard case .number(let number)? = bootReply["interval"], let seconds = number.intValue, seconds > 0 else {
            return personality.heartbeatInterval
        }
        return Double(seconds) * speed
    }

    func bootPayload() -> JSONObject {
        if isV201 {
            return JSONObject([("chargingStation", .object(JSONObject([("model", .string(personality.model)), ("vendorName", .string(personality.vendor)),
                                                                       ("firmwareVersion", .string(personality.firmware))]))),
                               ("reason", .string(selfReboots > 0 || rebootCount > 0 ? "RemoteReset" : "PowerUp"))])
        }
        return JSONObject([("chargePointVendor", .string(personality.vendor)), ("chargePointModel", .string(personality.model)),
                           ("firmwareVersion", .string(personality.firmware)), ("chargePointSerialNumber", .string("SN-\(id)"))])
    }

    var rebootCount = 0

    /// Sends a CALL; failures (timeouts, a closed socket) are thrown.
    @discardableResult
    func send(_ action: String, _ payload: JSONObject) async throws -> JSONObject {
        guard let connection else { throw SimulatorFailure.notConnected }
        do {
            return try await connection.call(action, personality.bends.apply(to: payload, action: action), timeout: .seconds(30))
        } catch OCPPCallFailure.callError(let error) {
            // A central system refusing what this firmware sends is worth seeing in the summary.
            report(.problem(station: id, message: "\(action) refused: \(error.code) \(error.description)"))
            throw OCPPCallFailure.callError(error)
        }
    }

    enum SimulatorFailure: Error { case notConnected }

    func sendStatuses() async {
        for connector in 1...personality.connectors { await sendStatus(connector) }
    }

    func sendStatus(_ connector: Int) async {
        let current = status[connector] ?? "Available"
        let fault = current == "Faulted" ? activeFault[connector] : nil
        if isV201 {
            let wire = ["Charging": "Occupied", "Preparing": "Occupied", "Finishing": "Occupied", "SuspendedEV": "Occupied"][current] ?? current
            _ = try? await send("StatusNotification", JSONObject([("timestamp", .string(clock.timestamp())), ("connectorStatus", .string(wire)),
                                                                  ("evseId", .integer(connector)), ("connectorId", .integer(1))]))
            if let fault {
                // 2.0.1 reports faults as a monitored component/variable, as the generic catalogue keys them.
                let (component, variable) = Self.componentVariable[fault.errorCode] ?? ("Connector", "Problem")
                // techCode carries a vendor's own code only; without one the component/variable says it all.
                var event = JSONObject([("eventId", .integer(connector)), ("timestamp", .string(clock.timestamp())), ("trigger", .string("Alerting")),
                                        ("actualValue", .string("true")),
                                        ("eventNotificationType", .string("HardWiredNotification")),
                                        ("component", .object(JSONObject([("name", .string(component)),
                                                                          ("evse", .object(JSONObject([("id", .integer(connector))])))]))),
                                        ("variable", .object(JSONObject([("name", .string(variable))])))])
                if let code = fault.vendorErrorCode { event.append("techCode", .string(code)) }
                _ = try? await send("NotifyEvent", JSONObject([("generatedAt", .string(clock.timestamp())), ("seqNo", .integer(0)),
                                                               ("eventData", .array([.object(event)]))]))
            }
            return
        }
        var payload = JSONObject([("connectorId", .integer(connector)), ("status", .string(current)),
                                  ("errorCode", .string(fault?.errorCode ?? "NoError")), ("timestamp", .string(clock.timestamp()))])
        if let fault {
            if let code = fault.vendorErrorCode { payload.append("vendorErrorCode", .string(code)) }
            if let vendorId = personality.vendorId { payload.append("vendorId", .string(vendorId)) }
            if let info = fault.info { payload.append("info", .string(info)) }
        }
        _ = try? await send("StatusNotification", payload)
    }

    /// The 2.0.1 component and variable that report what a 1.6 error code says.
    static let componentVariable: [String: (String, String)] = [
        "ConnectorLockFailure": ("ConnectorPlugRetentionLock", "Problem"), "OverCurrentFailure": ("OverCurrentProtection", "Active"),
        "HighTemperature": ("TemperatureSensor", "Active"), "PowerSwitchFailure": ("PowerContactor", "Problem"),
        "PowerMeterFailure": ("PowerMeter", "Problem"), "GroundFailure": ("RCD", "Tripped"), "OverVoltage": ("ElectricalFeed", "Problem"),
        "UnderVoltage": ("ElectricalFeed", "Problem"),
    ]

    /// What happens to each connector's fault when the station comes back from a reboot.
    func applyReboot(hard: Bool) {
        rebootCount += 1
        for (connector, fault) in activeFault {
            let clears: Bool
            switch fault.behaviour {
            case .recoversAfterSoftReset: clears = true
            case .needsHardReset: clears = hard
            default: clears = false
            }
            if clears {
                activeFault[connector] = nil
                status[connector] = disabled.contains(connector) ? "Unavailable" : "Available"
                report(.recovered(station: id, connector: connector, at: clock.elapsed))
            }
        }
    }
}

/// A small deterministic random generator (SplitMix64), so a scenario plays out the same way.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
