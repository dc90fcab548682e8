import CPMS
import Cluster
import Foundation
import OCPP
import ServiceLog
import Synchronization
import Transport

/// The charger-facing WebSocket endpoint at `/ocpp/{chargePointId}`. It negotiates the
/// OCPP version by subprotocol, refuses connections that offer none it speaks, and runs an
/// `OCPPConnection` per charger with the CPMS handlers: boot, heartbeat and status are
/// handled and stored; other actions of the version are answered `NotSupported`, undefined
/// ones `NotImplemented`, malformed frames with the version's framing error.
struct OCPPEndpoint {
    let log: Log
    let stations: StationHandlers
    let connections: ConnectionRegistry
    let messages: MessageLog
    let quirkLog: QuirkLog
    let events: DomainEventFactory?
    /// Whether the listener is wss:// (the security profile of each connection follows).
    var usesTLS = false
    /// Whether stations without a password may connect.
    var stationAuth = StationCredentials.Policy.optional
    /// The chargers' WebSocket settings, keep-alive pings included (`OfflineSweep` reads the
    /// same value to know how recently an open socket must have answered).
    var webSocket = WebSocketConfiguration()
    /// Per-station message and byte budgets (a flooding station is disconnected).
    var budget = MessageBudget()
    /// Failed logins per station and address (a guessing charger is refused for a while: 429).
    var loginThrottle = LoginThrottle()
    /// The process's OCPP traffic counts (`/metrics`).
    var traffic: OCPPTraffic?
    /// The station leases when several nodes share a PostgreSQL database (nil: one node).
    var leases: StationLeases?

