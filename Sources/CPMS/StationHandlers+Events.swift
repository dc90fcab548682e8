import DomainEvents
import Foundation
import OCPP
import VendorCatalog

/// The messages that only report (firmware, diagnostics, security, 2.0.1 NotifyEvent) and the
/// domain events every handler emits. Events go out after what they describe is stored.
extension StationHandlers {
    func emit(_ kind: EventKind, station: String, at time: OCPPDateTime, chargerTime: OCPPDateTime? = nil,
              connector: Int? = nil, evse: Int? = nil, fields: [String: FieldValue] = [:]) async throws {
        guard let events else { return }
        try await events.emit(kind, station: station, at: time.date, chargerTime: chargerTime?.date, connector: connector,
                          evse: evse, fields: fields)
    }

    /// statusChanged (and faultCleared when a Faulted connector leaves that state).
    func emitStatus(station: String, report: StatusReport, previous: StationStore.PreviousReport?,
                    connector: Int, at now: OCPPDateTime, queuedOffline: Bool = false, superseded: Bool = false) async throws {
        let chargerTime = report.chargerTime.flatMap { OCPPDateTime(rfc3339: $0) }
        for (kind, fields) in Self.statusEvents(report: report, previous: previous, queuedOffline: queuedOffline, superseded: superseded) {
            try await emit(kind, station: station, at: now, chargerTime: chargerTime, connector: connector, evse: report.evse, fields: fields)
        }
    }

    /// Stores a status report (either version) with its clock sample in one write, and its
    /// events in the same transaction when there is an event log (`appended`; otherwise the
    /// caller emits them with `emitStatus`).
    func recordStatus(_ report: StatusReport, station: String, connector: Int, chargerTime: OCPPDateTime?, now: OCPPDateTime,
                      sessionError: String? = nil, catalogGap: (@Sendable (StationRecord?) -> CatalogGapKey?)? = nil)
        async throws -> (stored: Bool, previous: StationStore.PreviousReport?, queued: Bool, superseded: Bool, appended: Bool) {
        let appending = await statusEvents(station: station, report: report, connector: connector, at: now)
        let (stored, previous, queued, superseded) = try await store.recordStatusReport(
            id: station, report, registrationForUnknown: registrationForUnknown,
            clockOffset: chargerTime.map { $0.date.timeIntervalSince(now.date) }, now: now.rfc3339, appending: appending,
            sessionError: sessionError, catalogGap: catalogGap, safetyFault: safetyFault(of: report))
        return (stored, previous, queued, superseded, appending != nil)
    }

    /// Whether `report` carries a fault never reset automatically, given the station's record:
    /// the catalogue's word for its codes — without a catalogue, any fault (fail closed).
    func safetyFault(of report: StatusReport) -> @Sendable (StationRecord?) -> Bool {
        guard report.carriesFault else { return { _ in false } }
        guard let catalog else { return { _ in true } }
        return { record in catalog.faultEntry(report.catalogQuery(record, vendorErrorCode: report.vendorErrorCode))?.entry.neverAutoReset ?? false }
    }

    /// Marks the station seen and appends its heartbeat event in the same write (one group
    /// commit); without an event log, the event goes to the sink after the write.
    func recordHeartbeat(station: String, at now: OCPPDateTime) async throws {
        guard let events, let log = events.log else {
            try await store.recordSeen(id: station, online: true, now: now.rfc3339)
            try await emit(.heartbeat, station: station, at: now)
            return
        }
        let attributes = await events.directory.attributes(of: station)
        let appending = await log.inCommit(urgent: false)
        let event = DomainEventFactory.make(.heartbeat, station: station, attributes: attributes, at: now.date)
        try await store.recordSeen(id: station, online: true, now: now.rfc3339, appending: [event], to: appending)
    }

    /// The events a status write appends in its own transaction (nil without an event log: the
    /// handler then emits them after the write). Waits for room in the log first.
    func statusEvents(station: String, report: StatusReport, connector: Int, at now: OCPPDateTime) async -> StationStore.StatusEvents? {
        guard let events, let log = events.log else { return nil }
        let attributes = await events.directory.attributes(of: station)
        let chargerTime = report.chargerTime.flatMap { OCPPDateTime(rfc3339: $0) }?.date
        return StationStore.StatusEvents(log: await log.inCommit(urgent: true)) { stored, previous, queuedOffline, superseded in
            guard stored else { return [] }
            return Self.statusEvents(report: report, previous: previous, queuedOffline: queuedOffline, superseded: superseded).map { kind, fields in
                DomainEventFactory.make(kind, station: station, attributes: attributes, at: now.date, chargerTime: chargerTime,
                                        connector: connector, evse: report.evse, fields: fields)
            }
        }
    }

