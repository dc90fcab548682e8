@testable import Alerts
import Audit
import Testing
import VendorCatalog

/// Alert, delivery and silence rows are checked against the entries naming them.
@Suite struct AlertTrailTests {
    func entry(_ id: Int, _ details: String, rule: String? = "r", actor: String = "alerts", station: String? = "CP-1",
               at: String = "2026-12-05T08:00:00.000Z") -> AuditEntry {
        AuditEntry(id: id, at: at, record: AuditRecord(kind: "alert", actor: actor, station: station, rule: rule, details: details),
                   previousHash: "", hash: "")
    }

    func alert(status: String = "open", severity: Severity = .critical, title: String = "CP-1/1 stuck") -> AlertRow {
        AlertRow(id: 4, groupKey: "r|CP-1/1", rule: "r", target: "CP-1/1", station: "CP-1", site: nil, vendor: nil, route: "oncall",
                 severity: severity, title: title, text: "", status: status, firstSeen: "2026-12-05T08:00:00.000Z",
                 lastSeen: "2026-12-05T08:00:00.000Z", count: 1, lastNotified: nil, resolvedAt: nil)
    }

    @Test func alertRowsAgreeWithTheirLastStep() {
        let raised = entry(1, AlertTrail.alertDetails(alert: 4, event: "trigger", status: "open", severity: .critical, title: "CP-1/1 stuck",
                                                       note: "to 1 of 1 endpoint(s)"))
        #expect(AlertTrail.check(alert(), entries: [raised]).isEmpty)
        #expect(AlertTrail.check(alert(severity: .info), entries: [raised])
                == ["the record's severity is info; the audit trail says critical (entry #1)"])
        #expect(AlertTrail.check(alert(status: "resolved"), entries: [raised]) == ["the record says resolved; the audit trail says open (entry #1)"])
        let resolved = entry(2, AlertTrail.alertDetails(alert: 4, event: "resolved", status: "resolved", severity: .critical,
                                                         title: "CP-1/1 stuck", note: ""))
        #expect(AlertTrail.check(alert(status: "resolved"), entries: [raised, resolved]).isEmpty)
        #expect(AlertTrail.check(alert(title: "all fine"), entries: [raised]) == ["the record's title differs from the audit trail's (entry #1)"])
        #expect(AlertTrail.check(alert(severity: .info), entries: []).isEmpty)   // written before entries named alerts
    }

    @Test func deliveriesThatEndedMustSayHowOnTheTrail() {
        func row(_ status: String) -> OutboxRow {
            OutboxRow(id: 9, alertId: 4, route: "oncall", endpoint: "https://hooks.example/…", event: "trigger", idempotencyKey: "k",
                      body: "{}", status: status, attempts: 1, nextAttemptAt: "", createdAt: "2026-12-05T08:00:00.000Z", lastError: nil,
                      deliveredAt: nil)
        }
        let delivered = entry(3, AlertTrail.deliveryDetails(delivery: 9, alert: 4, status: "delivered", endpoint: "x", note: "HTTP 200"))
        #expect(AlertTrail.check(row("delivered"), entries: [delivered]).isEmpty)
        #expect(AlertTrail.check(row("pending"), entries: [delivered]).isEmpty)   // retried: not judged
        #expect(AlertTrail.check(row("dead"), entries: [delivered]) == ["the record says dead; the audit trail says delivered (entry #3)"])
        #expect(AlertTrail.check(row("delivered"), entries: []) == ["the record says delivered; the audit trail has no entry for this delivery"])
    }

    @Test func silencesAgreeWithWhatWasAddedAndEnded() {
        let row = SilenceRow(id: 3, rule: nil, station: "CP-1", site: nil, severity: nil, startsAt: "2026-12-05T08:00:00.000Z",
                             endsAt: "2026-12-05T10:00:00.000Z", createdBy: "dana", reason: "site works")
        let added = entry(5, AlertTrail.silenceDetails(silence: 3, status: "inForce", endsAt: "2026-12-05T10:00:00.000Z", reason: "site works"),
                          rule: nil, actor: "dana")
        #expect(AlertTrail.check(row, entries: [added]).isEmpty)
        var edited = row
        edited.endsAt = "2026-12-06T10:00:00.000Z"
        #expect(AlertTrail.check(edited, entries: [added])
                == ["the record says it ends 2026-12-06T10:00:00.000Z; the audit trail says 2026-12-05T10:00:00.000Z (entry #5)"])
        edited = row
        edited.station = nil
        edited.site = "north"
        #expect(AlertTrail.check(edited, entries: [added]) == ["what the silence matches differs from the audit trail (entry #5)"])
        let ended = entry(6, AlertTrail.silenceDetails(silence: 3, status: "ended", reason: "ended early"), rule: nil, actor: "dana",
                          station: nil, at: "2026-12-05T09:00:00.000Z")
        edited = row
        edited.endsAt = "2026-12-05T08:59:59.000Z"
        #expect(AlertTrail.check(edited, entries: [added, ended]).isEmpty)
        #expect(AlertTrail.check(row, entries: [added, ended])
                == ["the record says it ends 2026-12-05T10:00:00.000Z; the audit trail says it was ended at 2026-12-05T09:00:00.000Z (entry #6)"])
    }
}
