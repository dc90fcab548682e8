import DomainEvents
import Foundation

extension LiveUpdate {
    /// A recorded decision for live subscribers: `{"id":N,…the decision as GET /api/v1/decisions
    /// shows it…}`; nil when it cannot be encoded (the decision itself is on record regardless).
    public static func decision(_ stored: StoredDecision) -> LiveUpdate? {
        guard let data = try? RuleRunner.encoder.encode(stored.decision) else { return nil }
        let json = String(decoding: data, as: UTF8.self)
        guard let id = stored.id else { return LiveUpdate(kind: "decision", id: "", json: json) }
        let body = json.hasPrefix("{") && json != "{}" ? "{\"id\":\(id)," + json.dropFirst() : "{\"id\":\(id)}"
        return LiveUpdate(kind: "decision", id: String(id), json: body)
    }
}
