import Audit
import CPMS
import Dashboard
import Foundation
import OCPP
import Remediation
import RuleEngine
import ServiceLog
import Transport
import VendorCatalog

/// The HTTP API: health (open to GETs), stations, one station with its connectors, sessions,
/// decisions, rules (viewer access), approvals and station commands (operator access; see
/// `APIAuth`). Every request first passes `APIGuard` (Host, Origin, Content-Type); every error
/// is an `APIError` (`{"error": …, "code": …}`), and a 500 carries a request id, not the cause.
/// List routes take `limit` (1…maximum, else 400): stations 1000 by default (at most 100000),
/// sessions and decisions 100 (at most 1000); sessions page by a cursor (`SessionRoutes`).
public enum APIRoutes {
    public static func router(store: StationStore, runner: RuleRunner, auditor: Auditor, commands: CommandService,
                       catalog: VendorCatalog?, events: EventLog? = nil, traffic: OCPPTraffic? = nil, sites: SiteDirectory = SiteDirectory(),
                       node: NodeStatus? = nil, guard apiGuard: APIGuard, log: Log) -> Router {
        var router = Router()
        router.filter = apiGuard.filter
        let auth = APIAuth(store: store, log: log)
        CommandRoutes.route(&router, store: store, commands: commands, auditor: auditor, auth: auth,
                             safety: NeverResetCheck(store: store, catalog: catalog), log: log)
        AuditRoutes.route(&router, store: store, auth: auth, log: log)
        RecordRoutes.route(&router, store: store, auth: auth, log: log)
        SessionRoutes.route(&router, store: store, auth: auth, log: log)
        BillingRoutes.route(&router, store: store, auth: auth, log: log)
        FraudRoutes.route(&router, store: store, auth: auth, log: log)
        MaintenanceRoutes.route(&router, store: store, runner: runner, auth: auth, log: log)
        MetricsRoutes.route(&router, store: store, runner: runner, sites: sites, auth: auth, log: log)
        InsightRoutes.route(&router, store: store, runner: runner, sites: sites, catalog: catalog, auth: auth, log: log)
        SiteRoutes.route(&router, store: store, sites: sites, auth: auth, log: log)
        LiveRoutes.route(&router, live: events?.live, auth: auth)
        // The dashboard's page and files (open: they hold no data; the page asks the API with the user's token).
        DashboardRoutes.route(&router)
        // Health, with the event log's head and each consumer's lag in events and milliseconds
        // (`eventConsumers` keeps the earlier shape), whether the API needs tokens ("open" while
        // no API user exists) and, with several nodes, this node and the one that decides.
        router.onOpen("GET", "/api/v1/health") { _ in
            let statistics = events?.statistics
            let consumers = (statistics?.consumers ?? []).map { consumer -> JSONValue in
                .object(JSONObject([("name", .string(consumer.name)), ("position", .integer(consumer.position)),
                                    ("lag", .integer(consumer.lag)), ("lagMilliseconds", .integer(Int(consumer.lagMilliseconds.rounded()))),
                                    ("taken", .integer(consumer.taken))]))
            }
            let legacy = (statistics?.consumers ?? []).map { consumer -> JSONValue in
                .object(JSONObject([("name", .string(consumer.name)), ("capacity", .integer(events?.limits.bulk ?? 0)),
                                    ("delivered", .integer(consumer.taken + consumer.lag)),
                                    ("dropped", .integer(0)), ("backlog", .integer(consumer.lag)), ("waits", .integer(statistics?.waits ?? 0))]))
            }
            let log = JSONObject([("head", .integer(statistics?.head ?? 0)), ("appended", .integer(statistics?.appended ?? 0)),
                                  ("waits", .integer(statistics?.waits ?? 0)), ("waitingAppends", .integer(statistics?.waitingAppends ?? 0)),
                                  ("consumers", .array(consumers))])
            // The users' table is read on every call: a node that cannot reach its database is not
            // healthy (it said "ok" with PostgreSQL down), and a balancer must take it out (503).
            let apiAuth: String
            var databaseProblem: String?
            do {
                apiAuth = try await APIUserStore(host: store).hasAPIUsers() ? "tokens" : Self.openAuthNotice
            } catch {
                apiAuth = "unknown"
                databaseProblem = "\(error)"
            }
            var body = JSONObject([("status", .string(databaseProblem == nil ? "ok" : "unavailable")), ("apiAuth", .string(apiAuth)),
                                   ("eventLog", .object(log)), ("eventConsumers", .array(legacy))])
            if let databaseProblem { body.append("database", .string("cannot be read: " + databaseProblem)) }
            if let node { body.append("node", await node.json(runsRemediation: runner.isActive)) }
            return .json(databaseProblem == nil ? .ok : .serviceUnavailable, Array(JSONWriter.string(.object(body)).utf8))
        }
        // The service in the Prometheus text format (open to GETs like health): `ServiceMetrics`,
        // then the event log's and the store's counters.
        router.onOpen("GET", "/metrics") { _ in
            let commits = await store.groupCommitStatistics   // read once: the latency histogram and the counters
            let service = await ServiceMetrics.read(store: store, connections: commands.connections, traffic: traffic, runner: runner,
                                                    commits: commits)
            let text = service.text + EventLogMetrics.text(events?.statistics, commits: commits)
            return .init(status: .ok, headers: ["Content-Type": "text/plain; version=0.0.4"], body: Array(text.utf8))
        }
        // The API described in OpenAPI 3.1 (open: it is the API's own description).
        let description = Array(OpenAPIDocument.json.utf8)
        router.onOpen("GET", "/api/v1/openapi.json") { _ in .json(.ok, description) }
        router.on("GET", "/api/v1/stations", auth: auth, needs: .viewer) { request, _ in
            await APIError.answering("GET /api/v1/stations", log: log) {
                let window = try ListWindow.parse(request, defaultLimit: 1_000, maximum: 100_000)
                let all = try await store.stations()
                var response = HTTPResponse.json(.ok, Array(JSONWriter.string(.array(window.apply(all).map(json))).utf8))
                // How many there are, so a client holding fewer knows the list was cut (the
                // dashboard asks for up to the maximum).
                response.headers.set("X-Total-Count", String(all.count))
                return response
            }
        }
        router.on("GET", "/api/v1/decisions", auth: auth, needs: .viewer) { request, _ in
            await APIError.answering("GET /api/v1/decisions", log: log) {
                let window = try ListWindow.parse(request, defaultLimit: 100, maximum: 1_000)
                let (from, to) = try RecordRoutes.window(request)
                let rows = try await DecisionStore(host: store).decisions(station: request.query["station"], rule: request.query["rule"],
                                                                          from: from, to: to, limit: window.limit)
                try await RecordRoutes.refuseUnknownStation(request, found: !rows.isEmpty, store: store)
                // Each decision's JSON with its id first, so it can be followed (`vigil audit show`,
                // the commands it made).
                let objects = rows.map { row in
                    row.json.hasPrefix("{") && row.json != "{}" ? "{\"id\":\(row.id)," + row.json.dropFirst() : "{\"id\":\(row.id)}"
                }
                return .json(.ok, Array(("[" + objects.joined(separator: ",") + "]").utf8))
            }
        }
        // An operator approves (or rejects) a ladder paused at an `approve` rung:
        // {"rule": ID, "target": "CP-1/2", "approved": true, "by": "dana", "role": "supervisor"}.
        // With API users, who decides is the token's user and the role must be one it holds.
        router.on("POST", "/api/v1/approvals", auth: auth, needs: .operator) { request, user in
            func reply(_ status: HTTPStatus, _ message: String) -> HTTPResponse {
                .json(status, Array(JSONWriter.string(.object(JSONObject([("status", .string(message))]))).utf8))
            }
            func refuse(_ code: APIError.Code, _ message: String) -> HTTPResponse { APIError(code, message).response }
            guard case .object(let body)? = try? JSONParser.parse(request.body) else { return refuse(.invalidBody, "the body must be a JSON object") }
            var person: String?
            if case .string(let text)? = body["by"], !text.isEmpty { person = text }
            guard case .string(let rule)? = body["rule"], case .string(let target)? = body["target"],
                  case .bool(let approved)? = body["approved"], let decider = user?.name ?? person else {
                return refuse(.missingField, "give rule, target, approved (true/false) and by (who decides)")
            }
            var role: String?
            if case .string(let text)? = body["role"] { role = text }
            guard let found = await runner.ruleSet.rule(rule) else { return refuse(.notFound, "no rule \(rule)") }
            let needed = found.ladder.compactMap { rung -> String? in
                if case .approve(let approval) = rung.action { return approval.role } else { return nil }
            }
            // A role given must be the one asked for: an answer under another is not taken (it was
            // reported as submitted, then ignored, and the ladder timed out).
            if let role, !needed.contains(role) {
                return refuse(.approvalRoleMissing, needed.isEmpty ? "\(rule) asks for no approval"
                              : "\(rule)'s approval asks for role \(needed.joined(separator: " or ")), not \(role)")
            }
            if runner.isActive, let role, let awaited = await runner.awaitedApprovalRole(rule: rule, target: target), awaited != role {
                return refuse(.approvalRoleMissing, "the ladder of \(rule) for \(target) waits for role \(awaited), not \(role)")
            }
            if let user {
                // The role the ladder waits for, when it waits (a rule may ask for several in turn).
                let awaited = runner.isActive ? await runner.awaitedApprovalRole(rule: rule, target: target) : nil
                guard let held = (awaited.map { [$0] } ?? needed).first(where: { user.approves.contains($0) && (role == nil || role == $0) }) else {
                    return refuse(.approvalRoleMissing, "\(user.name) does not hold the approval role of \(rule) (\(needed.joined(separator: ", ")))")
                }
                role = held
            }
            // Several nodes: the ladder waits on the node running the remediation; the approval goes there.
            if runner.isActive {
                guard await runner.approve(rule: rule, target: target, approved: approved, by: decider, role: role) else {
                    return refuse(.notAwaitingApproval, "no ladder of \(rule) for \(target) is waiting for an approval")
                }
            } else if let node {
                switch await node.forwardApproval(rule, target, approved, decider, role, user != nil) {
                case .submitted(let deciding):   // audited there, where it took effect
                    return reply(.accepted, (approved ? "approval submitted" : "rejection submitted") + " on node \(deciding)")
                case .notAwaiting: return refuse(.notAwaitingApproval, "no ladder of \(rule) for \(target) is waiting for an approval")
                case .unavailable(let reason):
                    return refuse(.notRemediationNode, "the approval could not reach the node running the remediation: \(reason); try again")
                }
            } else {
                return refuse(.notRemediationNode, "the remediation is not running on this node")
            }
            await auditor.record(ApprovalAudit.record(rule: rule, target: target, approved: approved, by: decider, role: role,
                                                      authenticated: user != nil))
            return reply(.accepted, approved ? "approval submitted" : "rejection submitted")
        }
        router.on("GET", "/api/v1/rules", auth: auth, needs: .viewer) { _, _ in
            let rules = await runner.ruleSet.rules.map { rule -> JSONValue in
                .object(JSONObject([("id", .string(rule.id)), ("hash", .string(rule.hash)), ("mode", .string(rule.mode.rawValue)),
                                    ("enabled", .bool(rule.enabled)), ("description", .string(rule.description))]))
            }
            return .json(.ok, Array(JSONWriter.string(.array(rules)).utf8))
        }
        router.on("GET", "/api/v1/stations/{id}", auth: auth, needs: .viewer) { request, _ in
            let id = request.pathParameters["id"] ?? ""
            return await APIError.answering("GET /api/v1/stations/{id}", log: log) {
                guard let station = try await store.station(id) else { throw APIError(.notFound, "no station \(id)") }
                // Every fault open at it: a 2.0.1 NotifyEvent problem is on no connector's status.
                guard case .object(var object) = json(station) else { return .json(.ok, Array(JSONWriter.string(json(station)).utf8)) }
                object.members.append(("openFaults", .array(try await store.openFaults(station: id).map(openFaultJSON))))
                return .json(.ok, Array(JSONWriter.string(.object(object)).utf8))
            }
        }
        return router
    }