    func router() -> Router {
        let log = self.log
        let stations = self.stations
        let connections = self.connections
        let messages = self.messages
        let quirkLog = self.quirkLog
        let events = self.events
        let usesTLS = self.usesTLS
        let stationAuth = self.stationAuth
        let budget = self.budget
        let loginThrottle = self.loginThrottle
        let traffic = self.traffic
        let leases = self.leases
        var router = Router()
        router.webSocket("/ocpp/{chargePointId}", WebSocketRoute(
            configuration: webSocket,
            negotiate: { info, offered in
                let station = info.pathParameters["chargePointId"] ?? ""
                // One canonical form: anything outside the documented set is refused before anything else.
                if let problem = StationIdentity.problem(with: station) {
                    log(.warning, "refused charger: invalid station id", ["station": station, "reason": problem,
                                                                          "remote": info.remoteAddress?.description ?? ""])
                    return .reject(.badRequest, "invalid station id in the URL: \(problem)")
                }
                let decision = WebSocketRoute.selectSubprotocol(from: OCPPVersion.subprotocols, offered: offered)
                if case .reject(_, let reason) = decision {
                    log(.warning, "refused charger", ["station": station, "reason": reason])
                    return decision
                }
                // Too many failed logins for this station from this address (or from this address
                // at all): refused before any check (no key derivation for a guesser), until the
                // oldest failure leaves the window. The attempt is reserved now, so parallel
                // attempts count; a login that does not fail gives it back. A client certificate
                // costs nothing to check and is never throttled.
                let throttled = info.peerCertificateCommonNames == nil
                    ? loginThrottle.attempt(station: station, remoteHost: info.remoteAddress?.host) : nil
                if let throttled, let wait = loginThrottle.begin(throttled) {
                    log(.warning, "refused charger: too many failed logins", ["station": station, "retryAfterSeconds": String(wait),
                                                                               "remote": info.remoteAddress?.description ?? ""])
                    return .rejectWithHeaders(HTTPStatus(code: 429, reason: "Too Many Requests"),
                                              "too many failed logins for station \(station); try again in \(wait) s", ["Retry-After": String(wait)])
                }
                var failed = false
                defer { if let throttled, !failed { loginThrottle.succeeded(throttled) } }
                // Security profiles 1/2: a station with a password must give it (HTTP Basic). A digest
                // of an earlier form (one fast HMAC) becomes PBKDF2 at the first good login.
                let authentication: StationCredentials.Authentication
                do {
                    authentication = try await StationCredentials.authenticate(station: station, authorization: info.headers["Authorization"],
                                                                               clientCertificateSubject: info.peerCertificateSubject,
                                                                               clientCertificateCommonNames: info.peerCertificateCommonNames,
                                                                               policy: stationAuth, equalize: { loginThrottle.mayEqualize() },
                                                                               store: stations.store)
                } catch {
                    log(.error, "cannot read station credentials", ["station": station, "error": "\(error)"])
                    return .reject(HTTPStatus(code: 503, reason: "Service Unavailable"), "credentials cannot be checked now")
                }
                // The charger gets one text whatever failed (no password set, a wrong one, a wrong user, no
                // credentials from a station that authenticated before): which stations have passwords is not
                // told to whoever asks. The log has the reason.
                let unauthorized = HTTPResponseRefusal.unauthorized(station)
                if case .refused(let reason) = authentication.check {
                    failed = true
                    log(.warning, "refused charger", ["station": station, "reason": reason, "remote": info.remoteAddress?.description ?? ""])
                    return .rejectWithHeaders(.unauthorized, unauthorized, ["WWW-Authenticate": #"Basic realm="vigil", charset="UTF-8""#])
                }
                // Trust does not downgrade: once authenticated, always authenticated.
                let authenticated = Self.isAuthenticated(info, hasPassword: authentication.hasPassword)
                do {
                    if authenticated {
                        try await stations.store.markAuthenticated(id: station, now: stations.clock().rfc3339)
                    } else if let since = try await stations.store.authenticatedSince(id: station) {
                        // Credentials sent but nothing to check them against: the password was cleared in the
                        // database (or a copy without it restored), not by `stations password --clear`.
                        let reason = info.headers["Authorization"] == nil
                            ? "no credentials from a station that has authenticated before (since \(since))"
                            : "credentials sent, but the station has no password stored to check them against, and it has "
                              + "authenticated before (since \(since)): set its password again, or clear it with `vigil stations password "
                              + "\(station) --clear` to let it in without one"
                        failed = true
                        log(.warning, "refused charger", ["station": station, "remote": info.remoteAddress?.description ?? "", "reason": reason])
                        return .rejectWithHeaders(.unauthorized, unauthorized, ["WWW-Authenticate": #"Basic realm="vigil", charset="UTF-8""#])
                    }
                } catch {
                    log(.error, "cannot read or record station trust", ["station": station, "error": "\(error)"])
                    return .reject(HTTPStatus(code: 503, reason: "Service Unavailable"), "credentials cannot be checked now")
                }
                if authentication.upgraded { log(.info, "station password digest upgraded to PBKDF2", ["station": station]) }
                if let failure = authentication.upgradeFailure {
                    log(.warning, "cannot upgrade the station's password digest; it stays as it is", ["station": station, "error": failure])
                }
                return decision
            },
            handler: { connection, info in
                await Self.serve(connection, info: info, stations: stations, connections: connections, messages: messages,
                                 quirkLog: quirkLog, events: events, usesTLS: usesTLS, budget: budget, traffic: traffic, leases: leases, log: log)
            }))
        return router
    }

    static func serve(_ socket: TransportConnection, info: WebSocketSessionInfo, stations: StationHandlers,
                      connections: ConnectionRegistry, messages: MessageLog, quirkLog: QuirkLog, events: DomainEventFactory?,
                      usesTLS: Bool, budget: MessageBudget, traffic: OCPPTraffic? = nil, leases: StationLeases? = nil, log: Log) async {
        let station = info.pathParameters["chargePointId"] ?? "?"
        let version = OCPPVersion(rawValue: info.subprotocol ?? "") ?? .v16
        log(.info, "charger connected", ["station": station, "ocpp": version.rawValue, "remote": info.remoteAddress?.description ?? ""])
        let handlers = stations.handlers(version: version)
        let clock = stations.clock
        // Every leniency applied for the station's quirk profile is logged and counted.
        let recordQuirks: @Sendable ([AppliedQuirk]) -> Void = { applied in
            log(.info, "leniency applied", ["station": station, "what": applied.map(\.description).joined(separator: "; ")])
            quirkLog.record(station: station, applied, at: clock().rfc3339)
        }
        // The registry, read once before the connection is made: whether the station is served,
        // and whether it has a password (Basic credentials were then checked at the upgrade).
        let admission: Result<(refusal: CallError?, hasPassword: Bool, registered: Bool, securityProfile: Int?), any Error>
        do { admission = .success(try await stations.admission(forConnecting: station)) } catch { admission = .failure(error) }
        let hasPassword = (try? admission.get())?.hasPassword ?? false
        let profile = securityProfile(info, usesTLS: usesTLS, hasPassword: hasPassword)
        let overBudget = Mutex(false)
        let connection = OCPPConnection(socket: socket, version: version, stationId: station, handlers: handlers.connectionHandlers(),
                                        report: { problem in log(.warning, "protocol problem", ["station": station, "problem": problem]) },
                                        frameLog: { incoming, text in
                                            messages.record(station: station, incoming: incoming, at: clock().rfc3339, text: text)
                                        },
                                        admit: { text in
                                            guard let exceeded = budget.admit(station: station, bytes: text.utf8.count) else { return true }
                                            // Over budget: disconnected (once); the flood is neither handled nor logged.
                                            guard overBudget.withLock({ closing in defer { closing = true }; return !closing }) else { return false }
                                            log(.warning, "station over its budget; disconnected", ["station": station, "why": exceeded])
                                            Task { await socket.beginClose(code: .policyViolation, reason: exceeded) }
                                            return false
                                        },
                                        quirkLog: recordQuirks, securityProfile: profile, traffic: traffic)
        await connection.apply(stations.quirks(for: station))
        // A station the central system does not accept gets SecurityError for everything but a
        // BootNotification, and raises no events (no offline alerts for ids nobody runs).
        switch admission {
        case .success(let admitted):
            if let refusal = admitted.refusal {
                await connection.refuseCalls(refusal)
                log(.warning, "station not accepted: only a BootNotification is answered", ["station": station])
            }
        case .failure(let error):
            // Fails closed: a station whose registration cannot be read is not served unchecked.
            log(.error, "cannot read the station's registration and credentials; closing the connection", ["station": station, "error": "\(error)"])
            await connection.refuseCalls(Self.closing, includingBoot: true)   // frames already queued are not served either
            await socket.beginClose(code: WebSocketCloseCode(rawValue: 1013), reason: "try again later: cannot read the registration now")
            await connection.run()
            return
        }
        switch await connections.register(connection, for: station, authenticated: isAuthenticated(info, hasPassword: hasPassword)) {
        case .registered: break
        case .replaced:
            log(.warning, "station reconnected; the old connection was closed", ["station": station])
        case .refused(let why):
            log(.warning, "second connection refused", ["station": station, "why": why])
            await connection.run()   // answers nothing more: the socket is closing
            return
        }
        // Several nodes: this node serves the station from now on (another node holding it closes
        // its connection). Without the lease the station is not served here: it is told to come back.
        var leaseEpoch: Int?
        if let leases {
            do { leaseEpoch = try await leases.take(station) } catch {
                log(.error, "cannot take the station's lease; closing the connection", ["station": station, "error": "\(error)"])
                await connection.refuseCalls(Self.closing, includingBoot: true)   // frames already queued are not served either
                await socket.beginClose(code: WebSocketCloseCode(rawValue: 1013), reason: "try again later: cannot take the station's lease now")
                await connection.run()
                await connections.unregister(connection, for: station)
                return
            }
        }
        events?.directory.forget(station)   // re-read site and model: an operator may have changed them
        var connectedEmitted = false
        do {
            if await connection.refusal == nil {
                // Written only when it changed (a registered station's reconnect with the same one
                // writes nothing; an unknown station's boot records it).
                if case .success(let admitted) = admission, admitted.registered, admitted.securityProfile != profile {
                    do { try await stations.store.recordSecurityProfile(id: station, profile) } catch {
                        log(.error, "cannot record the station's security profile", ["station": station, "error": "\(error)"])
                    }
                }
                try await events?.emit(.connected, station: station, at: clock().date,
                                       fields: ["securityProfile": .number(Double(connection.securityProfile ?? 0))])
                connectedEmitted = true
            }
        } catch {
            // Not recorded, so not acted on: the charger is told to come back rather than served unseen.
            log(.error, "cannot record the connection in the event log; closing it", ["station": station, "error": "\(error)"])
            await connection.refuseCalls(Self.closing, includingBoot: true)   // frames already queued are not served either
            await socket.beginClose(code: WebSocketCloseCode(rawValue: 1013), reason: "try again later: cannot record the connection now")
        }
        await connection.run()
        await connections.unregister(connection, for: station)
        // A station another node took over is online there: not offline, not disconnected.
        var servedElsewhere = false
        if let leases, let leaseEpoch, !(await leases.release(station, epoch: leaseEpoch)), await connections.connection(for: station) == nil {
            servedElsewhere = true
            log(.info, "station now served by another node", ["station": station])
        }
        // A connection replaced by a newer one must not mark the station offline.
        if !servedElsewhere, await connections.connection(for: station) == nil {
            // The connection ended now when either side closed it properly; one that broke (no
            // pong, a reset, the peer gone without a close frame) ended when the charger was last
            // heard — the time since then was not available, and LAST SEEN says when that was.
            let now = stations.clock()
            var ended = now
            if await socket.closeStatus?.code == .abnormal {
                let silence = await socket.timeSinceLastFrame.components
                let silentMilliseconds = silence.seconds * 1_000 + silence.attoseconds / 1_000_000_000_000_000
                let nowMilliseconds = now.secondsSinceEpoch * 1_000 + Int64(now.nanoseconds / 1_000_000)
                ended = OCPPDateTime(millisecondsSinceEpoch: nowMilliseconds - silentMilliseconds)
            }
            do { try await stations.store.recordDisconnect(id: station, at: ended.rfc3339) } catch {
                log(.error, "cannot record disconnect", ["station": station, "error": "\(error)"])
            }
            let code = await socket.closeStatus.map { String($0.code.rawValue) }
            do {
                // Paired with `connected`; or a station accepted during the connection (it booted
                // after being declared). One refused throughout raised no events: none now either.
                let served = await connection.refusal == nil
                // Always paired with its `connected`, even when the offline sweep raised a
                // `disconnected` for the station already (a second one is harmless; a missing one
                // left the rules taking a station that connected and sent nothing for connected).
                if connectedEmitted || served {
                    try await events?.emit(.disconnected, station: station, at: clock().date,
                                           fields: ["reason": .string(code.map { "close \($0)" } ?? "connection lost")])
                }
            } catch {
                log(.error, "cannot record the disconnect in the event log", ["station": station, "error": "\(error)"])
            }
        }
        let status = await socket.closeStatus
        let statistics = await connection.statistics
        log(.info, "charger disconnected", ["station": station, "code": status.map { String($0.code.rawValue) } ?? "",
                                            "reason": status?.reason ?? "", "calls": String(statistics.callsReceived),
                                            "unreadable": String(statistics.unreadableFrames)])
    }

    /// What a connection being closed (1013: try again later) answers to anything still queued.
    static let closing = CallError(.internalError, "the central system cannot serve this station now; connect again later")

    /// Whether the upgrade proved the station's identity: a client certificate (already checked
    /// to name the station) or Basic credentials checked against its stored password.
    static func isAuthenticated(_ info: WebSocketSessionInfo, hasPassword: Bool) -> Bool {
        info.peerCertificateSubject != nil || (hasPassword && info.headers["Authorization"] != nil)
    }

    /// The OCPP security profile a connection came over: 3 TLS with a client certificate, 2 TLS
    /// (server certificate; Basic credentials, when the station has a password, were checked
    /// at the upgrade), 1 Basic credentials checked against the station's password without
    /// TLS, 0 neither — credentials sent for a station without a password were never checked,
    /// so they prove nothing.
    static func securityProfile(_ info: WebSocketSessionInfo, usesTLS: Bool, hasPassword: Bool) -> Int {
        if info.peerCertificateSubject != nil { return 3 }
        if usesTLS { return 2 }
        return hasPassword && info.headers["Authorization"]?.lowercased().hasPrefix("basic ") == true ? 1 : 0
    }
}

/// What a refused charger is told.
enum HTTPResponseRefusal {
    static func unauthorized(_ station: String) -> String {
        "authentication required for station \(station): HTTP Basic with the station id and its password, or a client certificate naming it"
    }
}
