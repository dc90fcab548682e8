import Dispatch
import Foundation
import Glibc
import ServiceLog

/// What the benchmarks read from a `vigil serve` child's `GET /api/v1/health`: whether its
/// event consumers have caught up, and how many events they dropped. Caught up: every
/// `eventLog.consumers[].lag` is 0 when the health has an `eventLog`, else every
/// `eventConsumers[].backlog` is 0. Dropped: the sum of `eventConsumers[].dropped`.
/// Fetched with one blocking HTTP/1.1 GET on loopback, off the cooperative pool.
struct ServeHealth {
    var isCaughtUp: Bool
    var dropped: Int
    /// Each consumer's `name lag|backlog`, for the printout.
    var consumers: [String]

    init(json body: Data) throws {
        guard let document = try JSONSerialization.jsonObject(with: body) as? [String: Any] else {
            throw BenchError("health is not a JSON object: \(String(decoding: body.prefix(200), as: UTF8.self))")
        }
        let eventConsumers = document["eventConsumers"] as? [[String: Any]] ?? []
        dropped = eventConsumers.reduce(0) { $0 + (($1["dropped"] as? NSNumber)?.intValue ?? 0) }
        if let eventLog = document["eventLog"] as? [String: Any], let logConsumers = eventLog["consumers"] as? [[String: Any]] {
            let lags = logConsumers.map { (($0["name"] as? String) ?? "?", ($0["lag"] as? NSNumber)?.intValue ?? -1) }
            isCaughtUp = lags.allSatisfy { $0.1 == 0 }
            consumers = lags.map { "\($0.0) lag \($0.1)" }
        } else {
            let backlogs = eventConsumers.map { (($0["name"] as? String) ?? "?", ($0["backlog"] as? NSNumber)?.intValue ?? -1) }
            isCaughtUp = backlogs.allSatisfy { $0.1 == 0 }
            consumers = backlogs.map { "\($0.0) backlog \($0.1)" }
        }
    }

    static func read(port: Int) async throws -> ServeHealth {
        try ServeHealth(json: try await get(path: "/api/v1/health", port: port))
    }

    /// Polls every 10 ms until the consumers have caught up; the time from `since` (a
    /// `BenchLoad.now()` instant) until the first caught-up answer, and that answer. Nil
    /// time when they have not caught up within `limit`.
    static func waitUntilCaughtUp(port: Int, since: UInt64, limit: Duration = .seconds(30)) async throws -> (milliseconds: Double?, health: ServeHealth) {
        let give = BenchLoad.now() + UInt64(limit.milliseconds * 1_000_000)
        while true {
            let health = try await read(port: port)
            let now = BenchLoad.now()
            if health.isCaughtUp { return (Double(now - min(now, since)) / 1_000_000, health) }
            if now >= give { return (nil, health) }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    /// The body of `GET path` on 127.0.0.1:`port` (status 200 required).
    static func get(path: String, port: Int) async throws -> Data {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try blockingGet(path: path, port: port) })
            }
        }
    }

    private static func blockingGet(path: String, port: Int) throws -> Data {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw BenchError("socket: \(String(cString: strerror(errno)))") }
        defer { Glibc.close(fd) }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw BenchError("connect 127.0.0.1:\(port): \(String(cString: strerror(errno)))") }
        let request = Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n\r\n".utf8)
        guard send(fd, request, request.count, Int32(MSG_NOSIGNAL)) == request.count else { throw BenchError("send to 127.0.0.1:\(port) failed") }
        var response = Data()
        var buffer = [UInt8](repeating: 0, count: 16_384)
        while true {
            let count = recv(fd, &buffer, buffer.count, 0)
            if count > 0 { response.append(contentsOf: buffer[0..<count]); continue }
            if count < 0 && errno == EINTR { continue }
            if count < 0 { throw BenchError("GET \(path): \(String(cString: strerror(errno)))") }
            break
        }
        guard let end = response.range(of: Data("\r\n\r\n".utf8)) else { throw BenchError("GET \(path): no complete response") }
        let head = String(decoding: response[..<end.lowerBound], as: UTF8.self)
        guard head.hasPrefix("HTTP/1.1 200") else { throw BenchError("GET \(path): \(head.split(separator: "\r\n").first ?? "")") }
        return Data(response[end.upperBound...])
    }
}
