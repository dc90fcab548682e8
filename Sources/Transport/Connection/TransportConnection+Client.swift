/// The client's opening: TCP connect, TLS handshake, upgrade request and its validation.
extension TransportConnection {
    func openAsClient(connectInProgress: Bool, hostHeader: String, path: String,
                      options: WebSocketClient.Options) async throws -> WebSocketSessionInfo {
        isConnectPending = connectInProgress
        startReading()
        scheduleDeadline(after: options.connectTimeout)
        do {
            try await finishOpening(connectInProgress: connectInProgress)
            let key = WebSocketHandshake.makeKey()
            var request = "GET \(path) HTTP/1.1\r\nHost: \(hostHeader)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            request += "Sec-WebSocket-Key: \(key)\r\nSec-WebSocket-Version: 13\r\n"
            if !options.subprotocols.isEmpty {
                request += "Sec-WebSocket-Protocol: \(options.subprotocols.joined(separator: ", "))\r\n"
            }
            for (name, value) in options.headers { request += "\(name): \(value)\r\n" }
            request += "\r\n"
            writeToSocket(Array(request.utf8))
            // The socket may already have been closed while the request was written (the
            // server refused us at accept); a waiter registered then would never be resumed.
            let head = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<HTTPResponseHead, Error>) in
                handshakeWaiter = continuation
                processHandshakeResponse()
                if socketState == .closed, let waiter = handshakeWaiter {
                    handshakeWaiter = nil
                    waiter.resume(throwing: closedDuringHandshake)
                }
            }
            let subprotocol = try validateHandshake(head, key: key, offered: options.subprotocols)
            let leftover = input.read(input.readableCount)
            beginWebSocket(configuration: options.configuration, leftover: leftover)
            return WebSocketSessionInfo(rawPath: path, headers: head.headers, remoteAddress: remoteAddress,
                                        subprotocol: subprotocol, peerCertificateSubject: tls?.peerCertificateSubject,
                                        peerCertificateCommonNames: tls?.peerCertificateCommonNames)
        } catch {
            closeSocket()
            throw error
        }
    }

    var closedDuringHandshake: WebSocketClient.ConnectError {
        .connectionClosed(closeStatus?.reason ?? "closed")
    }

    /// Looks for the end of the response head among the bytes received so far.
    func processHandshakeResponse() {
        guard let waiter = handshakeWaiter else { return }
        guard let end = input.firstIndex(of: [13, 10, 13, 10]) else {
            if input.readableCount > 16 * 1024 {
                handshakeWaiter = nil
                waiter.resume(throwing: WebSocketClient.ConnectError.invalidHandshakeResponse("response head exceeds 16 KiB"))
            }
            return
        }
        let bytes = input.read(end)
        input.skip(4)
        handshakeWaiter = nil
        guard let head = HTTPResponseHead.parse(bytes) else {
            waiter.resume(throwing: WebSocketClient.ConnectError.invalidHandshakeResponse("malformed status line or header"))
            return
        }
        waiter.resume(returning: head)
    }

    private func validateHandshake(_ head: HTTPResponseHead, key: String, offered: [String]) throws -> String? {
        guard head.statusCode == 101 else {
            let body = String(decoding: input.read(min(input.readableCount, 512)), as: UTF8.self)
            throw WebSocketClient.ConnectError.handshakeRejected(status: head.statusCode,
                                                                 body: body.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        guard head.headers.contains("Upgrade", token: "websocket"), head.headers.contains("Connection", token: "upgrade") else {
            throw WebSocketClient.ConnectError.invalidHandshakeResponse("missing Upgrade: websocket / Connection: Upgrade")
        }
        guard head.headers["Sec-WebSocket-Accept"] == WebSocketHandshake.acceptKey(for: key) else {
            throw WebSocketClient.ConnectError.invalidHandshakeResponse("Sec-WebSocket-Accept does not match the key")
        }
        let chosen = head.headers["Sec-WebSocket-Protocol"]
        if let chosen, !offered.contains(chosen) {
            throw WebSocketClient.ConnectError.invalidHandshakeResponse("server chose subprotocol \(chosen) which was not offered")
        }
        return chosen
    }
}

import Foundation
