import Audit
import CPMS
import Foundation

/// The raw frames, each CALL that carried a command linked to it, and each answer to its CALL.
extension StationTimeline {
    /// The OCPP actions (1.6 and 2.0.1 names) that may carry a command: a remediation command's
    /// action (`ActionType`), or the verb of an operator's `manual …` entry.
    static let ocppActions: [String: Set<String>] = [
        "reset": ["Reset"],
        "disableConnector": ["ChangeAvailability"], "enableConnector": ["ChangeAvailability"],
        "disable": ["ChangeAvailability"], "enable": ["ChangeAvailability"],
        "unlockConnector": ["UnlockConnector"], "unlock": ["UnlockConnector"],
        "triggerMessage": ["TriggerMessage"], "trigger": ["TriggerMessage"],
        "start": ["RemoteStartTransaction", "RequestStartTransaction"],
        "stop": ["RemoteStopTransaction", "RequestStopTransaction"],
        "configure": ["ChangeConfiguration", "SetVariables"],
    ]

    /// How long after a send its CALL may still appear when no later step bounds it: more than
    /// any command timeout Vigil is configured with in practice.
    static let sendWindowMilliseconds: Int64 = 300_000

    /// One time a command was handed to the station's connection.
    struct Send {
        var label: String
        var fields: [String: Value]
        var actions: Set<String>
        var start: Int64
        var end: Int64
    }

    /// A frame's envelope: `[2,"id","Action",{…}]`, `[3,"id",{…}]`, `[4,"id","Code","text",{…}]`.
    struct Envelope {
        var messageType: Int
        var messageId: String
        var action: String?

        init?(_ text: String) {
            guard let array = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [Any], array.count >= 2,
                  let type = array[0] as? Int, let id = array[1] as? String else { return nil }
            messageType = type
            messageId = id
            action = type == 2 && array.count >= 3 ? array[2] as? String : nil
        }
    }

    /// The sends of the commands in `rows` (each "sending" step; the record's creation when
    /// the trail has none) and of the operators' manual commands (their "sending" entries),
    /// each bounded by the step or answer that followed it.
    static func sends(_ rows: Rows, claims: AuditClaims) -> [Send] {
        var sends: [Send] = []
        for row in rows.commands {
            guard let actions = ocppActions[row.action] else { continue }
            let steps = claims.steps[row.id] ?? []
            var starts: [(at: String, next: String?)] = []
            for (index, (step, at)) in steps.enumerated() where step.status == "sending" {
                starts.append((at, index + 1 < steps.count ? steps[index + 1].at : nil))
            }
            if steps.isEmpty, ![.queued, .dryRun, .refused, .held, .expired].contains(row.status) { starts.append((row.createdAt, nil)) }
            for (at, next) in starts {
                guard let start = StoreTime.parse(at).map(milliseconds) else { continue }
                let end = next.flatMap(StoreTime.parse).map(milliseconds) ?? start + sendWindowMilliseconds
                sends.append(Send(label: "command #\(row.id) \(row.action)\(row.argument.map { " " + $0 } ?? "")",
                                  fields: ["commandId": .number(row.id)], actions: actions, start: start, end: end))
            }
        }
        for (index, entry) in claims.entries.enumerated() {
            let record = entry.record
            guard record.station == rows.station, record.kind == "operator", record.outcome == "sending",
                  let action = record.action, action.hasPrefix("manual "),
                  let verb = action.dropFirst("manual ".count).split(separator: " ").first, let actions = ocppActions[String(verb)],
                  let start = StoreTime.parse(entry.at).map(milliseconds) else { continue }
            let answer = claims.entries[(index + 1)...].first { $0.record.kind == "outcome" && $0.record.station == rows.station && $0.record.action == action }
            let end = answer.flatMap { StoreTime.parse($0.at) }.map(milliseconds) ?? start + sendWindowMilliseconds
            sends.append(Send(label: "\(action) by \(record.actor) (audit #\(entry.id))", fields: ["manualEntry": .number(entry.id)],
                              actions: actions, start: start, end: end))
        }
        return sends.sorted { $0.start < $1.start }
    }

    /// Every frame of `rows` as a line; the CALL that carried a send names it, and an answer
    /// names the CALL it answers (same message id, the first answer after it).
    static func frameItems(_ rows: Rows, claims: AuditClaims) -> [Item] {
        let envelopes = rows.frames.map { Envelope($0.text) }
        let instants = rows.frames.map { StoreTime.parse($0.at).map(milliseconds) }
        var carried: [Int: Send] = [:]                    // frame index → the send it carried
        for send in sends(rows, claims: claims) {
            let found = rows.frames.indices.first { index in
                let frame = rows.frames[index]
                guard !frame.incoming, carried[index] == nil, let envelope = envelopes[index], envelope.messageType == 2,
                      let action = envelope.action, send.actions.contains(action), let instant = instants[index] else { return false }
                // A frame stored to the whole second may read up to 999 ms before the send; and an
                // operator's "sending" entry is stamped as the trail writes it, which may be a
                // moment after its CALL went out (a 2.0.1 start showed its frame 1 ms earlier).
                let slack: Int64 = frame.at.contains(".") ? (send.fields["manualEntry"] == nil ? 0 : 1_000) : 999
                return instant >= send.start - slack && instant <= send.end + 999
            }
            if let found { carried[found] = send }
        }
        var openCalls: [String: (index: Int, action: String)] = [:]   // message id → the latest CALL out
        return rows.frames.enumerated().map { index, frame in
            var fields: [String: Value] = ["frameId": .number(frame.id), "direction": .text(frame.incoming ? "in" : "out"), "frame": .text(frame.text)]
            var words = (frame.incoming ? "<- " : "-> ") + frame.text
            if let envelope = envelopes[index] {
                fields["messageType"] = .number(envelope.messageType)
                fields["messageId"] = .text(envelope.messageId)
                if let action = envelope.action { fields["action"] = .text(action) }
                if envelope.messageType == 2, !frame.incoming, let action = envelope.action {
                    openCalls[envelope.messageId] = (index, action)
                    if let send = carried[index] {
                        words += "  — carried \(send.label)"
                        fields.merge(send.fields) { $1 }
                    }
                } else if envelope.messageType == 3 || envelope.messageType == 4, frame.incoming,
                          let call = openCalls.removeValue(forKey: envelope.messageId) {
                    fields["answers"] = .number(rows.frames[call.index].id)
                    if let send = carried[call.index] {
                        words += "  — answer to \(send.label)"
                        fields.merge(send.fields) { $1 }
                    } else {
                        words += "  — answer to \(call.action)"
                    }
                }
            }
            return Item(at: frame.at, source: .frame, text: words, fields: fields, order: frame.id)
        }
    }
}
