import Audit
import Billing
import CPMS
import DomainEvents
import Foundation
import OCPP
import Remediation

/// Turns a session's records into the pack's document. Pure: no I/O, no clock. Every field is
/// present (absent values are `null`), integers stay integers, and every other number (meter
/// readings, energy) is a decimal string as the store holds it, so the canonical form is the
/// same in any language.
extension EvidencePack {
    public static func build(from records: EvidenceRecords) throws(EvidenceCanonicalForm.Problem) -> EvidencePack {
        let session = records.session
        var body = JSONObject()
        body.append("format", .string(format))
        body.append("version", .number(JSONNumber(version)))
        body.append("producedAt", .string(records.producedAt))
        body.append("complete", .bool(!session.isActive))
        body.append("window", object([("from", text(records.windowFrom)), ("to", text(records.windowTo)),
                                      ("marginSeconds", int(records.marginSeconds))]))
        body.append("session", sessionObject(session))
        body.append("authorization", authorization(records))
        body.append("meterSamples", .array(records.samples.map(sample)))
        body.append("billing", billing(records))
        body.append("frames", object([("truncated", .bool(records.framesTruncated)), ("limit", int(EvidenceRecords.frameLimit)),
                                      ("items", .array(records.frames.map(frame)))]))
        body.append("statusChanges", .array(records.statusReports.map(statusChange)))
        body.append("faults", faults(records))
        body.append("remediation", remediation(records))
        body.append("audit", audit(records))
        return try EvidencePack(sealing: body)
    }

    // MARK: values

    static func object(_ members: [(String, JSONValue)]) -> JSONValue { .object(JSONObject(members.map { (key: $0.0, value: $0.1) })) }
    static func text(_ value: String?) -> JSONValue { value.map(JSONValue.string) ?? .null }
    static func int(_ value: Int?) -> JSONValue { value.map { .number(JSONNumber($0)) } ?? .null }
    static func flag(_ value: Bool?) -> JSONValue { value.map(JSONValue.bool) ?? .null }
    /// A reading as a decimal string (`1500.0`, `12.5`): the store's Double, printed by Swift.
    static func decimal(_ value: Double?) -> JSONValue { value.map { .string(String($0)) } ?? .null }
    static func texts(_ values: [String]) -> JSONValue { .array(values.map(JSONValue.string)) }

    // MARK: sections

    static func sessionObject(_ session: SessionRecord) -> JSONValue {
        object([("id", int(session.id)), ("station", text(session.station)), ("evse", int(session.evse)), ("connector", int(session.connector)),
                ("transactionRef", text(session.transactionRef)), ("idToken", text(session.idToken)), ("active", .bool(session.isActive)),
                ("startTime", text(session.startTime)), ("stopTime", text(session.stopTime)), ("meterStartWh", decimal(session.meterStartWh)),
                ("meterStopWh", decimal(session.meterStopWh)), ("energyWh", decimal(session.energyWh)), ("stopReason", text(session.stopReason)),
                ("anomalies", texts(session.anomalies)), ("errors", texts(session.errors))])
    }

