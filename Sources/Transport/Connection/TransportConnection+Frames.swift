/// The WebSocket phase: frames in, messages out, control frames and the close handshake.
extension TransportConnection {
    /// Enters the WebSocket phase with `configuration`, replaying bytes that arrived
    /// together with the handshake.
    func beginWebSocket(configuration: WebSocketConfiguration, leftover: [UInt8]) {
        self.configuration = configuration
        decoder = WebSocketFrameDecoder(role: role, maxFrameBytes: configuration.maxMessageBytes)
        assembler = MessageAssembler(maxMessageBytes: configuration.maxMessageBytes)
        phase = .webSocket
        cancelDeadline()
        lastMessageReceived = .now()
        lastFrameReceived = .now()
        if let idle = configuration.idleTimeout { scheduleDeadline(after: idle) }
        startPingTimer()
        if !leftover.isEmpty {
            input.append(leftover)
            processWebSocketInput()
        }
    }

    /// Decodes every complete frame in `input`, stopping when the consumer's queue is full.
    func processWebSocketInput() {
        while socketState == .open && phase == .webSocket {
            if queuedMessageCount >= configuration.inboundQueueLimit {
                pauseReading()
                return
            }
            let frame: WebSocketFrame
            do {
                guard let decoded = try decoder.decode(&input) else { return }
                frame = decoded
            } catch {
                if isFailed || isCloseSent {
                    closeSocket()
                } else {
                    fail(error)
                }
                return
            }
            if isCloseSent && frame.opcode != .close { continue }   // after our close, only a close matters
            do {
                switch try assembler.accept(frame) {
                case .incomplete: continue
                case .message(let message): deliver(message)
                case .control(let control): handleControl(control)
                }
            } catch {
                fail(error)
                return
            }
        }
    }

    func handleControl(_ frame: WebSocketFrame) {
        switch frame.opcode {
        case .ping:
            if !isCloseSent { writeToSocket(encoder.encode(opcode: .pong, payload: frame.payload)) }
        case .pong:
            break   // any received frame already counts as proof of life
        case .close:
            handleCloseFrame(frame.payload)
        default:
            break
        }
    }

    /// A close frame from the peer: validate it, answer it (echoing the code), and close
    /// the socket once our answer is written.
    func handleCloseFrame(_ payload: [UInt8]) {
        isCloseReceived = true
        var code = WebSocketCloseCode.noStatus
        var reason = ""
        if payload.count == 1 {
            failAfterClose(.invalidClosePayload(length: 1))
            return
        }
        if payload.count >= 2 {
            code = WebSocketCloseCode(rawValue: UInt16(payload[0]) << 8 | UInt16(payload[1]))
            var validator = UTF8Validator()
            let reasonBytes = Array(payload[2...])
            guard code.isValidOnWire else {
                failAfterClose(.invalidCloseCode(code.rawValue))
                return
            }
            guard validator.validate(reasonBytes), validator.isComplete else {
                failAfterClose(.invalidUTF8)
                return
            }
            reason = String(decoding: reasonBytes, as: UTF8.self)
        }
        if closeStatus == nil { closeStatus = WebSocketCloseStatus(code: code, reason: reason, initiatedLocally: false) }
        if !isCloseSent {
            sendClose(code: code == .noStatus ? .normal : code, reason: "")
        }
        finishReceiving()
        closeWhenFlushed()
    }

    /// The peer's close frame itself was invalid: answer with the error's code and close.
    private func failAfterClose(_ error: WebSocketError) {
        if !isCloseSent {
            isFailed = true
            sendClose(code: error.closeCode, reason: error.reason)
        }
        finishReceiving()
        closeWhenFlushed()
    }
}
