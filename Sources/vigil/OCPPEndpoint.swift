import OCPP
import Transport

/// The charger-facing WebSocket endpoint at `/ocpp/{chargePointId}`. It negotiates the
/// OCPP version by subprotocol, refuses connections that offer none it speaks, and runs an
/// `OCPPConnection` per charger. No actions are handled yet (the CPMS core registers them),
/// so every CALL is answered with a CALLERROR `NotImplemented` carrying its message id, and
/// malformed frames get the version's framing error.
struct OCPPEndpoint {
    let log: Log

    func router() -> Router {
        let log = self.log
        var router = Router()
        router.webSocket("/ocpp/{chargePointId}", WebSocketRoute(
            negotiate: { info, offered in
                let decision = WebSocketRoute.selectSubprotocol(from: OCPPVersion.subprotocols, offered: offered)
                if case .reject(_, let reason) = decision {
                    log(.warning, "refused charger", ["station": info.pathParameters["chargePointId"] ?? "", "reason": reason])
                }
                return decision
            },
            handler: { connection, info in await Self.serve(connection, info: info, log: log) }))
        return router
    }

    static func serve(_ socket: WebSocketConnection, info: WebSocketSessionInfo, log: Log) async {
        let station = info.pathParameters["chargePointId"] ?? "?"
        let version = OCPPVersion(rawValue: info.subprotocol ?? "") ?? .v16
        log(.info, "charger connected", ["station": station, "ocpp": version.rawValue, "remote": info.remoteAddress?.description ?? ""])
        let connection = OCPPConnection(socket: socket, version: version, stationId: station, handlers: [:]) { problem in
            log(.warning, "protocol problem", ["station": station, "problem": problem])
        }
        await connection.run()
        let status = await socket.closeStatus
        let statistics = await connection.statistics
        log(.info, "charger disconnected", ["station": station, "code": status.map { String($0.code.rawValue) } ?? "",
                                            "reason": status?.reason ?? "", "calls": String(statistics.callsReceived),
                                            "unreadable": String(statistics.unreadableFrames)])
    }
}
