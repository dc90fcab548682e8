import DomainEvents
import OCPP
import VendorCatalog

/// The CPMS side of the charger messages it handles so far — boot (registration policy,
/// heartbeat interval), heartbeat, status notification and authorize — for OCPP 1.6 and 2.0.1, turning
/// each into the version-neutral record the store keeps. Time comes from `clock`, so tests
/// and replays are deterministic.
public struct StationHandlers: Sendable {
    public var store: StationStore
    public var policy: RegistrationPolicy
    /// The heartbeat interval sent in the Boot response, in seconds.
    public var heartbeatInterval: Int
    public var clock: @Sendable () -> OCPPDateTime
    /// The vendor catalogue; vendor codes it does not document are counted as gaps, and its
    /// quirk profiles decide each station's OCPP tolerances.
    public let catalog: VendorCatalog?
    let quirks: QuirkResolver?
    /// Where domain events go (rule engine, event log); nil emits none.
    public var events: DomainEventFactory?
    /// Whether one token may run two sessions at once.
    public var concurrentUse: ConcurrentUsePolicy = .reject
    /// The price of an ended session for the station's display (2.0.1 TransactionEvent Ended
    /// answer's `totalCost`, major units of the tariff's currency); nil: no price to show.
    /// Set by serve when tariffs are configured (the Billing module quotes what the CDR will say).
    public var finalCost: (@Sendable (_ session: Int) async -> Double?)?
    /// Hears each running 2.0.1 session's new meter values once they are stored (a
    /// TransactionEvent Updated carrying meter values, not one queued while offline), for the
    /// running cost (`CostUpdated`, sent by serve's Billing side after the answer). Called on
    /// the answer's path: it must return at once. Nil: nobody listens.
    public var runningSessionUpdated: (@Sendable (RunningSessionUpdate) -> Void)?
    /// Hears that a 2.0.1 transaction's Ended has arrived (station, transactionId) — called as
    /// its handling begins, before anything is stored or answered — so that nothing about the
    /// running transaction (`CostUpdated`) goes out after the charger closed it. Must return at
    /// once.
    public var transactionEnding: (@Sendable (_ station: String, _ transactionId: String) -> Void)?

    public init(store: StationStore, policy: RegistrationPolicy, heartbeatInterval: Int, catalog: VendorCatalog? = nil,
                clock: @escaping @Sendable () -> OCPPDateTime) {
        self.store = store
        self.catalog = catalog
        quirks = catalog.map { QuirkResolver(catalog: $0, store: store) }
        self.policy = policy
        self.heartbeatInterval = heartbeatInterval
        self.clock = clock
    }

    /// The registration given to a station Vigil has never seen.
    var registrationForUnknown: String? {
        switch policy {
        case .accept: return "accepted"
        case .pending: return "pending"
        case .reject: return nil
        }
    }

    /// What every CALL but a BootNotification gets from a station the central system does not
    /// accept — an id the registry does not know under the reject policy, or one marked rejected
    /// (OCPP 2.0.1 B03.FR.07: CALLERROR SecurityError) — nil for a station it accepts or holds
    /// pending, and for an unknown one the policy will register.
    public func refusal(station: String, registration: String?) -> CallError? {
        switch registration {
        case "accepted", "pending": return nil
        case nil where registrationForUnknown != nil: return nil
        default:
            return CallError(.securityError, "\(station) is not accepted by this central system (\(registration ?? "unknown station")): "
                             + "only a BootNotification is answered")
        }
    }

    /// For a station connecting now, from the registry in one read (throws when it cannot be
    /// read): its `refusal`, whether it has a password, whether it is registered, and the
    /// security profile recorded for it (so an unchanged one is not written again).
    public func admission(forConnecting station: String) async throws
        -> (refusal: CallError?, hasPassword: Bool, registered: Bool, securityProfile: Int?) {
        let (registration, hasPassword, securityProfile) = try await store.connectingStation(id: station)
        return (refusal(station: station, registration: registration), hasPassword, registration != nil, securityProfile)
    }

    public func handlers(version: OCPPVersion, leniency: OCPPLeniency = []) -> OCPPHandlers {
        var handlers = OCPPHandlers(version: version, leniency: leniency)
        if let quirks { handlers.bootQuirks = { payload in quirks.quirks(forBoot: payload) } }
        switch version {
        case .v16:
            register16(&handlers)
            registerSessions16(&handlers)
            registerReports16(&handlers)
        case .v201:
            register201(&handlers)
            registerSessions201(&handlers)
            registerReports201(&handlers)
        }
        return handlers
    }

