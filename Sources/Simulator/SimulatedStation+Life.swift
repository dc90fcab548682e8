import Foundation
import OCPP

/// The station's life while connected: heartbeats, driver sessions with meter values, faults
/// on schedule, recoveries, and reboots it causes itself.
extension SimulatedStation {
    struct Session {
        var transactionId: String
        var targetWh: Double
        var deliveredWh: Double = 0
        var meterStart: Double
        var lastMeterValues: Double
    }

    func live(pendingFaults: inout [Scenario.Fault]) async {
        let tick = max(0.2, 0.1 * clock.speed)          // simulated seconds per step (≈ 100 ms real)
        var lastHeartbeat = clock.elapsed
        var lastNoise = clock.elapsed
        var sessions: [Int: Session] = [:]
        var selfClear: [Int: Double] = [:]
        let connectedAt = clock.elapsed
        while clock.elapsed < scenario.duration && rebootRequested == nil && connection != nil && !Task.isCancelled {
            let now = clock.elapsed
            if let connection, await connection.socket.closeStatus != nil { break }
            if !silent && now - lastHeartbeat >= heartbeatInterval {
                lastHeartbeat = now
                _ = try? await send("Heartbeat", JSONObject())
            }
            if personality.dataTransferEvery > 0 && !silent && now - lastNoise >= personality.dataTransferEvery {
                lastNoise = now
                _ = try? await send("DataTransfer", JSONObject([("vendorId", .string(personality.vendor)), ("messageId", .string("diag")),
                                                                ("data", .string("temp=41.5;fan=ok"))]))
            }
            while let fault = pendingFaults.first, fault.at <= now {
                pendingFaults.removeFirst()
                await inject(fault)
                if fault.behaviour == .recoversByItself { selfClear[fault.connector] = now + fault.clearsAfter }
            }
            for (connector, at) in selfClear where at <= now {
                selfClear[connector] = nil
                if activeFault[connector] != nil { await clear(connector) }
            }
            if rebootCount > 0, activeFault.values.contains(where: { $0.behaviour == .rebootLoops }), selfReboots < 5, now - connectedAt > 20 {
                selfReboots += 1
                rebootRequested = (false, now)   // the loop: it reboots by itself, again and again
                break
            }
            if !silent { await driveSessions(&sessions, step: tick, now: now) }
            try? await clock.sleep(tick)
        }
        // The scenario is over: drivers still charging unplug and their sessions end (left open,
        // they stayed active in the CPMS for good, and the demo's bill showed none of them).
        // A reboot or a lost connection ends the loop too: those sessions end as such a
        // charger's would, later or never.
        if clock.elapsed >= scenario.duration, rebootRequested == nil, connection != nil, !silent {
            for (connector, session) in sessions.sorted(by: { $0.key < $1.key }) {
                await stop(connector, session: session, meter: session.meterStart + session.deliveredWh, failed: false)
            }
        }
    }

    func inject(_ fault: Scenario.Fault) async {
        guard fault.connector >= 1 && fault.connector <= personality.connectors else {
            report(.problem(station: id, message: "fault on connector \(fault.connector), which this station does not have"))
            return
        }
        activeFault[fault.connector] = fault
        status[fault.connector] = "Faulted"
        report(.faultInjected(station: id, connector: fault.connector, code: fault.vendorErrorCode ?? fault.errorCode, behaviour: fault.behaviour,
                              at: clock.elapsed))
        if fault.behaviour == .goesSilent {
            await sendStatus(fault.connector)
            silent = true
            return
        }
        await sendStatus(fault.connector)
    }

    func clear(_ connector: Int) async {
        activeFault[connector] = nil
        status[connector] = disabled.contains(connector) ? "Unavailable" : "Available"
        report(.recovered(station: id, connector: connector, at: clock.elapsed))
        await sendStatus(connector)
    }

