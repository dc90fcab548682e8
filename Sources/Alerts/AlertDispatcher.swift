import Audit
import Digests
import DomainEvents
import Foundation
import ServiceLog
import Store
import Transport

/// Delivers the outbox: every pending delivery whose time has come is POSTed to its endpoint
/// (Transport's `HTTPClient`, on the same socket machinery as the rest of Vigil; see
/// docs/ARCHITECTURE.md for why not URLSession),
/// signed, with its idempotency key, and a timeout; 2xx marks it delivered; anything else
/// schedules the next attempt with exponential backoff and jitter, and after `giveUpAfter` the
/// delivery is dead-lettered (visible and retryable with `vigil alerts retry`). At least once:
/// a delivery is only marked after the receiver answered, so a crash in between resends it
/// with the same key. The outbox holds no secret: a row names its endpoint by name, masked URL
/// and fingerprint (`AlertRoute.endpoint`), the URL and PagerDuty's routing key come from the
/// loaded configuration at sending time, and errors are recorded with the URL masked.
public actor AlertDispatcher {
    let store: AlertStore
    let settings: AlertSettings
    let clock: @Sendable () -> Date
    let record: @Sendable ([AuditRecord]) async -> Void
    let log: LogLine
    /// Requests sent per endpoint in the current minute, for the rate limit.
    var sentThisMinute: [String: (minute: Int, count: Int)] = [:]
    /// At most this many deliveries in flight at once.
    let parallelism: Int
    public private(set) var delivered = 0

    public init(store host: any DatabaseHost, settings: AlertSettings, parallelism: Int = 8, clock: @escaping @Sendable () -> Date = { Date() },
                audit: @escaping @Sendable ([AuditRecord]) async -> Void,
                log: @escaping LogLine) {
        store = AlertStore(host: host)
        self.settings = settings
        self.parallelism = parallelism
        self.clock = clock
        record = audit
        self.log = log
    }

    /// How long a claimed delivery stays out of the other dispatchers' sight: longer than any
    /// route's timeout (2 minutes at most).
    static let claimSeconds: TimeInterval = 300

    /// Runs until cancelled: a pass every `interval`, more at once when work is waiting.
    public func run(interval: Duration = .milliseconds(500)) async {
        await maskLegacyEndpoints()
        while !Task.isCancelled {
            let worked = await deliverDue()
            if worked == 0 { try? await Task.sleep(for: interval) }
        }
    }

    /// Rows queued by earlier versions name their endpoint with the URL in clear: rewrite them
    /// to the masked identity of the matching route (rows of routes no longer configured keep
    /// theirs and are dead-lettered as before).
    public func maskLegacyEndpoints() async {
        for route in settings.routes {
            do { try await store.renameOutboxEndpoint(from: route.legacyEndpoint, to: route.endpoint) } catch {
                log(.error, "cannot mask the endpoint of queued deliveries", ["endpoint": route.endpoint, "error": "\(error)"])
            }
        }
    }

    /// One pass over what is due; returns how many deliveries were attempted.
    @discardableResult
    public func deliverDue() async -> Int {
        let now = clock()
        // Claimed, not just read: several nodes' dispatchers share one outbox, and each row goes
        // out once (again only if its dispatcher dies before settling it, after the claim).
        let claimUntil = AlertStore.time(now.addingTimeInterval(Self.claimSeconds))
        guard let due = try? await store.claimDueDeliveries(now: AlertStore.time(now), limit: parallelism * 4, claimUntil: claimUntil),
              !due.isEmpty else { return 0 }
        var batch: [(OutboxRow, AlertRoute)] = []
        for row in due {
            guard let route = settings.routes.first(where: { $0.endpoint == row.endpoint }) else {
                try? await store.markDeliveryFailed(id: row.id, attempts: row.attempts, nextAttempt: AlertStore.time(now),
                                                    error: "the endpoint is no longer in the configuration", dead: true)
                continue
            }
            let minute = Int(now.timeIntervalSince1970 / 60)
            var used = sentThisMinute[row.endpoint] ?? (minute, 0)
            if used.minute != minute { used = (minute, 0) }
            guard used.count < route.ratePerMinute else {
                try? await store.deferDelivery(id: row.id, until: AlertStore.time(Date(timeIntervalSince1970: Double(minute + 1) * 60)))
                continue
            }
            used.count += 1
            sentThisMinute[row.endpoint] = used
            batch.append((row, route))
        }
        let clock = self.clock
        let results = await withTaskGroup(of: (OutboxRow, Result<Int, DeliveryError>).self) { group in
            for (row, route) in batch {
                group.addTask { (row, await Self.post(row, route: route, now: clock())) }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        let cancelled = Task.isCancelled
        for (row, result) in results {
            // Cut short by a shutdown: not an attempt that failed — due again at once after the restart.
            if cancelled, case .failure = result {
                try? await store.deferDelivery(id: row.id, until: AlertStore.time(now))
                continue
            }
            await settle(row, result)
        }
        return batch.count
    }

    public struct DeliveryError: Error, Sendable { public var description: String }

    /// `t=<unix>,v1=<hex HMAC-SHA256 of "t.body">` with the route's secret.
    public static func signature(body: String, secret: String, timestamp: Int) -> String {
        "t=\(timestamp),v1=" + Digests.hmacSHA256Hex(key: Array(secret.utf8), message: Array("\(timestamp).\(body)".utf8))
    }

    static func post(_ row: OutboxRow, route: AlertRoute, now: Date) async -> Result<Int, DeliveryError> {
        var headers = HTTPHeaders()
        headers.add("Content-Type", "application/json")
        headers.add("Idempotency-Key", row.idempotencyKey)
        let body = AlertPayload.deliverable(row.body, route: route)
        headers.add("X-Vigil-Signature", signature(body: body, secret: route.secret, timestamp: Int(now.timeIntervalSince1970)))
        headers.add("User-Agent", "vigil")
        do {
            let response = try await HTTPClient.post(route.url, headers: headers, body: Array(body.utf8),
                                                     timeout: .milliseconds(Int(route.timeout * 1_000)))
            return (200..<300).contains(response.status) ? .success(response.status)
                : .failure(DeliveryError(description: "HTTP \(response.status)"))
        } catch {
            // The error goes to the outbox, the log and the audit trail: never with the URL in clear.
            let description = "\(error)".replacingOccurrences(of: route.url.absoluteString, with: Redacted.url(route.url))
            return .failure(DeliveryError(description: description))
        }
    }

    /// The wait before attempt `attempts + 1`: 5 s doubling to a 15-minute cap, times a random
    /// factor between 0.5 and 1.5 so that many failed deliveries do not retry in step.
    static func backoff(attempts: Int) -> TimeInterval {
        let base = min(900, 5 * pow(2, Double(max(0, attempts - 1))))
        return base * Double.random(in: 0.5...1.5)
    }

    func settle(_ row: OutboxRow, _ result: Result<Int, DeliveryError>) async {
        let now = clock(), attempts = row.attempts + 1
        switch result {
        case .success(let status):
            try? await store.markDelivered(id: row.id, attempts: attempts, now: AlertStore.time(now))
            delivered += 1
            let alert = try? await store.alert(row.alertId)
            await record([AuditRecord(kind: "alert", actor: "alerts", station: alert?.station, site: alert?.site, rule: alert?.rule,
                                      action: "deliver \(row.event)", outcome: "delivered",
                                      details: AlertTrail.deliveryDetails(delivery: row.id, alert: row.alertId, status: "delivered", endpoint: row.endpoint,
                                                                          note: "HTTP \(status) after \(attempts) attempt(s), key \(row.idempotencyKey)"))])
        case .failure(let error):
            let created = UTCTimestamp.parse(row.createdAt) ?? now
            let dead = now.timeIntervalSince(created) >= settings.giveUpAfter
            // The last try is at the give-up time, not a whole backoff past it: a dead letter is
            // known when `giveUpAfter` says.
            let next = min(now.addingTimeInterval(Self.backoff(attempts: attempts)), max(now, created.addingTimeInterval(settings.giveUpAfter)))
            try? await store.markDeliveryFailed(id: row.id, attempts: attempts, nextAttempt: AlertStore.time(next), error: error.description, dead: dead)
            if dead {
                log(.error, "alert delivery given up (dead letter)", ["endpoint": row.endpoint, "delivery": String(row.id), "error": error.description])
                let alert = try? await store.alert(row.alertId)
                await record([AuditRecord(kind: "alert", actor: "alerts", station: alert?.station, site: alert?.site, rule: alert?.rule,
                                          action: "deliver \(row.event)", outcome: "dead",
                                          details: AlertTrail.deliveryDetails(delivery: row.id, alert: row.alertId, status: "dead", endpoint: row.endpoint,
                                                                              note: "gave up after \(attempts) attempts: \(error.description)"))])
            } else if attempts == 1 || attempts % 10 == 0 {
                log(.warning, "alert delivery failed; will retry", ["endpoint": row.endpoint, "delivery": String(row.id), "attempts": String(attempts),
                                                                      "error": error.description])
            }
        }
    }
}
