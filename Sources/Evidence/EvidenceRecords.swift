import Audit
import Billing
import CPMS
import Foundation
import Remediation

/// Everything on record for one session's evidence pack, as the stores return it; `read`
/// fetches it, `EvidencePack.build` (pure) turns it into the document.
public struct EvidenceRecords: Sendable {
    /// How far before the start and after the stop the station's records are read: a charger's
    /// Authorize, the status change that opened the connector and the one after unplugging
    /// fall in it, and its clock may be a little off Vigil's.
    public static let defaultMarginSeconds = 60
    /// At most this many frames go into a pack (a long session with a chatty charger); the pack
    /// says when the limit cut the window's frames short.
    public static let frameLimit = 20_000
    /// At most this many status reports, decisions and commands each.
    public static let rowLimit = 10_000

    public var session: SessionRecord
    public var samples: [MeterSample] = []
    public var token: StationStore.DatedToken?
    public var cdr: StoredCDR?
    public var tariffVersion: TariffVersion?
    public var unpriced: UnpricedSession?
    public var frames: [StationStore.FrameRow] = []
    public var framesTruncated = false
    public var statusReports: [StationStore.StatusReportRow] = []
    public var faultEvents: [StationTimeline.FaultEvent] = []
    public var decisions: [DecisionRow] = []
    public var decisionEntries: [Int: Int] = [:]
    public var decisionFindings: [Int: [String]] = [:]
    public var commands: [CommandRow] = []
    public var commandSteps: [Int: [CommandTrail.Step]] = [:]
    public var commandFindings: [Int: [String]] = [:]
    /// The audit entries the decisions and commands cite, by id.
    public var auditEntries: [AuditEntry] = []
    public var auditHead: AuditEntry?
    public var checkpoint: AuditCheckpoint?
    /// The window the station's records were read in (the store's form, inclusive).
    public var windowFrom: String
    public var windowTo: String
    public var marginSeconds: Int
    /// When the pack was made (the store's form).
    public var producedAt: String

    public init(session: SessionRecord, windowFrom: String, windowTo: String, marginSeconds: Int, producedAt: String) {
        self.session = session
        (self.windowFrom, self.windowTo, self.marginSeconds, self.producedAt) = (windowFrom, windowTo, marginSeconds, producedAt)
    }

    /// The window of a session: from the earlier of its start and when Vigil stored it, minus
    /// the margin, to the later of its stop (or `now`, while it runs) and when Vigil last changed
    /// it, plus the margin — the session's times are the charger's, so a charger whose clock is
    /// off, or an offline start reported late, still has its own frames in the window. Nil when
    /// the session's start cannot be read as a time.
    public static func window(of session: SessionRecord, received: (createdAt: String, updatedAt: String)?, now: Date,
                              marginSeconds: Int) -> (from: String, to: String)? {
        guard let start = StoreTime.parse(session.startTime) else { return nil }
        let stored = received.flatMap { StoreTime.parse($0.createdAt) }
        let changed = received.flatMap { StoreTime.parse($0.updatedAt) }
        let end = session.isActive ? now : (session.stopTime.flatMap(StoreTime.parse) ?? now)
        let from = min(start, stored ?? start)
        let to = [end, start, changed ?? start].max() ?? end
        let margin = TimeInterval(marginSeconds)
        return (StoreTime.format(from.addingTimeInterval(-margin)), StoreTime.format(to.addingTimeInterval(margin)))
    }