    /// statusChanged, and faultCleared (naming the fault that cleared, not the new report's
    /// codes) when a Faulted connector leaves that state. A report older than the connector's
    /// current one (`superseded`, as the store found it) is marked so (its `from` is the
    /// connector's current status) and clears nothing: it is not the connector's state.
    static func statusEvents(report: StatusReport, previous: StationStore.PreviousReport?,
                             queuedOffline: Bool, superseded: Bool = false) -> [(EventKind, [String: FieldValue])] {
        var values = CPMS.fields([("from", previous?.status.rawValue), ("to", report.status.rawValue),
                                  ("ocppErrorCode", report.errorCode?.rawValue),
                                  ("vendorId", report.vendorId), ("vendorErrorCode", report.vendorErrorCode), ("info", report.info)])
        if report.info?.lowercased() == "null" { values["info"] = nil }
        if report.vendorErrorCode?.lowercased() == "null" { values["vendorErrorCode"] = nil }
        if queuedOffline { values["queuedOffline"] = .bool(true) }
        if superseded { values["superseded"] = .bool(true) }
        var events: [(EventKind, [String: FieldValue])] = [(.statusChanged, values)]
        if let previous, previous.status == .faulted, report.status != .faulted, !superseded {
            var cleared = CPMS.fields([("to", report.status.rawValue), ("ocppErrorCode", previous.errorCode?.rawValue),
                                       ("vendorErrorCode", previous.vendorErrorCode)])
            if previous.vendorErrorCode?.lowercased() == "null" { cleared["vendorErrorCode"] = nil }
            events.append((.faultCleared, cleared))
        }
        return events
    }

    func registerReports16(_ handlers: inout OCPPHandlers) {
        let this = self
        // Vigil defines no vendor extensions: every DataTransfer is answered as the spec asks for
        // an unknown vendor (and kept in the raw message log), rather than with a CallError.
        handlers.on(V16.DataTransferRequest.self) { _, _ in V16.DataTransferResponse(status: .unknownVendorId) }
        handlers.on(V16.FirmwareStatusNotificationRequest.self) { request, connection in
            try await this.emit(.firmwareStatus, station: connection.stationId, at: this.clock(), fields: ["status": .string(request.status.rawValue)])
            return V16.FirmwareStatusNotificationResponse()
        }
        handlers.on(V16.DiagnosticsStatusNotificationRequest.self) { request, connection in
            try await this.emit(.diagnosticsStatus, station: connection.stationId, at: this.clock(), fields: ["status": .string(request.status.rawValue)])
            return V16.DiagnosticsStatusNotificationResponse()
        }
        handlers.on(V16.SecurityEventNotificationRequest.self) { request, connection in
            try await this.emit(.securityEvent, station: connection.stationId, at: this.clock(), chargerTime: request.timestamp,
                            fields: CPMS.fields([("type", request.type), ("techInfo", request.techInfo)]))
            return V16.SecurityEventNotificationResponse()
        }
    }