    /// Drivers arrive, charge and leave.
    func driveSessions(_ sessions: inout [Int: Session], step: Double, now: Double) async {
        for connector in 1...personality.connectors {
            if var session = sessions[connector] {
                session.deliveredWh += scenario.drivers.powerKW * 1_000 * step / 3_600
                let meter = session.meterStart + session.deliveredWh
                if session.deliveredWh >= session.targetWh || activeFault[connector] != nil {
                    sessions[connector] = nil
                    await stop(connector, session: session, meter: meter, failed: activeFault[connector] != nil)
                    continue
                }
                if now - session.lastMeterValues >= 60 {
                    session.lastMeterValues = now
                    await meterValues(connector, session: session, meter: meter)
                }
                sessions[connector] = session
                continue
            }
            guard activeFault[connector] == nil, !disabled.contains(connector), status[connector] == "Available" else { continue }
            let chance = scenario.drivers.sessionsPerHour(at: clock.now) * step / 3_600
            guard Double.random(in: 0..<1, using: &random) < chance else { continue }
            if let session = await start(connector) { sessions[connector] = session }
        }
    }

    /// The card the arriving driver presents at `connector`: an unknown one for `unknownShare`
    /// of drivers, else a known card not charging elsewhere; nil when all of them are.
    func token(at connector: Int) -> String? {
        let holder = "\(id)/\(connector)"
        if Double.random(in: 0..<1, using: &random) < scenario.drivers.unknownShare {
            return tokens.borrow(preferring: ["UNKNOWN-\(Int.random(in: 1000...9999, using: &random))"], holder: holder)
        }
        let known = scenario.drivers.tokens.isEmpty ? ["SIM-TOKEN-1"] : scenario.drivers.tokens
        return tokens.borrow(preferring: known.shuffled(using: &random), holder: holder)
    }

    func start(_ connector: Int) async -> Session? {
        guard let idTag = token(at: connector) else { return nil }
        let target = Double.random(in: scenario.drivers.energyKWh, using: &random) * 1_000
        let meterStart = Double(connector * 1_000_000 + rebootCount * 10_000)
        status[connector] = "Preparing"
        await sendStatus(connector)
        if isV201 {
            messageCounter += 1
            let transactionId = "\(id)-\(connector)-\(messageCounter)"
            let reply = try? await send("TransactionEvent", transactionEvent("Started", transactionId: transactionId, connector: connector,
                                                                              meter: meterStart, idTag: idTag, trigger: "Authorized"))
            let status201 = reply?["idTokenInfo"].flatMap { value -> String? in
                if case .object(let info) = value, case .string(let text)? = info["status"] { return text }
                return nil
            } ?? "Accepted"
            guard status201 == "Accepted" else {
                report(.sessionRefused(station: id, token: idTag, status: status201))
                _ = try? await send("TransactionEvent", transactionEvent("Ended", transactionId: transactionId, connector: connector, meter: meterStart,
                                                                          idTag: nil, trigger: "Deauthorized"))
                status[connector] = "Available"
                await sendStatus(connector)
                tokens.giveBack(holder: "\(id)/\(connector)")
                return nil
            }
            status[connector] = "Charging"
            charging.insert(connector)
            await sendStatus(connector)
            return Session(transactionId: transactionId, targetWh: target, meterStart: meterStart, lastMeterValues: clock.elapsed)
        }
        guard let reply = try? await send("StartTransaction", JSONObject([("connectorId", .integer(connector)), ("idTag", .string(idTag)),
                                                                           ("meterStart", .integer(Int(meterStart))),
                                                                           ("timestamp", .string(clock.timestamp()))])),
              case .number(let number)? = reply["transactionId"], let transactionId = number.intValue else {
            status[connector] = "Available"
            tokens.giveBack(holder: "\(id)/\(connector)")
            return nil
        }
        var answer = "Accepted"
        if case .object(let info)? = reply["idTagInfo"], case .string(let text)? = info["status"] { answer = text }
        guard answer == "Accepted" else {
            report(.sessionRefused(station: id, token: idTag, status: answer))
            _ = try? await send("StopTransaction", JSONObject([("transactionId", .integer(transactionId)), ("meterStop", .integer(Int(meterStart))),
                                                               ("timestamp", .string(clock.timestamp())), ("reason", .string("DeAuthorized"))]))
            status[connector] = "Available"
            await sendStatus(connector)
            tokens.giveBack(holder: "\(id)/\(connector)")
            return nil
        }
        status[connector] = "Charging"
        charging.insert(connector)
        await sendStatus(connector)
        return Session(transactionId: String(transactionId), targetWh: target, meterStart: meterStart, lastMeterValues: clock.elapsed)
    }

