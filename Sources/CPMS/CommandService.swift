import OCPP

/// Sends commands to connected stations through their live `OCPPConnection`, mapped to the
/// version each station speaks; a station connected to another node (several nodes on one
/// database) is reached through `elsewhere`.
public struct CommandService: Sendable {
    public let connections: ConnectionRegistry
    public var timeout: Duration
    /// The node serving a station this node has no connection to, when there are several.
    public var elsewhere: (any RemoteStationCommands)?

    public init(connections: ConnectionRegistry, timeout: Duration = .seconds(30), elsewhere: (any RemoteStationCommands)? = nil) {
        self.connections = connections
        self.timeout = timeout
        self.elsewhere = elsewhere
    }

    /// Whether a command can go to `station` now: it is connected here, or (several nodes)
    /// another node serves it.
    public func isReachable(_ station: String) async -> Bool {
        if await connections.connection(for: station) != nil { return true }
        return await elsewhere?.serves(station) ?? false
    }

    public func send(_ command: StationCommand, to station: String) async -> CommandOutcome {
        guard let connection = await connections.connection(for: station) else {
            return await elsewhere?.send(command, to: station, timeout: timeout) ?? .notConnected
        }
        do {
            switch connection.version {
            case .v16: return try await send16(command, connection)
            case .v201: return try await send201(command, connection)
            }
        } catch {
            return .failure(error)
        }
    }

    private func send16(_ command: StationCommand, _ connection: OCPPConnection) async throws -> CommandOutcome {
        switch command {
        case .reset(let hard):
            let reply = try await connection.call(V16.ResetRequest(type: hard ? .hard : .soft), timeout: timeout)
            return reply.status == .accepted ? .accepted : .rejected(reply.status.rawValue)
        case .changeAvailability(let evse, let operative):
            let reply = try await connection.call(V16.ChangeAvailabilityRequest(connectorId: evse ?? 0, type: operative ? .operative : .inoperative),
                                                  timeout: timeout)
            switch reply.status {
            case .accepted: return .accepted
            case .scheduled: return .scheduled
            case .rejected: return .rejected(reply.status.rawValue)
            }
        case .unlockConnector(let evse, _):
            guard evse >= 1 else { return .failed("UnlockConnector needs a connector from 1, got \(evse)") }
            let reply = try await connection.call(V16.UnlockConnectorRequest(connectorId: evse), timeout: timeout)
            return reply.status == .unlocked ? .accepted : .rejected(reply.status.rawValue)
        case .triggerMessage(let message, let evse):
            guard let requested = V16.TriggerMessageRequest.RequestedMessage(rawValue: message) else {
                return .failed("OCPP 1.6 cannot trigger \(message)")
            }
            let reply = try await connection.call(V16.TriggerMessageRequest(requestedMessage: requested, connectorId: evse), timeout: timeout)
            return reply.status == .accepted ? .accepted : .rejected(reply.status.rawValue)
        case .remoteStart(let idTag, let evse):
            let connector = await Self.connectorForRemoteStart(evse, connection)
            let reply = try await connection.call(V16.RemoteStartTransactionRequest(connectorId: connector, idTag: idTag), timeout: timeout)
            return reply.status == .accepted ? .accepted : .rejected(reply.status.rawValue)
        case .remoteStop(let transactionId):
            guard let number = Int(transactionId) else { return .failed("OCPP 1.6 transaction ids are numbers, got \(transactionId)") }
            let reply = try await connection.call(V16.RemoteStopTransactionRequest(transactionId: number), timeout: timeout)
            return reply.status == .accepted ? .accepted : .rejected(reply.status.rawValue)
        case .changeConfiguration(let key, let value):
            let reply = try await connection.call(V16.ChangeConfigurationRequest(key: key, value: value), timeout: timeout)
            switch reply.status {
            case .accepted: return .accepted
            case .rebootRequired: return .scheduled
            case .rejected, .notSupported: return .rejected(reply.status.rawValue)
            }
        }
    }

