import Foundation
import Transport

/// The charger-facing WebSocket endpoint at `/ocpp/{chargePointId}`. It negotiates the
/// OCPP version by subprotocol and refuses connections that offer none it speaks. Until the
/// OCPP module exists, every CALL is answered with a CALLERROR `NotImplemented` carrying its
/// message id, so a charger gets a well-formed answer rather than a timeout.
struct OCPPEndpoint {
    static let subprotocols = ["ocpp2.0.1", "ocpp1.6"]
    let log: Log

    func router() -> Router {
        let log = self.log
        var router = Router()
        router.webSocket("/ocpp/{chargePointId}", WebSocketRoute(
            negotiate: { info, offered in
                let decision = WebSocketRoute.selectSubprotocol(from: Self.subprotocols, offered: offered)
                if case .reject(_, let reason) = decision {
                    log(.warning, "refused charger", ["station": info.pathParameters["chargePointId"] ?? "", "reason": reason])
                }
                return decision
            },
            handler: { connection, info in await Self.serve(connection, info: info, log: log) }))
        return router
    }

    static func serve(_ connection: WebSocketConnection, info: WebSocketSessionInfo, log: Log) async {
        let station = info.pathParameters["chargePointId"] ?? "?"
        log(.info, "charger connected", ["station": station, "subprotocol": info.subprotocol ?? "", "remote": info.remoteAddress?.description ?? ""])
        while let message = try? await connection.receive() {
            guard case .text(let text) = message else {
                log(.warning, "binary frame ignored (OCPP-J is text)", ["station": station])
                continue
            }
            log(.debug, "frame in", ["station": station, "frame": text])
            guard let frame = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [Any],
                  frame.count >= 3, (frame[0] as? Int) == 2, let id = frame[1] as? String else { continue }
            let action = frame[2] as? String ?? "?"
            let reply: [Any] = [4, id, "NotImplemented", "Vigil does not handle \(action) yet", [String: Any]()]
            if let data = try? JSONSerialization.data(withJSONObject: reply) {
                try? await connection.send(text: String(decoding: data, as: UTF8.self))
            }
        }
        let status = await connection.closeStatus
        log(.info, "charger disconnected", ["station": station, "code": status.map { String($0.code.rawValue) } ?? "", "reason": status?.reason ?? ""])
    }
}
