import Alerts
import Audit
import CPMS
import Foundation

extension StationTimeline {
    /// Which audit entry backs which record, and the entries no record claims. An entry is
    /// claimed at most once; what stays unclaimed and belongs to the station (or touches the
    /// whole fleet) becomes a line of its own.
    struct AuditClaims {
        let station: String
        /// Every entry once, by id.
        var entries: [AuditEntry]
        var claimed: Set<Int> = []
        /// Command id → its steps, oldest first (`CommandTrail.step`), with the entries' times.
        var steps: [Int: [(step: CommandTrail.Step, at: String)]] = [:]
        let alertIds: Set<Int>
        let silenceIds: Set<Int>

        init(_ rows: Rows) {
            station = rows.station
            var seen = Set<Int>()
            entries = rows.audit.sorted { $0.id < $1.id }.filter { seen.insert($0.id).inserted }
            alertIds = Set(rows.alerts.map(\.id))
            silenceIds = Set(rows.silences.map(\.id))
            let commandIds = Set(rows.commands.map(\.id))
            for entry in entries {
                guard let step = CommandTrail.step(entry), commandIds.contains(step.command) else { continue }
                steps[step.command, default: []].append((step, entry.at))
            }
        }

        /// Claims the first unclaimed entry that `matches`; its id.
        mutating func claim(where matches: (AuditEntry) -> Bool) -> Int? {
            guard let entry = entries.first(where: { !claimed.contains($0.id) && matches($0) }) else { return nil }
            claimed.insert(entry.id)
            return entry.id
        }

        mutating func claim(_ id: Int) { claimed.insert(id) }

        /// Lines for the entries no record claimed, when they concern the station.
        func unclaimedItems(_ rows: Rows) -> [Item] {
            entries.enumerated().compactMap { index, entry -> Item? in
                guard !claimed.contains(entry.id), concernsStation(entry) else { return nil }
                return StationTimeline.item(for: entry, order: index)
            }
        }

        /// The station's own entries; of the others, the kill switch and the fleet breaker (they
        /// hold every station), and those naming this station's alerts or silences.
        func concernsStation(_ entry: AuditEntry) -> Bool {
            let record = entry.record
            if let station = record.station { return station == self.station }
            let action = record.action ?? ""
            if action.hasPrefix("kill switch") || action.hasPrefix("fleet breaker") { return true }
            if record.kind == "alert", let alert = StationTimeline.alertNamed(by: entry) { return alertIds.contains(alert) }
            if record.kind == "operator", action == "silence" || action == "unsilence",
               let outcome = record.outcome, outcome.hasPrefix("#"), let id = Int(outcome.dropFirst()) {
                return silenceIds.contains(id)
            }
            return false
        }
    }

    /// An entry as a line of its own: who, what, the outcome and the details, as stored.
    static func item(for entry: AuditEntry, order: Int) -> Item {
        let record = entry.record
        let source: Source
        if let step = CommandTrail.step(entry) {
            return stepItem(step, at: entry.at, order: order)
        }
        switch record.kind {
        case "decision": source = .decision
        case "command": source = .command
        case "verification": source = .verification
        case "alert": source = (record.action ?? "").hasPrefix("deliver") ? .delivery : .alert
        case "operator": source = (record.action == "silence" || record.action == "unsilence") ? .silence : .operator
        case "outcome": source = .outcome
        default: source = .system
        }
        var words = record.actor + ":"
        if let action = record.action { words += " " + action }
        if let outcome = record.outcome { words += " → " + outcome }
        if let rule = record.rule { words += " (rule \(rule))" }
        if !record.details.isEmpty { words += " — " + record.details }
        var fields: [String: Value] = ["kind": .text(record.kind), "actor": .text(record.actor)]
        for (name, value) in [("station", record.station), ("rule", record.rule), ("action", record.action), ("outcome", record.outcome)] {
            if let value { fields[name] = .text(value) }
        }
        fields["details"] = .text(record.details)
        return Item(at: entry.at, source: source, text: words, auditEntry: entry.id, fields: fields, order: order)
    }

    /// One step of a command after its first (the answer, an expiry, the verification …).
    static func stepItem(_ step: CommandTrail.Step, at: String, order: Int) -> Item {
        let isVerdict = step.status == "verified" || step.status == "notVerified"
        var fields: [String: Value] = ["commandId": .number(step.command), "status": .text(step.status)]
        if let decision = step.decision { fields["decisionId"] = .number(decision) }
        if let hash = step.ruleHash { fields["ruleHash"] = .text(hash) }
        fields["note"] = .text(step.note)
        let words = "command #\(step.command) \(step.status)" + (step.note.isEmpty ? "" : " — " + step.note)
        return Item(at: at, source: isVerdict ? .verification : .command, text: words, auditEntry: step.entryId, fields: fields, order: order)
    }

    /// The alert an `alert` entry is about: the `alert` of its JSON details (an alert's step or a
    /// delivery's), or, in entries written before those details, the text's `alert #N`.
    static func alertNamed(by entry: AuditEntry) -> Int? {
        if let object = AlertTrail.object(entry) { return object["alert"] as? Int }
        return number(after: " of alert #", in: entry.record.details) ?? number(after: "alert #", in: entry.record.details)
    }

    /// Whether an `alert` entry is the step of alert `id` (not one of its deliveries).
    static func isStep(of id: Int, _ entry: AuditEntry) -> Bool {
        guard entry.record.kind == "alert" else { return false }
        if let object = AlertTrail.object(entry) { return object["alert"] as? Int == id && object["delivery"] == nil }
        return entry.record.details.hasPrefix("alert #\(id) ")
    }

    /// Whether an `alert` entry is the end of delivery `id`.
    static func isDelivery(_ id: Int, _ entry: AuditEntry) -> Bool {
        guard entry.record.kind == "alert" else { return false }
        if let object = AlertTrail.object(entry) { return object["delivery"] as? Int == id }
        return entry.record.details.hasPrefix("delivery #\(id) of alert #")
    }

    /// The number right after `marker` in `text` (`delivery #4 of alert #2` → 2 after " of alert #").
    static func number(after marker: String, in text: String) -> Int? {
        guard let range = text.range(of: marker) else { return nil }
        return Int(text[range.upperBound...].prefix { $0.isNumber })
    }
}
