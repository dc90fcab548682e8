/// The server's HTTP/1.1 phase: requests in order, keep-alive, timeouts, and the upgrade.
extension TransportConnection {
    /// Serves requests until the client closes, a response closes the connection, or the
    /// connection upgrades to WebSocket and that endpoint's handler returns.
    func serve(router: Router, timeouts: HTTPServerConfiguration.Timeouts) async {
        startReading()
        while let request = await nextRequest(timeouts: timeouts) {
            isHandlingRequest = true
            pauseReading()
            let closing = !request.isKeepAlive || isShuttingDown
            let finish = router.filter?.finish ?? { _, response in response }
            if let screened = await router.filter?.screen(request) {
                respond(finish(request, screened), to: request, closing: closing || isShuttingDown)
            } else {
                switch router.resolve(method: request.method, rawPath: request.rawPath) {
                case .handler(let handler, let parameters):
                    if let refused = await router.filter?.admit(request) {
                        respond(finish(request, refused), to: request, closing: closing || isShuttingDown)
                        break
                    }
                    var routed = request
                    routed.pathParameters = parameters
                    let response = finish(request, await handler(routed))
                    if let body = response.stream {
                        await stream(response, body: body, to: request)
                    } else {
                        respond(response, to: request, closing: closing || isShuttingDown)
                    }
                case .webSocket(let route, let parameters):
                    await upgrade(request, route: route, parameters: parameters)
                    return
                case .notFound:
                    respond(finish(request, .text(.notFound, "no resource at \(request.rawPath)")), to: request, closing: closing)
                case .methodNotAllowed(let allowed):
                    respond(finish(request, .text(.methodNotAllowed, "\(request.method) is not allowed on \(request.rawPath); allowed: \(allowed.joined(separator: ", "))",
                                                  headers: ["Allow": allowed.joined(separator: ", ")])), to: request, closing: closing)
                case .badPath:
                    respond(finish(request, .text(.badRequest, "malformed percent-encoding in path")), to: request, closing: true)
                }
            }
            isHandlingRequest = false
            if socketState != .open { break }
            resumeReading()
        }
        await waitUntilClosed()
    }

    func nextRequest(timeouts: HTTPServerConfiguration.Timeouts) async -> HTTPRequest? {
        guard socketState == .open else { return nil }
        requestTimeouts = timeouts
        do {
            if let request = try parser.nextRequest() { return request }
        } catch {
            respondToParseError(error)
            return nil
        }
        requestDeadlineIsIdle = !parser.hasPartialRequest
        scheduleDeadline(after: requestDeadlineIsIdle ? timeouts.keepAlive : timeouts.requestRead)
        return await withCheckedContinuation { (waiter: CheckedContinuation<HTTPRequest?, Never>) in
            // Bytes (or the end) may have come while the caller was on its way here (see
            // `receive`): the waiter looks at them at once, as it will at each arrival.
            guard socketState == .open else { return waiter.resume(returning: nil) }
            requestWaiter = waiter
            deliverParsedRequest()
        }
    }

    /// New bytes in the HTTP phase: hand a completed request to the waiting serve loop.
    func deliverParsedRequest() {
        guard let waiter = requestWaiter else { return }
        do {
            if let request = try parser.nextRequest() {
                requestWaiter = nil
                cancelDeadline()
                waiter.resume(returning: request)
            } else if requestDeadlineIsIdle && parser.hasPartialRequest {
                // The request has begun: from now on the whole head and body must arrive
                // within the read timeout, however slowly the bytes trickle (slowloris).
                requestDeadlineIsIdle = false
                scheduleDeadline(after: requestTimeouts.requestRead)
            }
        } catch {
            requestWaiter = nil
            respondToParseError(error)
            waiter.resume(returning: nil)
        }
    }

    func requestDeadlineFired() {
        guard !isHandlingRequest else { return }
        if parser.hasPartialRequest {
            respond(.text(.requestTimeout, "request not received within \(requestTimeouts.requestRead)"), to: nil, closing: true)
        } else {
            closeSocket()
        }
        requestWaiter?.resume(returning: nil)
        requestWaiter = nil
    }

    func respondToParseError(_ error: HTTPParseError) {
        respond(.text(error.status, error.message), to: nil, closing: true)
    }

    func respond(_ response: HTTPResponse, to request: HTTPRequest?, closing: Bool) {
        writeToSocket(response.serialized(closing: closing, includeBody: request?.method != "HEAD"))
        if closing { closeWhenFlushed() }
    }

    /// Completes (or refuses) the opening handshake, then runs the endpoint's handler and
    /// closes the connection normally if the handler left it open.
    func upgrade(_ request: HTTPRequest, route: WebSocketRoute, parameters: [String: String]) async {
        let key: String
        switch WebSocketHandshake.validate(request) {
        case .failure(let rejection):
            respond(.text(rejection.status, rejection.message, headers: rejection.headers), to: request, closing: true)
            await waitUntilClosed()
            return
        case .success(let clientKey):
            key = clientKey
        }
        var info = WebSocketSessionInfo(rawPath: request.rawPath, pathParameters: parameters, headers: request.headers,
                                        remoteAddress: remoteAddress, peerCertificateSubject: tls?.peerCertificateSubject,
                                        peerCertificateCommonNames: tls?.peerCertificateCommonNames)
        let offered = WebSocketHandshake.offeredSubprotocols(request)
        switch await route.negotiate(info, offered) {
        case .reject(let status, let message):
            respond(.text(status, message), to: request, closing: true)
            await waitUntilClosed()
            return
        case .rejectWithHeaders(let status, let message, let headers):
            respond(.text(status, message, headers: headers), to: request, closing: true)
            await waitUntilClosed()
            return
        case .accept(let subprotocol):
            if let subprotocol, !offered.contains(subprotocol) {
                respond(.text(.internalServerError, "server chose a subprotocol the client did not offer"), to: request, closing: true)
                await waitUntilClosed()
                return
            }
            info.subprotocol = subprotocol
        }
        var headers: HTTPHeaders = ["Upgrade": "websocket", "Connection": "Upgrade",
                                    "Sec-WebSocket-Accept": WebSocketHandshake.acceptKey(for: key)]
        if let subprotocol = info.subprotocol { headers.add("Sec-WebSocket-Protocol", subprotocol) }
        writeToSocket(HTTPResponse(status: .switchingProtocols, headers: headers).serialized(closing: false))
        isHandlingRequest = false
        beginWebSocket(configuration: route.configuration, leftover: parser.takeRemainingBytes())
        resumeReading()
        if isShuttingDown { goAway() }
        await route.handler(self, info)
        if socketState != .closed { await close(code: .normal, reason: "") }
    }
}