    func registerReports201(_ handlers: inout OCPPHandlers) {
        let this = self
        handlers.on(V201.DataTransferRequest.self) { _, _ in V201.DataTransferResponse(status: .unknownVendorId) }
        handlers.on(V201.FirmwareStatusNotificationRequest.self) { request, connection in
            try await this.emit(.firmwareStatus, station: connection.stationId, at: this.clock(), fields: ["status": .string(request.status.rawValue)])
            return V201.FirmwareStatusNotificationResponse()
        }
        handlers.on(V201.SecurityEventNotificationRequest.self) { request, connection in
            try await this.emit(.securityEvent, station: connection.stationId, at: this.clock(), chargerTime: request.timestamp,
                            fields: CPMS.fields([("type", request.type), ("techInfo", request.techInfo)]))
            return V201.SecurityEventNotificationResponse()
        }
        // 2.0.1's diagnostics upload (GetLog) reports as 1.6's DiagnosticsStatusNotification does.
        handlers.on(V201.LogStatusNotificationRequest.self) { request, connection in
            try await this.emit(.diagnosticsStatus, station: connection.stationId, at: this.clock(), fields: ["status": .string(request.status.rawValue)])
            return V201.LogStatusNotificationResponse()
        }
        // Readings outside a transaction (a transaction's own come in TransactionEvent): kept in
        // the raw log with the station's other frames, as 1.6 MeterValues without a transaction.
        handlers.on(V201.MeterValuesRequest.self) { _, _ in V201.MeterValuesResponse() }
        // A 2.0.1 fault arrives as a monitored variable (Problem, Fault, Tripped, Overload, or a
        // component/variable the generic catalogue knows) turning true, with the vendor's
        // techCode; it clears when the variable turns false or `cleared` is set. The fault's
        // code is "Component/Variable", as the generic catalogue keys 2.0.1 faults.
        handlers.on(V201.NotifyEventRequest.self) { request, connection in
            try await Self.faultFirst(request.eventData.contains { StationHandlers.faultVariables.contains($0.variable.name) }) {
                let now = this.clock()
                for data in request.eventData {
                    let code = OCPPErrorCode("\(data.component.name)/\(data.variable.name)")
                    let known = this.catalog?.generic?.entry(code: code.rawValue, model: nil, firmware: nil) != nil
                    guard known || StationHandlers.faultVariables.contains(data.variable.name) else { continue }
                    let evse = data.component.evse?.id
                    let raised = !["false", "0", "off", "inactive"].contains(data.actualValue.lowercased()) && data.cleared != true
                    let values = CPMS.fields([("to", (raised ? ConnectorStatus.faulted : .available).rawValue), ("ocppErrorCode", code.rawValue),
                                              ("vendorErrorCode", data.techCode), ("info", data.techInfo)])
                    try await this.store.recordFault(station: connection.stationId, evse: evse ?? 0, code: code, vendorErrorCode: data.techCode,
                                                     info: data.techInfo, raised: raised, registrationForUnknown: this.registrationForUnknown,
                                                     now: now.rfc3339)
                    // A techCode the vendor catalogue cannot explain counts as a gap, as a 1.6 vendorErrorCode does.
                    if raised, let gap = this.catalogGap(of: StatusReport(evse: evse ?? 0, connector: 0, status: .faulted, errorCode: code, vendorId: nil,
                                                                          vendorErrorCode: data.techCode, info: nil, chargerTime: nil)),
                       let key = gap(try await this.store.station(connection.stationId)) {
                        try await this.store.recordGap(vendor: key.vendor, code: key.code, key: key.key, station: connection.stationId, now: now.rfc3339)
                    }
                    if raised {
                        try await this.store.recordSessionError(station: connection.stationId, evse: evse ?? 0, CPMS.sessionError(
                            at: data.timestamp, code: code.rawValue, vendorCode: data.techCode, info: data.techInfo))
                    }
                    try await this.emit(raised ? .statusChanged : .faultCleared, station: connection.stationId, at: now,
                                    chargerTime: data.timestamp, connector: evse, evse: evse, fields: values)
                }
                return V201.NotifyEventResponse()
            }
        }
    }
}

extension StationHandlers {
    /// The 2.0.1 variables whose events report a fault (with the catalogue's codes).
    static let faultVariables: Set<String> = ["Problem", "Fault", "Tripped", "Overload"]

    /// Runs a handler's `body` at the fault loop's priority when its message reports a fault
    /// (the task answering this one CALL is raised), so the store's thread (`ThreadExecutor`)
    /// writes it, in a commit of urgent writes, and hands its event to the rules ahead of the
    /// routine traffic queued before it (faults first, issue #15).
    static func faultFirst<T: Sendable>(_ isFault: Bool, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        if isFault { UrgentPriority.raiseCurrentTask() }
        return try await body()
    }
}

extension OCPPDateTime {
    /// The same instant as a Foundation date.
    public var date: Date { Date(timeIntervalSince1970: TimeInterval(secondsSinceEpoch) + TimeInterval(nanoseconds) / 1e9) }
}