    /// Reads session `id`'s records; nil when there is no such session.
    /// `window`: the window to read in instead of the session's own (a saved pack's, when it is
    /// compared with the database: the session may have been touched since).
    public static func read(session id: Int, store: StationStore, now: Date, marginSeconds: Int = defaultMarginSeconds,
                            window given: (from: String, to: String)? = nil) async throws -> EvidenceRecords? {
        guard let session = try await store.session(id) else { return nil }
        let received = given == nil ? try await store.sessionReceipt(id) : nil
        guard let window = given ?? window(of: session, received: received, now: now, marginSeconds: marginSeconds) else {
            throw EvidenceError.unreadableSessionTime(session: id, text: session.startTime)
        }
        var records = EvidenceRecords(session: session, windowFrom: window.from, windowTo: window.to, marginSeconds: marginSeconds,
                                      producedAt: StoreTime.format(now))
        // The chain's head first: everything cited below was on the trail by then or is newer.
        let audit = AuditStore(host: store)
        records.auditHead = try await audit.auditHead()
        records.checkpoint = try await audit.newestAuditCheckpoint()
        records.samples = try await store.samples(session: id)
        if let token = session.idToken { records.token = try await store.datedToken(token) }
        let billing = BillingStore(host: store)
        if let cdr = try await billing.cdr(session: id) {
            records.cdr = cdr
            records.tariffVersion = try await billing.versions().first { $0.tariffId == cdr.record.tariffId && $0.version == cdr.record.tariffVersion }
        } else {
            records.unpriced = try await billing.unpriced(session: id)
        }
        let station = session.station
        let inWindow = { (at: String) in records.contains(at) }
        // The newest frameLimit + 1 rows of the window widened to whole seconds: more than the
        // limit inside the window means older ones were left out (rows before an outside one are outside too).
        let frames = try await store.frames(station: station, from: window.from, to: window.to, selection: .all, limit: frameLimit + 1)
            .filter { inWindow($0.at) }
        records.framesTruncated = frames.count > frameLimit
        records.frames = Array(frames.suffix(frameLimit))
        records.statusReports = try await store.statusReports(station: station, from: window.from, to: window.to, limit: rowLimit)
            .filter { inWindow($0.receivedAt) && records.concernsSession(evse: $0.evse) }
        records.faultEvents = try await store.faultEvents(station: station, from: window.from, to: window.to, limit: rowLimit)
            .map(StationTimeline.FaultEvent.init)
            .filter { records.contains(StoreTime.format($0.event.time)) && records.concernsSession(evse: $0.event.evse ?? $0.event.connector ?? 0) }
        records.decisions = try await DecisionStore(host: store).decisions(station: station, from: window.from, to: window.to, limit: rowLimit)
            .filter { records.concernsSession(target: $0.target) }
        let decisionTrail = try await DecisionTrail.read(for: records.decisions, from: store)
        (records.decisionEntries, records.decisionFindings) = (decisionTrail.entries, decisionTrail.findings)
        records.commands = try await CommandStore(host: store).commands(station: station, from: window.from, to: window.to, limit: rowLimit)
            .filter { records.concernsSession(evse: $0.connector ?? 0) }
        let commandTrail = try await CommandTrail.read(for: records.commands, from: store)
        records.commandSteps = commandTrail.steps
        records.commandFindings = commandTrail.findings.mapValues { $0.map(\.problem) }
        let cited = Set(records.decisionEntries.values).union(records.commandSteps.values.flatMap { $0.map(\.entryId) })
        for entryId in cited.sorted() {
            if let entry = try await audit.auditEntry(id: entryId) { records.auditEntries.append(entry) }
        }
        return records
    }

    /// Whether a stored time lies in the window, to the millisecond.
    func contains(_ at: String) -> Bool {
        guard let date = StoreTime.parse(at), let from = StoreTime.parse(windowFrom), let to = StoreTime.parse(windowTo) else { return false }
        return date >= from && date <= to
    }

    /// A record about the session's EVSE (1.6: its connector) or the whole station (0).
    func concernsSession(evse: Int) -> Bool { evse == 0 || evse == session.evse }

    /// A decision about the station, or the session's connector (`CP-1/2`), not another one's.
    func concernsSession(target key: String) -> Bool {
        guard key.hasPrefix(session.station + "/") else { return key == session.station }
        return Int(key.dropFirst(session.station.count + 1)).map(concernsSession(evse:)) ?? false
    }
}

/// What stops a pack from being made.
public enum EvidenceError: Error, Equatable, CustomStringConvertible {
    case unreadableSessionTime(session: Int, text: String)

    public var description: String {
        switch self {
        case .unreadableSessionTime(let session, let text):
            return "session \(session)'s start time \(text.debugDescription) is not a time; its window cannot be read"
        }
    }
}
