import Testing
@testable import Transport

@Suite struct RouterTests {
    let router: Router = {
        var router = Router()
        router.on("GET", "/api/v1/stations") { _ in .text(.ok, "list") }
        router.on("GET", "/api/v1/stations/{id}") { _ in .text(.ok, "one") }
        router.on("DELETE", "/api/v1/stations/{id}") { _ in .text(.ok, "gone") }
        router.webSocket("/ocpp/{chargePointId}", WebSocketRoute(negotiate: { _, _ in .accept(subprotocol: nil) }, handler: { _, _ in }))
        return router
    }()

    @Test func matchesParametersPercentDecoded() {
        guard case .handler(_, let parameters) = router.resolve(method: "GET", rawPath: "/api/v1/stations/CP%201") else {
            Issue.record("expected a handler")
            return
        }
        #expect(parameters == ["id": "CP 1"])
    }

    @Test func webSocketRouteCarriesChargePointId() {
        guard case .webSocket(_, let parameters) = router.resolve(method: "GET", rawPath: "/ocpp/CP-17") else {
            Issue.record("expected the WebSocket route")
            return
        }
        #expect(parameters == ["chargePointId": "CP-17"])
    }

    @Test func unknownPathIs404AndWrongMethodIs405WithAllowedMethods() {
        guard case .notFound = router.resolve(method: "GET", rawPath: "/api/v2/stations") else {
            Issue.record("expected 404")
            return
        }
        guard case .methodNotAllowed(let allowed) = router.resolve(method: "PUT", rawPath: "/api/v1/stations/1") else {
            Issue.record("expected 405")
            return
        }
        #expect(allowed == ["GET", "DELETE"])
    }

    @Test func headFallsBackToGetAndBadEscapesAreRejected() {
        guard case .handler = router.resolve(method: "HEAD", rawPath: "/api/v1/stations") else {
            Issue.record("HEAD should use the GET handler")
            return
        }
        guard case .badPath = router.resolve(method: "GET", rawPath: "/api/v1/stations/%zz") else {
            Issue.record("expected a bad path")
            return
        }
    }
}