    /// The connector (EVSE) a remote start names: the operator's, or 1 for firmware whose
    /// quirk profile says it rejects a remote start without one (recorded as applied).
    static func connectorForRemoteStart(_ evse: Int?, _ connection: OCPPConnection) async -> Int? {
        guard evse == nil, let quirk = await connection.quirks.remoteStartNeedsConnector else { return evse }
        connection.recordQuirks([AppliedQuirk(quirk: quirk, kind: "remoteStartNeedsConnector", action: "RemoteStart",
                                              path: "connectorId", original: "(none)", replacement: "1")])
        return 1
    }

    private func send201(_ command: StationCommand, _ connection: OCPPConnection) async throws -> CommandOutcome {
        switch command {
        case .reset(let hard):
            let reply = try await connection.call(V201.ResetRequest(type: hard ? .immediate : .onIdle), timeout: timeout)
            switch reply.status {
            case .accepted: return .accepted
            case .scheduled: return .scheduled
            case .rejected: return .rejected(reply.status.rawValue)
            }
        case .changeAvailability(let evse, let operative):
            // EVSE 0 is the station itself (1.6's connector 0): 2.0.1 says so by leaving the EVSE out.
            let reply = try await connection.call(V201.ChangeAvailabilityRequest(evse: evse.flatMap { $0 >= 1 ? V201.EVSEType(id: $0) : nil },
                                                                                 operationalStatus: operative ? .operative : .inoperative),
                                                  timeout: timeout)
            switch reply.status {
            case .accepted: return .accepted
            case .scheduled: return .scheduled
            case .rejected: return .rejected(reply.status.rawValue)
            }
        case .unlockConnector(let evse, let connector):
            guard evse >= 1 else { return .failed("UnlockConnector needs an EVSE from 1, got \(evse)") }
            let reply = try await connection.call(V201.UnlockConnectorRequest(evseId: evse, connectorId: connector), timeout: timeout)
            return reply.status == .unlocked ? .accepted : .rejected(reply.status.rawValue)
        case .triggerMessage(let message, let evse):
            guard let requested = V201.MessageTriggerEnumType(rawValue: message) else {
                return .failed("OCPP 2.0.1 cannot trigger \(message)")
            }
            let reply = try await connection.call(V201.TriggerMessageRequest(evse: evse.flatMap { $0 >= 1 ? V201.EVSEType(id: $0) : nil },
                                                                             requestedMessage: requested),
                                                  timeout: timeout)
            return reply.status == .accepted ? .accepted : .rejected(reply.status.rawValue)
        case .remoteStart(let idTag, let evse):
            let request = V201.RequestStartTransactionRequest(evseId: await Self.connectorForRemoteStart(evse, connection), idToken: V201.IdTokenType(idToken: idTag, type: .central),
                                                              remoteStartId: Int.random(in: 1...Int(Int32.max)))
            let reply = try await connection.call(request, timeout: timeout)
            return reply.status == .accepted ? .accepted : .rejected(reply.status.rawValue)
        case .remoteStop(let transactionId):
            let reply = try await connection.call(V201.RequestStopTransactionRequest(transactionId: transactionId), timeout: timeout)
            return reply.status == .accepted ? .accepted : .rejected(reply.status.rawValue)
        case .changeConfiguration(let key, let value):
            guard let variable = VariableKey(key) else { return .failed("OCPP 2.0.1 settings are Component.Variable, got \(key.debugDescription)") }
            let reply = try await connection.call(V201.SetVariablesRequest(setVariableData: [
                V201.SetVariableDataType(attributeValue: value, component: variable.component201, variable: variable.variable201),
            ]), timeout: timeout)
            guard let result = reply.setVariableResult.first else { return .failed("empty SetVariables result") }
            switch result.attributeStatus {
            case .accepted: return .accepted
            case .rebootRequired: return .scheduled
            default: return .rejected(result.attributeStatus.rawValue)
            }
        }
    }
}