    static func openFaultJSON(_ fault: StationStore.OpenFault) -> JSONValue {
        .object(JSONObject([("evse", .integer(fault.evse)), ("code", .string(fault.code.rawValue)),
                            ("vendorId", fault.vendorId.map { .string($0) } ?? .null),
                            ("vendorErrorCode", fault.vendorErrorCode.map { .string($0) } ?? .null),
                            ("info", fault.info.map { .string($0) } ?? .null), ("since", .string(fault.raisedAt))]))
    }

    /// `apiAuth` in /api/v1/health while no API user exists.
    static let openAuthNotice = "open — create a user with vigil users add"

    static func json(_ station: StationRecord) -> JSONValue {
        func text(_ value: String?) -> JSONValue { value.map { .string($0) } ?? .null }
        let connectors = station.connectors.map { connector -> JSONValue in
            .object(JSONObject([("evse", .integer(connector.evse)), ("connector", .integer(connector.connector)),
                                ("status", .string(connector.status.rawValue)), ("errorCode", text(connector.errorCode?.rawValue)),
                                ("vendorErrorCode", text(connector.vendorErrorCode)), ("info", text(connector.info)),
                                ("updatedAt", .string(connector.updatedAt))]))
        }
        return .object(JSONObject([("id", .string(station.id)), ("vendor", text(station.vendor)), ("model", text(station.model)),
                                   ("serial", text(station.serial)), ("firmware", text(station.firmware)),
                                   ("ocppVersion", text(station.ocppVersion)), ("registration", .string(station.registration)), ("site", text(station.site)),
                                   ("online", .bool(station.isOnline)), ("lastSeen", text(station.lastSeen)),
                                   ("lastBoot", text(station.lastBoot)),
                                   ("securityProfile", station.securityProfile.map { .integer($0) } ?? .null),
                                   ("connectors", .array(connectors))]))
    }
}
