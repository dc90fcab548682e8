import Billing
import CPMS
import Foundation
import ServiceLog
import Transport

/// Charge detail records (viewer access). `GET /api/v1/billing/cdrs` lists the CDRs of
/// sessions that stopped at or after `from` and before `to` (RFC 3339 with a zone; both
/// optional), at `site` when given, oldest first, at most `limit` (default 100, at most 1000).
/// Each item is the stored row's `id`, `contentHash` and `createdAt`, and under `cdr` the
/// record exactly as hashed (money in minor units, docs/billing.md).
enum BillingRoutes {
    static func route(_ router: inout Router, store: StationStore, auth: APIAuth, log: Log) {
        let billing = BillingStore(host: store)
        router.on("GET", "/api/v1/billing/cdrs", auth: auth, needs: .viewer) { request, _ in
            await APIError.answering("GET /api/v1/billing/cdrs", log: log) {
                let window = try ListWindow.parse(request, defaultLimit: 100, maximum: 1_000)
                let from = try Self.instant(request, "from") ?? 0
                let to = try Self.instant(request, "to") ?? Instant.parse("9999-12-31T23:59:59Z") ?? Int.max
                guard from < to else { throw APIError(.invalidParameter, "from must be before to") }
                let cdrs = try await billing.cdrs(from: from, to: to, site: request.query["site"], limit: window.limit)
                return try RecordRoutes.json(cdrs.map { stored -> [String: Any] in
                    let record = (try? JSONSerialization.jsonObject(with: Data(stored.document.utf8))) ?? [:]
                    return ["id": stored.id, "contentHash": stored.contentHash, "createdAt": stored.createdAt, "cdr": record]
                })
            }
        }
    }

    /// A query time in milliseconds; a bad one is a 400 naming the parameter.
    static func instant(_ request: HTTPRequest, _ name: String) throws -> Int? {
        guard let text = request.query[name] else { return nil }
        do {
            let value = try FilterInput.instant(text, option: name)
            return Int(value.secondsSinceEpoch) * 1_000 + Int(value.nanoseconds) / 1_000_000
        } catch {
            throw APIError(.invalidParameter, error.description.replacingOccurrences(of: "--", with: ""))
        }
    }
}
