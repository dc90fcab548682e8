import CPMS
import Foundation
import Fraud
import ServiceLog
import Transport

/// Fraud and integrity signals (viewer access). `GET /api/v1/fraud` lists the stored signals
/// found at or after `from` and before `to` (RFC 3339 with a zone; both optional), of
/// `station` and `kind` when given, newest first, at most `limit` (default 100, at most
/// 1000); each item as `vigil fraud list --json` writes it (docs/billing.md).
enum FraudRoutes {
    static func route(_ router: inout Router, store: StationStore, auth: APIAuth, log: Log) {
        let fraud = FraudStore(host: store)
        router.on("GET", "/api/v1/fraud", auth: auth, needs: .viewer) { request, _ in
            await APIError.answering("GET /api/v1/fraud", log: log) {
                let window = try ListWindow.parse(request, defaultLimit: 100, maximum: 1_000)
                var query = FraudStore.Query(station: request.query["station"], limit: window.limit)
                query.from = try Self.date(request, "from")
                query.to = try Self.date(request, "to")
                if let from = query.from, let to = query.to, from >= to { throw APIError(.invalidParameter, "from must be before to") }
                if let kind = request.query["kind"] {
                    guard let known = FraudSignal.Kind(rawValue: kind) else {
                        throw APIError(.invalidParameter, "kind must be one of \(FraudSignal.Kind.allCases.map(\.rawValue).joined(separator: ", ")), got \(kind.debugDescription)")
                    }
                    query.kind = known
                }
                let signals = try await fraud.signals(query)
                // A station nobody knows is 404, as on the metrics routes, not an empty list (a
                // removed station's signals stay listed).
                if signals.isEmpty, let station = query.station, try await store.station(station) == nil {
                    throw APIError(.notFound, "no station \(station)")
                }
                return try RecordRoutes.json(signals.map(\.jsonObject))
            }
        }
    }

    /// A query time; a bad one is a 400 naming the parameter.
    static func date(_ request: HTTPRequest, _ name: String) throws -> Date? {
        guard let text = request.query[name] else { return nil }
        do {
            return try FilterInput.instant(text, option: name).date
        } catch {
            throw APIError(.invalidParameter, error.description.replacingOccurrences(of: "--", with: ""))
        }
    }
}