    /// The verdict recorded when the session started, the token's group as billing reads it,
    /// the Authorize calls for the token in the window, and the token's record — marked as the
    /// one in force at the start only when it was last changed before the start.
    static func authorization(_ records: EvidenceRecords) -> JSONValue {
        let session = records.session
        let authorizeFrames = records.frames.filter { frame in
            guard frame.incoming, let token = session.idToken, case .array(let parts)? = try? JSONParser.parse(frame.text), parts.count == 4,
                  parts[0] == .number(JSONNumber(2)), parts[2] == .string("Authorize"), case .object(let payload) = parts[3] else { return false }
            if case .string(let tag)? = payload["idTag"] { return tag == token }
            if case .object(let idToken)? = payload["idToken"], case .string(let tag)? = idToken["idToken"] { return tag == token }
            return false
        }
        var token: JSONValue = .null
        var recordAtStart: JSONValue = .null
        if let dated = records.token {
            let record = dated.record
            token = object([("token", text(record.token)), ("status", text(record.status.rawValue)), ("expiry", text(record.expiry)),
                            ("parent", text(record.parent)), ("note", text(record.note)), ("sites", texts(record.sites)),
                            ("createdAt", text(dated.createdAt)), ("updatedAt", text(dated.updatedAt))])
            if let updated = StoreTime.parse(dated.updatedAt), let start = StoreTime.parse(session.startTime) { recordAtStart = .bool(updated <= start) }
        }
        let group: String? = session.idToken == nil ? nil : (records.token?.record.parent ?? "adhoc")
        return object([("idToken", text(session.idToken)), ("group", text(group)), ("verdict", text(session.authorization)),
                       ("decidedAt", text(session.startTime)), ("authorizeFrameIds", .array(authorizeFrames.map { int($0.id) })),
                       ("token", token), ("tokenRecordInForceAtStart", recordAtStart),
                       ("note", .string(tokenNote(records, recordAtStart: recordAtStart)))])
    }

    static func tokenNote(_ records: EvidenceRecords, recordAtStart: JSONValue) -> String {
        guard records.session.idToken != nil else { return "the session names no id token" }
        guard records.token != nil else { return "the token is not in Vigil's token list (an unknown or ad-hoc card)" }
        switch recordAtStart {
        case .bool(true): return "the token's record was last changed before the session started: it is the record in force then"
        case .bool(false): return "the token's record changed after the session started; the record in force then is not kept"
        default: return "the token record's times cannot be read"
        }
    }

    static func sample(_ sample: MeterSample) -> JSONValue {
        object([("at", text(sample.at)), ("measurand", text(sample.measurand)), ("value", decimal(sample.value)), ("unit", text(sample.unit)),
                ("phase", text(sample.phase)), ("context", text(sample.context))])
    }

    /// The CDR exactly as stored (its document text, which its content hash covers) and the
    /// tariff version it was priced with; or why there is none.
    static func billing(_ records: EvidenceRecords) -> JSONValue {
        if let cdr = records.cdr {
            var tariff: JSONValue = .null
            if let version = records.tariffVersion {
                tariff = object([("tariffId", text(version.tariffId)), ("version", int(version.version)), ("hash", text(version.hash)),
                                 ("validFrom", text(Instant.format(version.validFrom))), ("canonicalJSON", text(version.canonicalJSON))])
            }
            return object([("priced", .bool(true)),
                           ("cdr", object([("id", int(cdr.id)), ("createdAt", text(cdr.createdAt)), ("contentHash", text(cdr.contentHash)),
                                           ("document", text(cdr.document))])),
                           ("tariffVersion", tariff)])
        }
        let reason: String
        if records.session.isActive {
            reason = "the session is still running: a CDR is written when it ends"
        } else if let unpriced = records.unpriced {
            reason = unpriced.reason
        } else {
            reason = "no CDR and no unpriced record: billing has not priced this session (no tariffs configured when it ended, or pricing has not run yet)"
        }
        return object([("priced", .bool(false)), ("reason", .string(reason)), ("recordedAt", text(records.unpriced?.recordedAt))])
    }

    static func frame(_ frame: StationStore.FrameRow) -> JSONValue {
        object([("id", int(frame.id)), ("at", text(frame.at)), ("direction", .string(frame.incoming ? "in" : "out")), ("text", text(frame.text))])
    }

    static func statusChange(_ row: StationStore.StatusReportRow) -> JSONValue {
        object([("id", int(row.id)), ("receivedAt", text(row.receivedAt)), ("chargerTime", text(row.chargerTime)), ("evse", int(row.evse)),
                ("connector", int(row.connector)), ("status", text(row.status)), ("errorCode", text(row.errorCode)),
                ("vendorId", text(row.vendorId)), ("vendorErrorCode", text(row.vendorErrorCode)), ("info", text(row.info)),
                ("queuedOffline", .bool(row.queuedOffline))])
    }

