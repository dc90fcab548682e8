import Audit
@testable import Billing
@testable import CPMS
import DomainEvents
import Digests
@testable import Evidence
import Foundation
import OCPP
import Remediation
import StoreTesting
import Testing

/// A session with a fault in the middle (Faulted, a reset command with its audit steps, then
/// Available), meter samples and frames: the pack holds each part, its hashes verify, any edit
/// of the saved file is named, the HTML page carries the same pack, and a session without a CDR
/// says why it is not priced.
@Suite struct EvidencePackTests {
    static let key = Array("audit-key".utf8)
    static let start = "2026-12-05T10:00:00.000Z"
    static let stop = "2026-12-05T10:30:00.000Z"

    /// A store with the session (id returned) and everything around it, on CP-1 connector 1.
    static func withSession(stop: String? = stop, priced: Bool = false,
                            _ body: (StationStore, Int) async throws -> Void) async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-evidence-\(UUID().uuidString).sqlite").path
        defer { removeSQLiteFiles(path) }
        let store = try StationStore(path: path)
        _ = try await store.declareStation(id: "CP-1", site: "north")
        try await store.saveToken(IdTokenRecord(token: "CARD-7", status: .accepted, parent: "FLEET"), now: "2026-12-01T00:00:00.000Z")
        let log = MessageLog(store: store)
        log.record(station: "CP-1", incoming: true, at: "2026-12-05T09:59:58.000Z", text: #"[2,"a1","Authorize",{"idTag":"CARD-7"}]"#)
        log.record(station: "CP-1", incoming: true, at: "2026-12-05T09:58:00.000Z", text: #"[2,"h0","Heartbeat",{}]"#)   // before the window
        let id = try await store.startSession(station: "CP-1", evse: 1, connector: 1, transactionRef: nil, idToken: "CARD-7",
                                              authorization: "accepted", startTime: start, meterStartWh: 1_000, now: start)
        try await store.addSamples(session: id, [MeterSample(at: "2026-12-05T10:10:00.000Z", measurand: "Energy.Active.Import.Register", value: 4.5, unit: "kWh"),
                                                 MeterSample(at: "2026-12-05T10:20:00.000Z", measurand: "Power.Active.Import", value: 11_000, unit: "W")])
        try await store.recordStatus(id: "CP-1", StatusReport(evse: 1, connector: 1, status: .faulted, errorCode: .internalError,
                                                              vendorErrorCode: "E-17", chargerTime: "2026-12-05T10:12:00Z"),
                                     now: "2026-12-05T10:12:00.100Z")
        try await store.recordStatus(id: "CP-1", StatusReport(evse: 2, connector: 1, status: .faulted, errorCode: OCPPErrorCode(rawValue: "GroundFailure")),
                                     now: "2026-12-05T10:12:30.000Z")   // another connector: not this session's
        let signing = AuditSigning(key: key, now: "2026-12-05T10:13:00.000Z")
        let commands = CommandStore(host: store)
        let command = try #require(try await commands.insertCommand(
            NewCommand(decisionId: nil, rule: "stuck-internal-error", station: "CP-1", connector: 1, site: "north", action: "reset",
                       argument: "soft", status: .pending), now: "2026-12-05T10:13:00.000Z", audit: signing) { id in
            AuditRecord(kind: "command", actor: "executor", station: "CP-1", rule: "stuck-internal-error", action: "reset soft", outcome: "sending",
                        details: CommandTrail.details(command: id, decision: nil, ruleHash: nil, status: "sending", note: "to CP-1"))
        })
        log.record(station: "CP-1", incoming: false, at: "2026-12-05T10:13:00.010Z", text: #"[2,"r1","Reset",{"type":"Soft"}]"#)
        log.record(station: "CP-1", incoming: true, at: "2026-12-05T10:13:00.050Z", text: #"[3,"r1",{"status":"Accepted"}]"#)
        try await commands.updateCommand(id: command, status: .accepted, detail: "Accepted", sent: true, finished: true, now: "2026-12-05T10:13:00.060Z")
        try await AuditStore(host: store).appendAudit([AuditRecord(kind: "outcome", actor: "executor", station: "CP-1", rule: "stuck-internal-error",
                                                                   action: "reset soft", outcome: "accepted",
                                                                   details: CommandTrail.details(command: command, decision: nil, ruleHash: nil,
                                                                                                 status: "accepted", note: "Accepted"))],
                                                      key: key, now: "2026-12-05T10:13:00.060Z")
        try await store.recordStatus(id: "CP-1", StatusReport(evse: 1, connector: 1, status: .available, errorCode: .noError),
                                     now: "2026-12-05T10:14:00.000Z")
        if let stop {
            try await store.stopSession(id: id, stopTime: stop, meterStopWh: 9_000, reason: "Local", now: stop)
            log.record(station: "CP-1", incoming: true, at: "2026-12-05T10:30:00.000Z",
                       text: #"[2,"s1","StopTransaction",{"transactionId":1,"meterStop":9000,"timestamp":"2026-12-05T10:30:00Z"}]"#)
        }
        log.record(station: "CP-1", incoming: true, at: "2026-12-05T10:20:00.500Z",
                   text: #"[2,"d1","DataTransfer",{"vendorId":"x","data":"</script><script>alert(1)</script>"}]"#)   // hostile text
        log.record(station: "CP-1", incoming: true, at: "2026-12-05T10:33:00.000Z", text: #"[2,"h9","Heartbeat",{}]"#)   // after the window
        try await log.flush()
        if priced {
            let billing = BillingService(store: store)
            _ = try await billing.billing.recordVersions(
                of: [Tariff(id: "standard", currency: Currency(code: "EUR")!, vatMicroPercent: 19_000_000, bands: [TariffBand(energyPerKWh: try Money.parse("0.40"))])],
                now: Instant.parse("2026-12-01T00:00:00Z")!)
            _ = try await billing.price(session: id, now: Date())
        } else if stop != nil {
            try await BillingStore(host: store).markUnpriced(session: id, station: "CP-1", start: start, stop: stop, reason: "no tariff applies",
                                                             now: Instant.parse("2026-12-05T10:30:01Z")!)
        }
        try await body(store, id)
    }

    static func pack(_ store: StationStore, _ id: Int) async throws -> EvidencePack {
        let records = try #require(try await EvidenceRecords.read(session: id, store: store, now: Date(timeIntervalSince1970: 1_764_930_000)))
        return try EvidencePack.build(from: records)
    }

    static func object(_ value: JSONValue?) -> JSONObject {
        if case .object(let object)? = value { return object }
        return JSONObject()
    }

    static func array(_ value: JSONValue?) -> [JSONValue] {
        if case .array(let items)? = value { return items }
        return []
    }

    @Test func aPackHoldsEveryPartOfASessionWithAFaultInTheMiddle() async throws {
        try await Self.withSession { store, id in
            let contents = try await Self.pack(store, id).contents
            #expect(contents["complete"] == .bool(true))
            #expect(Self.object(contents["session"])["id"] == .number(JSONNumber(id)))
            #expect(Self.object(contents["session"])["energyWh"] == .string("8000.0"))
            let authorization = Self.object(contents["authorization"])
            #expect(authorization["verdict"] == .string("accepted") && authorization["group"] == .string("FLEET"))
            #expect(authorization["tokenRecordInForceAtStart"] == .bool(true))
            #expect(Self.array(authorization["authorizeFrameIds"]).count == 1)
            let samples = Self.array(contents["meterSamples"]).map { Self.object($0) }
            #expect(samples.map { $0["value"] } == [.string("4500.0"), .string("11000.0")])
            let statuses = Self.array(contents["statusChanges"]).map { Self.object($0)["status"] }
            #expect(statuses == [.string("Faulted"), .string("Available")])   // connector 2's report is left out
            let faults = Self.array(contents["faults"]).map { Self.object($0) }
            #expect(faults.count == 1 && faults[0]["code"] == .string("InternalError") && faults[0]["vendorErrorCode"] == .string("E-17"))
            let remediation = Self.object(contents["remediation"])
            let commands = Self.array(remediation["commands"]).map { Self.object($0) }
            #expect(commands.count == 1 && commands[0]["action"] == .string("reset") && commands[0]["status"] == .string("accepted"))
            #expect(Self.array(commands[0]["auditEntryIds"]).count == 2 && Self.array(commands[0]["trailFindings"]).isEmpty)
            let entries = Self.array(remediation["auditEntries"]).map { Self.object($0) }
            #expect(entries.map { $0["outcome"] } == [.string("sending"), .string("accepted")])
            let frames = Self.array(Self.object(contents["frames"])["items"]).map { Self.object($0)["text"] }
            #expect(frames.count == 5)   // Authorize, Reset, its answer, DataTransfer, StopTransaction: not the heartbeats outside the window
            #expect(frames.contains(.string(#"[2,"r1","Reset",{"type":"Soft"}]"#)))
            let audit = Self.object(contents["audit"])
            #expect(Self.object(audit["head"])["entryId"] == entries.last?["id"])
        }
    }

    @Test func longTextsThatDifferAreShownWhereTheyPart() {
        let prefix = String(repeating: "a", count: 200)
        var found: [String] = []
        EvidenceCheck.differences(.string(prefix + #""gross":9053}"#), .string(prefix + #""gross":1053}"#), path: "billing.cdr.document", into: &found)
        #expect(found == [#"billing.cdr.document: differs from character 209: the file has …"aaaaaaaaaaaa\"gross\":9053}", the database …"aaaaaaaaaaaa\"gross\":1053}""#], "\(found)")
    }

    @Test func theWindowCoversWhenVigilReceivedTheSessionNotOnlyTheChargersClock() throws {
        func session(start: String, stop: String?) -> SessionRecord {
            SessionRecord(id: 1, station: "CP-1", evse: 1, connector: 1, transactionRef: "1", idToken: nil, authorization: nil,
                          startTime: start, stopTime: stop, meterStartWh: nil, meterStopWh: nil, energyWh: nil, stopReason: nil,
                          isActive: stop == nil, anomalies: [])
        }
        let now = try #require(StoreTime.parse("2026-12-05T12:00:00.000Z"))
        // The charger's clock five minutes fast: its start and stop are after Vigil stored them.
        let fast = EvidenceRecords.window(of: session(start: "2026-12-05T10:05:00Z", stop: "2026-12-05T10:35:00Z"),
                                          received: ("2026-12-05T10:00:00.000Z", "2026-12-05T10:30:00.000Z"), now: now, marginSeconds: 60)
        #expect(fast?.from == "2026-12-05T09:59:00.000Z" && fast?.to == "2026-12-05T10:36:00.000Z")
        // An offline session reported an hour late: Start and Stop arrived at 10:00.
        let late = EvidenceRecords.window(of: session(start: "2026-12-05T09:00:00Z", stop: "2026-12-05T09:10:00Z"),
                                          received: ("2026-12-05T10:00:00.000Z", "2026-12-05T10:00:01.000Z"), now: now, marginSeconds: 60)
        #expect(late?.from == "2026-12-05T08:59:00.000Z" && late?.to == "2026-12-05T10:01:01.000Z")
        // Running, the charger's clock ahead of now: up to the later of its start and now.
        let running = EvidenceRecords.window(of: session(start: "2026-12-05T11:00:00Z", stop: nil),
                                             received: ("2026-12-05T10:58:00.000Z", "2026-12-05T11:30:00.000Z"), now: now, marginSeconds: 60)
        #expect(running?.from == "2026-12-05T10:57:00.000Z" && running?.to == "2026-12-05T12:01:00.000Z")
    }

    @Test func aSavedPackVerifiesAndEveryEditIsNamed() async throws {
        try await Self.withSession { store, id in
            let text = try await Self.pack(store, id).text()
            let check = try EvidenceCheck.check(text)
            #expect(check.isValid, "\(check.problems)")
            // The hash is the SHA-256 of the canonical form without contentHash, as documented.
            var stripped = check.document
            stripped.members.removeAll { $0.key == "contentHash" }
            #expect(Digests.sha256Hex(try EvidenceCanonicalForm.bytes(.object(stripped))) == check.recordedHash)

            let edited = text.replacingOccurrences(of: #""status":"Faulted""#, with: #""status":"Available""#)
            #expect(edited != text)
            let failed = try EvidenceCheck.check(edited)
            #expect(!failed.isValid)
            #expect(failed.problems.contains { $0.hasPrefix("contentHash: the pack records") })
            #expect(failed.problems.contains { $0.hasPrefix("section statusChanges differs") })
            #expect(!failed.problems.contains { $0.hasPrefix("section frames") })

            // An edited sample value, with the section hash "fixed" too: the content hash still catches it.
            let sample = text.replacingOccurrences(of: #""value":"4500.0""#, with: #""value":"450.0""#)
            #expect(try !EvidenceCheck.check(sample).isValid)

            // An audit entry edited in the pack no longer hashes to its recorded hash.
            let entry = text.replacingOccurrences(of: #""outcome":"accepted""#, with: #""outcome":"rejected""#)
            #expect(try EvidenceCheck.check(entry).problems.contains { $0.hasPrefix("audit entry #") })
        }
    }

    @Test func theDatabaseComparisonNamesTheField() async throws {
        try await Self.withSession { store, id in
            let text = try await Self.pack(store, id).text()
            var same = try EvidenceCheck.check(text)
            try await same.compare(with: store)
            #expect(same.isValid, "\(same.problems)")
            var edited = try EvidenceCheck.check(text.replacingOccurrences(of: #""vendorErrorCode":"E-17""#, with: #""vendorErrorCode":"E-18""#))
            try await edited.compare(with: store)
            #expect(edited.problems.contains("database: statusChanges[0].vendorErrorCode: the file has \"E-18\", the database \"E-17\""))
        }
    }

    @Test func theHTMLPageEmbedsTheSamePackAndVerifies() async throws {
        try await Self.withSession { store, id in
            let pack = try await Self.pack(store, id)
            let html = try EvidencePage.html(pack)
            #expect(html.contains(pack.contentHash))
            #expect(!html.contains("<script>") && html.components(separatedBy: "<script").count == 2)   // only the data block
            let check = try EvidenceCheck.check(html)
            #expect(check.isValid, "\(check.problems)")
            #expect(check.recordedHash == pack.contentHash)
            #expect(JSONValue.object(check.document) == (try JSONParser.parse(try pack.text())))
            // The DataTransfer frame's "</script><script>" neither ends the block nor opens a script.
            #expect(html.components(separatedBy: "</script>").count == 2)
            #expect(html.contains(#"\u003c/script>\u003cscript>alert(1)\u003c/script>"#))
            let tampered = html.replacingOccurrences(of: #""errorCode":"InternalError""#, with: #""errorCode":"NoError""#)
            #expect(tampered != html)
            #expect(try !EvidenceCheck.check(tampered).isValid)
            // What a reader sees is checked too: a table edited by hand, the block left alone.
            let forged = html.replacingOccurrences(of: "<th>meterStopWh</th><td>", with: "<th>meterStopWh</th><td>9")
            #expect(forged != html)
            let page = try EvidenceCheck.check(forged)
            #expect(page.problems.count == 1 && page.problems.first?.contains("(section Session) differs") == true, "\(page.problems)")
            // Rows in the builder's order, though the page is rendered from the canonical (sorted) form:
            // the very page earlier versions rendered from the builder's own contents, so theirs verify.
            #expect(html.contains("<section><h2>Session</h2>\n<table><tr><th>id</th>"))
            #expect(EvidencePage.render(pack, contents: pack.contents, block: try pack.text()) == html)
        }
    }

    @Test func aSessionWithoutACDRSaysWhyItIsNotPriced() async throws {
        try await Self.withSession { store, id in
            let billing = Self.object(try await Self.pack(store, id).contents["billing"])
            #expect(billing["priced"] == .bool(false) && billing["reason"] == .string("no tariff applies"))
        }
        try await Self.withSession(stop: nil) { store, id in
            let contents = try await Self.pack(store, id).contents
            #expect(contents["complete"] == .bool(false))
            #expect(Self.object(contents["billing"])["reason"] == .string("the session is still running: a CDR is written when it ends"))
        }
    }

    @Test func aPricedSessionCarriesItsCDRAndTariffVersion() async throws {
        try await Self.withSession(priced: true) { store, id in
            let text = try await Self.pack(store, id).text()
            let check = try EvidenceCheck.check(text)
            #expect(check.isValid, "\(check.problems)")
            let billing = Self.object(check.document["billing"])
            #expect(billing["priced"] == .bool(true))
            #expect(Self.object(billing["tariffVersion"])["tariffId"] == .string("standard"))
            #expect(Self.object(billing["cdr"])["document"] != nil)
            // Re-pricing the document in the pack breaks the CDR's own hash.
            let edited = text.replacingOccurrences(of: #"\"tariffId\":\"standard\""#, with: #"\"tariffId\":\"cheaper\""#)
            #expect(try EvidenceCheck.check(edited).problems.contains { $0.hasPrefix("billing.cdr: the document does not hash") })
            // Its page — CDR, tariff version, audit head and checkpoint tables, the token's record —
            // is the one the builder's order gives, and verifies.
            let pack = try await Self.pack(store, id)
            let html = try EvidencePage.html(pack)
            #expect(EvidencePage.render(pack, contents: pack.contents, block: try pack.text()) == html)
            #expect(html.contains("<h3>Head</h3><table><tr><th>entryId</th>"))
            #expect(try EvidenceCheck.check(html).isValid)
        }
    }
}
