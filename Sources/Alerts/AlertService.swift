import Audit
import DomainEvents
import Foundation
import ServiceLog
import Store

/// Raises, groups, silences and resolves alerts, and queues their deliveries in the durable
/// outbox (committed before any attempt). The dispatcher sends them.
public actor AlertService {
    let store: AlertStore
    public private(set) var settings: AlertSettings
    let record: @Sendable ([AuditRecord]) async -> Void
    let clock: @Sendable () -> Date
    let log: LogLine
    /// Live subscribers (the API's event stream) learn of each alert raised, repeated or resolved.
    let live: LiveFeed<LiveUpdate>?
    /// Raises and resolves run one at a time, in the order they came: each awaits the store,
    /// and interleaved, a repeat arriving while its alert was being opened found it not yet
    /// notified and went out as an update at once (or two firings opened two alerts).
    private var isBusy = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    public init(store host: any DatabaseHost, settings: AlertSettings, clock: @escaping @Sendable () -> Date = { Date() },
                audit: @escaping @Sendable ([AuditRecord]) async -> Void,
                log: @escaping LogLine, live: LiveFeed<LiveUpdate>? = nil) {
        store = AlertStore(host: host)
        self.live = live
        self.settings = settings
        self.clock = clock
        record = audit
        self.log = log
    }

    var now: String { AlertStore.time(clock()) }

    /// Raises an alert, or updates the open one of the same rule and target. New alerts go out
    /// at once; repeats at most every `repeatInterval`. Silenced alerts are kept, not sent.
    public func raise(_ raised: AlertRequest) async {
        var request = raised
        await takeTurn()
        defer { endTurn() }
        log(.warning, "alert", ["route": request.route, "severity": request.severity.rawValue, "rule": request.rule,
                                 "target": request.target, "title": request.title])
        do {
            let time = now
            var alertId: Int
            var event = "trigger"
            if let open = try await store.openAlert(groupKey: request.groupKey) {
                alertId = open.id
                // An open alert never drops in severity: a later, milder repeat of a critical page
                // does not make it read minor (nor slip under a route's minSeverity).
                request.severity = max(open.severity, raised.severity)
                try await store.repeatAlert(id: open.id, severity: request.severity, title: request.title, text: request.text, now: time)
                let last = open.lastNotified.flatMap(UTCTimestamp.parse) ?? .distantPast
                announce(alertId: open.id, event: "repeat", status: "open", request)
                // A rise in severity (a fault turning out to be a safety one) does not wait.
                let escalates = request.severity > open.severity
                guard request.outcomeChanged || escalates || clock().timeIntervalSince(last) >= settings.repeatInterval else {
                    // Not sent again yet: `sendHeldRepeats` sends the newest state once the interval
                    // is over; a changed severity or title is on the record meanwhile.
                    if open.severity != request.severity || open.title != request.title {
                        await record([AuditRecord(kind: "alert", actor: "alerts", station: request.station, site: request.site, rule: request.rule,
                                                  action: "alert \(request.route) revise", outcome: "revised",
                                                  details: AlertTrail.alertDetails(alert: open.id, event: "revise", status: "open",
                                                                                   severity: request.severity, title: request.title,
                                                                                   note: "severity or title changed; sent as an update when the repeat interval is over"))])
                    }
                    return
                }
                event = "update"
            } else {
                // An outcome arriving later updates an open alert; it never reopens a resolved one.
                if request.outcomeChanged { return }
                alertId = try await store.insertAlert(groupKey: request.groupKey, rule: request.rule, target: request.target,
                                                      station: request.station, site: request.site, vendor: request.vendor,
                                                      route: request.route, severity: request.severity, title: request.title,
                                                      text: request.text, now: time)
                announce(alertId: alertId, event: "trigger", status: "open", request)
            }
            if let silence = try await silence(for: request) {
                await record([AuditRecord(kind: "alert", actor: "alerts", station: request.station, site: request.site, rule: request.rule,
                                          action: "alert \(request.route)", outcome: "silenced",
                                          details: AlertTrail.alertDetails(alert: alertId, event: event, status: "open", severity: request.severity,
                                                                           title: request.title,
                                                                           note: "silenced by #\(silence.id) (\(silence.reason), until \(silence.endsAt))"))])
                return
            }
            try await enqueue(alertId: alertId, event: event, route: request.route, request: request)
        } catch {
            log(.error, "cannot raise an alert", ["rule": request.rule, "target": request.target, "error": "\(error)"])
        }
    }

    /// Sends, as an update, every open alert whose repeats the repeat interval held back and
    /// whose interval is now over: the newest count, severity, title and text reach on-call even
    /// when no further repeat comes (a throttle, not a drop). Silenced alerts wait.
    public func sendHeldRepeats() async {
        await takeTurn()
        defer { endTurn() }
        do {
            let due = try await store.heldRepeats(notifiedBefore: AlertStore.time(clock().addingTimeInterval(-settings.repeatInterval)))
            for open in due {
                let request = AlertRequest(rule: open.rule, target: open.target, station: open.station, site: open.site, vendor: open.vendor,
                                           route: open.route, severity: open.severity, title: open.title, text: open.text, decisionId: nil)
                if try await silence(for: request) != nil { continue }
                try await enqueue(alertId: open.id, event: "update", route: open.route, request: request)
                try await store.markAlertNotified(id: open.id, now: now)   // also when every endpoint filtered it: not retried
            }
        } catch {
            log(.error, "cannot send held alert repeats", ["error": "\(error)"])
        }
    }

    /// `sendHeldRepeats` every `interval` until cancelled.
    public func sendHeldRepeats(every interval: Duration) async {
        while !Task.isCancelled {
            try? await Task.sleep(for: interval)
            if Task.isCancelled { return }
            await sendHeldRepeats()
        }
    }

    /// The incident of `rule` for `target` is over: resolve its open alert and tell the routes
    /// (`text`, or a sentence saying the incident is over).
    public func resolve(rule: String, target: String, text resolution: String? = nil) async {
        await takeTurn()
        defer { endTurn() }
        do {
            guard let open = try await store.openAlert(groupKey: "\(rule)|\(target)") else { return }
            try await store.resolveAlert(id: open.id, now: now)
            announce(alertId: open.id, event: "resolved", status: "resolved",
                     AlertRequest(rule: open.rule, target: open.target, station: open.station, site: open.site, vendor: open.vendor,
                                  route: open.route, severity: open.severity, title: open.title, text: open.text, decisionId: nil))
            await record([AuditRecord(kind: "alert", actor: "alerts", station: open.station, site: open.site, rule: open.rule,
                                      action: "alert \(open.route) resolved", outcome: "resolved",
                                      details: AlertTrail.alertDetails(alert: open.id, event: "resolved", status: "resolved", severity: open.severity,
                                                                       title: open.title, note: "the rule's incident is over"))])
            guard open.lastNotified != nil else { return }   // never sent (silenced): nothing to resolve downstream
            // Not the trigger's facts again (they described the fault as live, "not usable by drivers now").
            let text = resolution ?? ("Resolved: the incident of rule \(open.rule) for \(open.target) is over (first seen \(open.firstSeen), "
                + "\(open.count) report\(open.count == 1 ? "" : "s")).")
            let request = AlertRequest(rule: open.rule, target: open.target, station: open.station, site: open.site, vendor: open.vendor,
                                       route: open.route, severity: open.severity, title: open.title, text: text, decisionId: nil)
            try await enqueue(alertId: open.id, event: "resolve", route: open.route, request: request)
        } catch {
            log(.error, "cannot resolve an alert", ["rule": rule, "target": target, "error": "\(error)"])
        }
    }

    /// Waits until no other raise or resolve is running (first come, first served).
    private func takeTurn() async {
        guard isBusy else {
            isBusy = true
            return
        }
        await withCheckedContinuation { waiting.append($0) }   // the turn is handed over by endTurn
    }

    private func endTurn() {
        if waiting.isEmpty { isBusy = false } else { waiting.removeFirst().resume() }
    }

    /// Tells live subscribers about an alert after its row is written: `{"id","event","status",
    /// "rule","target","station","site","severity","title"}` as `kind: alert`. Never waits.
    func announce(alertId: Int, event: String, status: String, _ request: AlertRequest) {
        guard let live, live.hasSubscribers else { return }
        var object: [String: Any] = ["id": alertId, "event": event, "status": status, "rule": request.rule, "target": request.target,
                                     "severity": request.severity.rawValue, "title": request.title]
        if let station = request.station { object["station"] = station }
        if let site = request.site { object["site"] = site }
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]) else { return }
        live.publish(LiveUpdate(kind: "alert", id: String(alertId), json: String(decoding: data, as: UTF8.self)))
    }

    func silence(for request: AlertRequest) async throws -> SilenceRow? {
        try await store.silences(at: now).first { silence in
            (silence.rule == nil || silence.rule == request.rule) && (silence.station == nil || silence.station == request.station)
                && (silence.site == nil || silence.site == request.site) && (silence.severity == nil || silence.severity == request.severity)
        }
    }

    /// One outbox row per endpoint of the route that accepts the alert.
    func enqueue(alertId: Int, event: String, route name: String, request: AlertRequest) async throws {
        var endpoints = settings.routes.filter { $0.name == name }
        // A route with no endpoint (a rule's technician, security …) does not swallow the page: it
        // goes to oncall's endpoints, and the trail says so.
        var rerouted = ""
        if endpoints.isEmpty, name != "oncall" {
            endpoints = settings.routes.filter { $0.name == "oncall" }
            if !endpoints.isEmpty {
                rerouted = "; route \(name) has no endpoint: sent to oncall"
                log(.warning, "alert for a route with no endpoint sent to oncall", ["route": name, "rule": request.rule, "target": request.target])
            }
        }
        guard !endpoints.isEmpty else {
            log(.warning, "alert for a route with no endpoint in the config", ["route": name, "rule": request.rule, "target": request.target])
            await record([AuditRecord(kind: "alert", actor: "alerts", station: request.station, site: request.site, rule: request.rule,
                                      action: "alert \(name)", outcome: "noRoute",
                                      details: AlertTrail.alertDetails(alert: alertId, event: event, status: event == "resolve" ? "resolved" : "open",
                                                                       severity: request.severity, title: request.title,
                                                                       note: "no endpoint is configured for route \(name): \(request.text)"))])
            return
        }
        guard var alert = try await store.alert(alertId) else { return }
        // A resolve carries its own text (the incident is over), not the trigger's live facts.
        if event == "resolve" { alert.text = request.text }
        let time = now
        var queued = 0
        for route in endpoints where route.accepts(request) {
            // An endpoint hears of an alert first as a trigger: one that the first message passed by
            // (below its minSeverity then, or silenced) gets the update as its trigger.
            var event = event
            if event == "update", try await !store.hasDelivery(alertId: alertId, endpoint: route.endpoint) { event = "trigger" }
            let key = "vigil-\(alertId)-\(event)-\(UUID().uuidString.lowercased())"
            try await store.enqueueDelivery(alertId: alertId, route: route.name, endpoint: route.endpoint, event: event, idempotencyKey: key,
                                            body: AlertPayload.body(for: alert, event: event, route: route, idempotencyKey: key), now: time)
            queued += 1
        }
        if queued > 0 { try await store.markAlertNotified(id: alertId, now: time) }
        await record([AuditRecord(kind: "alert", actor: "alerts", station: request.station, site: request.site, rule: request.rule,
                                  action: "alert \(name) \(event)", outcome: queued > 0 ? "queued" : "filtered",
                                  details: AlertTrail.alertDetails(alert: alertId, event: event, status: event == "resolve" ? "resolved" : "open",
                                                                   severity: request.severity, title: request.title,
                                                                   note: "to \(queued) of \(endpoints.count) endpoint(s)\(rerouted)"))])
    }
}