    /// Status reports that carried a fault (1.6), and 2.0.1 monitored problems raised or cleared.
    static func faults(_ records: EvidenceRecords) -> JSONValue {
        let reported = records.statusReports.filter { row in row.errorCode.map { OCPPErrorCode($0).isFault } ?? false }.map { row in
            object([("source", .string("statusReport")), ("statusReportId", int(row.id)), ("at", text(row.receivedAt)), ("evse", int(row.evse)),
                    ("code", text(row.errorCode)), ("status", text(row.status)), ("vendorErrorCode", text(row.vendorErrorCode)),
                    ("info", text(row.info))])
        }
        let monitored = records.faultEvents.map { fault -> JSONValue in
            var code: String?
            if case .string(let value)? = fault.event.value(of: "ocppErrorCode") { code = value }
            return object([("source", .string("eventLog")), ("sequence", int(fault.sequence)), ("at", text(StoreTime.format(fault.event.time))),
                           ("evse", int(fault.event.evse ?? fault.event.connector)), ("code", text(code)),
                           ("raised", .bool(fault.event.kind.rawValue != "faultCleared"))])
        }
        return .array(reported + monitored)
    }

    static func remediation(_ records: EvidenceRecords) -> JSONValue {
        let decisions = records.decisions.map { row in
            object([("id", int(row.id)), ("at", text(row.at)), ("rule", text(row.rule)), ("ruleHash", text(row.ruleHash)), ("kind", text(row.kind)),
                    ("mode", text(row.mode)), ("target", text(row.target)), ("action", text(row.action)), ("reason", text(row.reason)),
                    ("eventIds", text(row.eventIds)), ("json", text(row.json)), ("auditEntryId", int(records.decisionEntries[row.id])),
                    ("trailFindings", texts(records.decisionFindings[row.id] ?? []))])
        }
        let commands = records.commands.map { row in
            object([("id", int(row.id)), ("decisionId", int(row.decisionId)), ("createdAt", text(row.createdAt)), ("rule", text(row.rule)),
                    ("connector", int(row.connector)), ("action", text(row.action)), ("argument", text(row.argument)),
                    ("status", text(row.status.rawValue)), ("detail", text(row.detail)), ("code", text(row.code)), ("verified", flag(row.verified)),
                    ("verifiedBy", text(row.verifiedBy)), ("ruleHash", text(row.ruleHash)),
                    ("auditEntryIds", .array((records.commandSteps[row.id] ?? []).map { int($0.entryId) })),
                    ("trailFindings", texts(records.commandFindings[row.id] ?? []))])
        }
        return object([("decisions", .array(decisions)), ("commands", .array(commands)), ("auditEntries", .array(records.auditEntries.map(entry)))])
    }

    /// An audit entry with every field its hash covers (docs/audit.md: encoding v2), so its hash
    /// can be recomputed from the pack alone.
    static func entry(_ entry: AuditEntry) -> JSONValue {
        let record = entry.record
        return object([("id", int(entry.id)), ("at", text(entry.at)), ("kind", text(record.kind)), ("actor", text(record.actor)),
                       ("station", text(record.station)), ("site", text(record.site)), ("rule", text(record.rule)), ("action", text(record.action)),
                       ("outcome", text(record.outcome)), ("details", text(record.details)), ("previousHash", text(entry.previousHash)),
                       ("hash", text(entry.hash)), ("encoding", int(entry.encoding.rawValue))])
    }

    static func audit(_ records: EvidenceRecords) -> JSONValue {
        let head = records.auditHead.map { object([("entryId", int($0.id)), ("hash", text($0.hash)), ("at", text($0.at))]) } ?? .null
        let checkpoint = records.checkpoint.map { point in
            object([("sequence", int(point.sequence)), ("entryId", int(point.entryId)), ("hash", text(point.hash)), ("at", text(point.at)),
                    ("signature", text(point.signature)), ("version", int(point.version))])
        } ?? .null
        return object([("head", head), ("checkpoint", checkpoint)])
    }
}