    func meterValues(_ connector: Int, session: Session, meter: Double) async {
        if isV201 {
            _ = try? await send("TransactionEvent", transactionEvent("Updated", transactionId: session.transactionId, connector: connector,
                                                                      meter: meter, idTag: nil, trigger: "MeterValuePeriodic"))
            return
        }
        let sampled: [JSONValue] = [
            .object(JSONObject([("value", .string(String(Int(meter)))), ("measurand", .string("Energy.Active.Import.Register")), ("unit", .string("Wh"))])),
            .object(JSONObject([("value", .string(String(Int(scenario.drivers.powerKW * 1_000)))), ("measurand", .string("Power.Active.Import")),
                                ("unit", .string("W"))])),
        ]
        _ = try? await send("MeterValues", JSONObject([("connectorId", .integer(connector)), ("transactionId", .integer(Int(session.transactionId) ?? 0)),
                                                       ("meterValue", .array([.object(JSONObject([("timestamp", .string(clock.timestamp())),
                                                                                                  ("sampledValue", .array(sampled))]))]))]))
    }

    func stop(_ connector: Int, session: Session, meter: Double, failed: Bool) async {
        if isV201 {
            _ = try? await send("TransactionEvent", transactionEvent("Ended", transactionId: session.transactionId, connector: connector, meter: meter,
                                                                      idTag: nil, trigger: failed ? "AbnormalCondition" : "EVDeparted",
                                                                      stoppedReason: failed ? "Other" : "EVDisconnected"))
        } else {
            _ = try? await send("StopTransaction", JSONObject([("transactionId", .integer(Int(session.transactionId) ?? 0)), ("meterStop", .integer(Int(meter))),
                                                               ("timestamp", .string(clock.timestamp())), ("reason", .string(failed ? "Other" : "EVDisconnected"))]))
        }
        charging.remove(connector)
        tokens.giveBack(holder: "\(id)/\(connector)")
        report(.sessionCompleted(station: id, energyWh: Int(meter - session.meterStart)))
        if activeFault[connector] == nil {
            status[connector] = "Finishing"
            await sendStatus(connector)
            status[connector] = disabled.contains(connector) ? "Unavailable" : "Available"
            await sendStatus(connector)
        }
    }

    func transactionEvent(_ type: String, transactionId: String, connector: Int, meter: Double, idTag: String?, trigger: String,
                          stoppedReason: String? = nil) -> JSONObject {
        messageCounter += 1
        var info = JSONObject([("transactionId", .string(transactionId))])
        if let stoppedReason { info.append("stoppedReason", .string(stoppedReason)) }
        var payload = JSONObject([("eventType", .string(type)), ("timestamp", .string(clock.timestamp())), ("triggerReason", .string(trigger)),
                                  ("seqNo", .integer(messageCounter)), ("transactionInfo", .object(info)),
                                  ("evse", .object(JSONObject([("id", .integer(connector)), ("connectorId", .integer(1))]))),
                                  ("meterValue", .array([.object(JSONObject([("timestamp", .string(clock.timestamp())),
                                                                             ("sampledValue", .array([.object(JSONObject([("value", .decimal(meter)),
                                                                                 ("measurand", .string("Energy.Active.Import.Register"))]))]))]))]))])
        if let idTag { payload.append("idToken", .object(JSONObject([("idToken", .string(idTag)), ("type", .string("ISO14443"))]))) }
        return payload
    }
}