    private func register16(_ handlers: inout OCPPHandlers) {
        let this = self
        handlers.on(V16.BootNotificationRequest.self) { request, connection in
            let now = this.clock()
            let registration = try await this.store.recordBoot(
                id: connection.stationId, vendor: request.chargePointVendor, model: request.chargePointModel,
                serial: request.chargePointSerialNumber ?? request.chargeBoxSerialNumber, firmware: request.firmwareVersion,
                ocppVersion: OCPPVersion.v16.rawValue, reason: nil, registrationForUnknown: this.registrationForUnknown,
                securityProfile: connection.securityProfile, now: now.rfc3339)
            let refusal = this.refusal(station: connection.stationId, registration: registration)
            await connection.refuseCalls(refusal)
            await this.refreshQuirks(connection)
            // A station not accepted raises no events: a rejected charger boots every interval,
            // and its boots would read as a reboot loop (and clear an offline incident).
            if refusal == nil {
                await this.events?.directory.update(connection.stationId) {
                    $0.vendor = request.chargePointVendor
                    $0.model = request.chargePointModel
                    $0.firmware = request.firmwareVersion
                }
            }
            if registration != nil, refusal == nil {
                try await this.emit(.booted, station: connection.stationId, at: now,
                                fields: CPMS.fields([("serialNumber", request.chargePointSerialNumber ?? request.chargeBoxSerialNumber)]))
            }
            let status: V16.BootNotificationResponse.Status = registration == "accepted" ? .accepted : registration == "pending" ? .pending : .rejected
            return V16.BootNotificationResponse(status: status, currentTime: now, interval: this.heartbeatInterval)
        }
        handlers.on(V16.HeartbeatRequest.self) { _, connection in
            let now = this.clock()
            try await this.recordHeartbeat(station: connection.stationId, at: now)
            return V16.HeartbeatResponse(currentTime: now)
        }
        handlers.on(V16.AuthorizeRequest.self) { request, connection in
            let decision = try await this.authorize(request.idTag, station: connection.stationId, now: this.clock())
            if decision.idTagInfo16.status != .accepted {
                try await this.emit(.authorizationRejected, station: connection.stationId, at: this.clock(),
                                fields: ["idTag": .string(request.idTag), "status": .string(decision.idTagInfo16.status.rawValue)])
            }
            return V16.AuthorizeResponse(idTagInfo: decision.idTagInfo16)
        }
        handlers.on(V16.StatusNotificationRequest.self) { request, connection in
            // A fault is stored, logged and handed to the rules ahead of the fleet's routine traffic.
            try await Self.faultFirst(request.status == .faulted || request.errorCode != .noError) {
                // 1.6 numbers connectors per station: connector N is EVSE N's only connector; 0 is the station.
                let report = StatusReport(evse: request.connectorId, connector: request.connectorId == 0 ? 0 : 1,
                                          status: ConnectorStatus(request.status), errorCode: OCPPErrorCode(request.errorCode.rawValue),
                                          vendorId: request.vendorId, vendorErrorCode: request.vendorErrorCode, info: request.info,
                                          chargerTime: request.timestamp?.rfc3339)
                let now = this.clock()
                // The session's error line and the catalogue gap go into the status write itself.
                let sessionError = request.errorCode == .noError ? nil : CPMS.sessionError(
                    at: request.timestamp ?? now, code: request.errorCode.rawValue, vendorCode: request.vendorErrorCode, info: request.info)
                let (stored, previous, queued, superseded, appended) = try await this.recordStatus(report, station: connection.stationId,
                                                                                      connector: request.connectorId,
                                                                                      chargerTime: request.timestamp, now: now,
                                                                                      sessionError: sessionError,
                                                                                      catalogGap: this.catalogGap(of: report))
                if stored, !appended {
                    try await this.emitStatus(station: connection.stationId, report: report, previous: previous, connector: request.connectorId, at: now,
                                          queuedOffline: queued, superseded: superseded)
                }
                return V16.StatusNotificationResponse()
            }
        }
    }

    /// The quirk profile of `station`, from the registry and the catalogue
    /// (strict when there is no catalogue or the station is not registered yet).
    public func quirks(for station: String) async -> StationQuirks {
        await quirks?.quirks(for: station) ?? StationQuirks()
    }

