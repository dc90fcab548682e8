import Dispatch
import Foundation
import Glibc
import Transport

/// A TCP client for hostile-input tests: it writes exactly the bytes given and reads back
/// exactly what the server sends, with a receive timeout so no test can hang. The blocking
/// socket calls run on a dispatch queue, never on Swift's cooperative thread pool (which
/// the server under test needs).
final class RawClient: Sendable {
    let fd: Int32

    init(port: Int, host: String = "127.0.0.1", timeout: Double = 5) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        inet_pton(AF_INET, host, &address.sin_addr)
        var tv = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - floor(timeout)) * 1_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else {
            close(fd)
            throw SocketError("connect")
        }
    }

    deinit { close(fd) }

    private func offPool<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        // A thread of its own: dispatch's global queues are as narrow as the CPU count on
        // Linux, so parallel tests blocking there would starve each other.
        await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: work()) }.start()
        }
    }

    func write(_ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return }
            offset += n
        }
    }

    func write(_ text: String) { write(Array(text.utf8)) }

    /// Reads until the server closes the connection or the timeout passes.
    func readUntilClosed() async -> [UInt8] { await offPool { self.blockingReadUntilClosed() } }

    private func blockingReadUntilClosed() -> [UInt8] {
        var result: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { return result }
            result.append(contentsOf: buffer[0..<n])
        }
    }

    /// Reads until `count` bytes have arrived (or the connection closes / times out).
    func read(count: Int) async -> [UInt8] { await offPool { self.blockingRead(count: count) } }

    private func blockingRead(count: Int) -> [UInt8] {
        var result: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while result.count < count {
            let n = recv(fd, &buffer, min(buffer.count, count - result.count), 0)
            if n <= 0 { break }
            result.append(contentsOf: buffer[0..<n])
        }
        return result
    }

    /// Reads one HTTP response head (through the blank line).
    func readHead() async -> String { await offPool { self.blockingReadHead() } }

    private func blockingReadHead() -> String {
        var result: [UInt8] = []
        var byte: UInt8 = 0
        while recv(fd, &byte, 1, 0) == 1 {
            result.append(byte)
            if result.count >= 4 && Array(result.suffix(4)) == [13, 10, 13, 10] { break }
        }
        return String(decoding: result, as: UTF8.self)
    }

    /// Performs a WebSocket upgrade by hand and returns the response head.
    func upgrade(path: String = "/echo", subprotocol: String? = nil) async -> String {
        var request = "GET \(path) HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        request += "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
        if let subprotocol { request += "Sec-WebSocket-Protocol: \(subprotocol)\r\n" }
        write(request + "\r\n")
        return await readHead()
    }

    /// A masked client frame with a fixed mask, for tests that need exact bytes.
    static func maskedFrame(opcode: UInt8, payload: [UInt8], fin: Bool = true) -> [UInt8] {
        let mask: [UInt8] = [0x11, 0x22, 0x33, 0x44]
        var bytes: [UInt8] = [(fin ? 0x80 : 0) | opcode]
        if payload.count < 126 {
            bytes.append(0x80 | UInt8(payload.count))
        } else {
            bytes += [0x80 | 126, UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)]
        }
        bytes += mask
        bytes += payload.enumerated().map { $0.element ^ mask[$0.offset & 3] }
        return bytes
    }
}
