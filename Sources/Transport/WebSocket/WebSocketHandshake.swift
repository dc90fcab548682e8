import COpenSSL
import Foundation

/// The opening handshake of RFC 6455 §4: the accept key, and validation of a client's
/// upgrade request and of a server's 101 response.
public enum WebSocketHandshake {
    static let magic = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

    /// `Sec-WebSocket-Accept` for a `Sec-WebSocket-Key`: base64(SHA-1(key + magic)), via OpenSSL.
    public static func acceptKey(for key: String) -> String {
        let input = Array((key + magic).utf8)
        var digest = [UInt8](repeating: 0, count: Int(SHA_DIGEST_LENGTH))
        _ = input.withUnsafeBufferPointer { SHA1($0.baseAddress, $0.count, &digest) }
        return Data(digest).base64EncodedString()
    }

    /// A fresh random 16-byte key, base64 encoded, for a client request.
    public static func makeKey() -> String {
        var bytes = [UInt8](repeating: 0, count: 16)
        if RAND_bytes(&bytes, 16) != 1 { bytes = (0..<16).map { _ in UInt8.random(in: 0...255) } }
        return Data(bytes).base64EncodedString()
    }

    /// Why an upgrade request is refused, with the HTTP answer.
    public struct Rejection: Error, Sendable, Equatable {
        public var status: HTTPStatus
        public var message: String
        public var headers: HTTPHeaders { status.code == 426 ? ["Sec-WebSocket-Version": "13", "Upgrade": "websocket"] : [:] }
    }

    /// Checks an upgrade request (method, headers, key, version) and returns the client key.
    public static func validate(_ request: HTTPRequest) -> Result<String, Rejection> {
        guard request.method == "GET" else {
            return .failure(Rejection(status: .methodNotAllowed, message: "WebSocket upgrade requires GET"))
        }
        guard request.minorVersion == 1 else {
            return .failure(Rejection(status: .badRequest, message: "WebSocket upgrade requires HTTP/1.1"))
        }
        guard request.isWebSocketUpgrade else {
            return .failure(Rejection(status: .upgradeRequired, message: "this endpoint speaks WebSocket only: send Connection: Upgrade and Upgrade: websocket"))
        }
        guard request.headers["Sec-WebSocket-Version"]?.trimmingHTTPWhitespace() == "13" else {
            return .failure(Rejection(status: .upgradeRequired, message: "unsupported Sec-WebSocket-Version \(request.headers["Sec-WebSocket-Version"] ?? "(missing)"); use 13"))
        }
        guard let key = request.headers["Sec-WebSocket-Key"]?.trimmingHTTPWhitespace(),
              let decoded = Data(base64Encoded: key), decoded.count == 16 else {
            return .failure(Rejection(status: .badRequest, message: "Sec-WebSocket-Key must be 16 random bytes in base64"))
        }
        return .success(key)
    }

    /// The offered subprotocols, in the client's order of preference.
    public static func offeredSubprotocols(_ request: HTTPRequest) -> [String] {
        request.headers.values("Sec-WebSocket-Protocol")
    }
}