    /// Re-reads the station's quirk profile after a boot (model or firmware may have changed)
    /// and gives it to the connection for the messages that follow.
    func refreshQuirks(_ connection: OCPPConnection) async {
        guard let quirks else { return }
        await quirks.invalidate(connection.stationId)
        await connection.apply(quirks.quirks(for: connection.stationId))
    }

    /// A vendor code the catalogue cannot explain is counted, by the station's vendor, so
    /// operators see what to document next (`vigil codes gaps`).
    ///
    /// Given the station's record, the gap `report`'s vendor code counts toward, or nil (no
    /// catalogue, no vendor code, or one the catalogue explains); nil for a report without one.
    /// Run inside the status write (`StationStore.recordStatusReport(catalogGap:)`).
    func catalogGap(of report: StatusReport) -> (@Sendable (StationRecord?) -> CatalogGapKey?)? {
        guard let catalog, let code = report.vendorErrorCode, !code.isEmpty, code.lowercased() != "null" else { return nil }
        return { record in
            let query = report.catalogQuery(record, vendorErrorCode: code)
            if catalog.lookup(query)?.basis == .vendorCode { return nil }
            let profile = catalog.vendor(for: query)
            let vendor = profile?.name ?? report.vendorId ?? record?.vendor ?? "unknown"
            return CatalogGapKey(vendor: vendor, code: code, key: profile?.key(for: code) ?? code.lowercased())
        }
    }

    private func register201(_ handlers: inout OCPPHandlers) {
        let this = self
        handlers.on(V201.BootNotificationRequest.self) { request, connection in
            let now = this.clock()
            let station = request.chargingStation
            let registration = try await this.store.recordBoot(
                id: connection.stationId, vendor: station.vendorName, model: station.model, serial: station.serialNumber,
                firmware: station.firmwareVersion, ocppVersion: OCPPVersion.v201.rawValue, reason: request.reason.rawValue,
                registrationForUnknown: this.registrationForUnknown, securityProfile: connection.securityProfile, now: now.rfc3339)
            let refusal = this.refusal(station: connection.stationId, registration: registration)
            await connection.refuseCalls(refusal)
            await this.refreshQuirks(connection)
            if refusal == nil {   // as for 1.6: no events from a station not accepted
                await this.events?.directory.update(connection.stationId) {
                    $0.vendor = station.vendorName
                    $0.model = station.model
                    $0.firmware = station.firmwareVersion
                }
            }
            if registration != nil, refusal == nil {
                try await this.emit(.booted, station: connection.stationId, at: now,
                                fields: CPMS.fields([("reason", request.reason.rawValue), ("serialNumber", station.serialNumber)]))
            }
            let status: V201.RegistrationStatusEnumType = registration == "accepted" ? .accepted : registration == "pending" ? .pending : .rejected
            return V201.BootNotificationResponse(currentTime: now, interval: this.heartbeatInterval, status: status)
        }
        handlers.on(V201.HeartbeatRequest.self) { _, connection in
            let now = this.clock()
            try await this.recordHeartbeat(station: connection.stationId, at: now)
            return V201.HeartbeatResponse(currentTime: now)
        }
        handlers.on(V201.AuthorizeRequest.self) { request, connection in
            let decision = try await this.authorize(request.idToken.idToken, station: connection.stationId, now: this.clock())
            if decision.idTokenInfo201.status != .accepted {
                try await this.emit(.authorizationRejected, station: connection.stationId, at: this.clock(),
                                fields: ["idTag": .string(request.idToken.idToken), "status": .string(decision.idTokenInfo201.status.rawValue)])
            }
            return V201.AuthorizeResponse(idTokenInfo: decision.idTokenInfo201)
        }
        handlers.on(V201.StatusNotificationRequest.self) { request, connection in
            try await Self.faultFirst(request.connectorStatus == .faulted) {
                let report = StatusReport(evse: request.evseId, connector: request.connectorId, status: ConnectorStatus(request.connectorStatus),
                                          chargerTime: request.timestamp.rfc3339)
                let now = this.clock()
                let (stored, previous, queued, superseded, appended) = try await this.recordStatus(report, station: connection.stationId,
                                                                                      connector: request.evseId,
                                                                                      chargerTime: request.timestamp, now: now)
                if stored, !appended {
                    try await this.emitStatus(station: connection.stationId, report: report, previous: previous, connector: request.evseId, at: now,
                                          queuedOffline: queued, superseded: superseded)
                }
                return V201.StatusNotificationResponse()
            }
        }
    }
}
