import Billing
import CPMS
import Foundation
import ServiceLog
import Transport

/// Charge detail records (viewer access). `GET /api/v1/billing/cdrs` lists the CDRs of
/// sessions that stopped at or after `from` and before `to` (RFC 3339 with a zone; both
/// optional), at `site` when given, oldest first, a page of `limit` (default 100, at most
/// 1000): when more match, `X-Next-After` and `Link: <…&after=ID>; rel="next"` give the next
/// page (its cursor is this page's last id). Each item is the stored row's `id`, `contentHash`
/// and `createdAt`, and under `cdr` the record exactly as hashed (money in minor units,
/// docs/billing.md).
enum BillingRoutes {
    static func route(_ router: inout Router, store: StationStore, auth: APIAuth, log: Log) {
        let billing = BillingStore(host: store)
        router.on("GET", "/api/v1/billing/cdrs", auth: auth, needs: .viewer) { request, _ in
            await APIError.answering("GET /api/v1/billing/cdrs", log: log) {
                let window = try ListWindow.parse(request, defaultLimit: 100, maximum: 1_000)
                let from = try Self.instant(request, "from") ?? 0
                let to = try Self.instant(request, "to") ?? Instant.parse("9999-12-31T23:59:59Z") ?? Int.max
                guard from < to else { throw APIError(.invalidParameter, "from must be before to") }
                var after: Int?
                if let text = request.query["after"] {
                    guard let id = Int(text), id > 0 else {
                        throw APIError(.invalidParameter, "after must be a CDR id (a positive integer: the last id of the previous page), got \(text.debugDescription)")
                    }
                    after = id
                }
                // One more than the page: whether another page follows, never a short page unsaid.
                var cdrs = try await billing.cdrs(from: from, to: to, site: request.query["site"], after: after, limit: window.limit + 1)
                let more = cdrs.count > window.limit
                cdrs = Array(cdrs.prefix(window.limit))
                var response = try RecordRoutes.json(cdrs.map { stored -> [String: Any] in
                    let record = (try? JSONSerialization.jsonObject(with: Data(stored.document.utf8))) ?? [:]
                    return ["id": stored.id, "contentHash": stored.contentHash, "createdAt": stored.createdAt, "cdr": record]
                })
                if more, let last = cdrs.last {
                    ListWindow.markNextPage(&response, request: request, path: "/api/v1/billing/cdrs", cursor: "after", header: "X-Next-After",
                                            value: last.id)
                }
                return response
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
