import Foundation
import Glibc

/// One plain-HTTP request and its whole answer, for the command line's calls to a running
/// `vigil serve` (`vigil stations command`, `stations configuration`, `rules approve`): a socket
/// on a thread of its own, every wait a poll(2) for the time left, so a wait costs no CPU.
/// FoundationNetworking's URLSession spun a core for as long as serve took to answer, and a
/// command waits up to 30 s for its charger. `Connection: close`; the answer is read to its
/// Content-Length, its chunks' end or the close.
public enum PlainHTTPExchange {
    /// The status, headers (names in lower case) and body of an answer.
    public struct Answer: Sendable {
        public var status: Int
        public var headers: [String: String]
        public var body: [UInt8]
    }

    /// Why there is no answer; `unreachable` when no connection could be made at all.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var description: String
        public var unreachable: Bool
    }

    /// The most of an answer read (the API's largest pages are a few megabytes).
    public static let maxAnswerBytes = 64 << 20

    public static func perform(method: String, url: URL, headers: [(String, String)] = [], body: [UInt8] = [],
                               timeout: Duration) async throws -> Answer {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Answer, Error>) in
            Thread.detachNewThread {
                continuation.resume(with: Result { try exchange(method: method, url: url, headers: headers, body: body, timeout: timeout) })
            }
        }
    }

    static func exchange(method: String, url: URL, headers: [(String, String)], body: [UInt8], timeout: Duration) throws -> Answer {
        guard url.scheme?.lowercased() == "http", let host = url.host, !host.isEmpty else {
            throw Failure(description: "not an http:// URL: \(url.absoluteString)", unreachable: true)
        }
        let port = url.port ?? 80
        let deadline = ContinuousClock.now + timeout
        // As sent: percent-encoded (a station id with a space or a `?` stays one path segment).
        let components = URLComponents(url: url, resolvingAgainstBaseURL: false)
        var path = components?.percentEncodedPath ?? "/"
        if path.isEmpty { path = "/" }
        if let query = components?.percentEncodedQuery { path += "?" + query }
        let bareHost = host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host
        let authority = SocketAddress(host: bareHost, port: port).description   // [::1]:8080 for IPv6, as serve's Host check wants
        var head = "\(method) \(path) HTTP/1.1\r\nHost: \(authority)\r\nConnection: close\r\nContent-Length: \(body.count)\r\n"
        for (name, value) in headers {
            guard !(name + value).contains("\r"), !(name + value).contains("\n") else {
                throw Failure(description: "bad header \(name)", unreachable: false)
            }
            head += "\(name): \(value)\r\n"
        }
        let request = Array((head + "\r\n").utf8) + body
        let targets: [Socket.Target]
        do { targets = try Socket.resolve(SocketAddress(host: bareHost, port: port), passive: false) } catch {
            throw Failure(description: "\(error)", unreachable: true)
        }
        var lastProblem = "cannot resolve \(bareHost)"
        for target in targets {
            let fd: Int32
            do {
                let (socket, inProgress) = try Socket.startConnect(to: target, describing: SocketAddress(host: bareHost, port: port))
                fd = socket
                if inProgress {
                    guard wait(fd, for: Int16(POLLOUT), until: deadline) else {
                        close(fd)
                        throw Failure(description: "no connection within \(timeout)", unreachable: true)
                    }
                    let pending = Socket.pendingError(of: fd)
                    guard pending == 0 else {
                        close(fd)
                        lastProblem = String(cString: strerror(pending))
                        continue
                    }
                }
            } catch let failure as Failure {
                throw failure
            } catch {
                lastProblem = "\(error)"
                continue
            }
            defer { close(fd) }
            return try converse(fd, request: request, deadline: deadline, timeout: timeout)
        }
        throw Failure(description: lastProblem, unreachable: true)
    }

    /// Writes the request and reads the answer on a connected socket.
    static func converse(_ fd: Int32, request: [UInt8], deadline: ContinuousClock.Instant, timeout: Duration) throws -> Answer {
        var sent = 0
        while sent < request.count {
            guard wait(fd, for: Int16(POLLOUT), until: deadline) else { throw Failure(description: "no answer within \(timeout)", unreachable: false) }
            let written = request[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if written < 0 {
                if errno == EAGAIN || errno == EINTR { continue }
                // The server may have answered and closed before taking the whole body: read it.
                if errno == EPIPE || errno == ECONNRESET { break }
                throw Failure(description: String(cString: strerror(errno)), unreachable: false)
            }
            sent += written
        }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            if let answer = try parse(received, complete: false) { return answer }
            guard wait(fd, for: Int16(POLLIN), until: deadline) else { throw Failure(description: "no answer within \(timeout)", unreachable: false) }
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count < 0 {
                if errno == EAGAIN || errno == EINTR { continue }
                // A reset after the whole answer arrived (the server closed on a body it did not read).
                let problem = String(cString: strerror(errno))
                if errno == ECONNRESET, let answer = try? parse(received, complete: true) { return answer }
                throw Failure(description: problem, unreachable: false)
            }
            if count == 0 {
                guard let answer = try parse(received, complete: true) else {
                    throw Failure(description: "the connection closed before a whole answer", unreachable: false)
                }
                return answer
            }
            received += buffer[0..<count]
            guard received.count <= maxAnswerBytes else { throw Failure(description: "answer larger than \(maxAnswerBytes) bytes", unreachable: false) }
        }
    }

    /// The answer in `bytes` once it is whole (`complete`: the peer closed, so what is there is all).
    static func parse(_ bytes: [UInt8], complete: Bool) throws -> Answer? {
        let separator: [UInt8] = [13, 10, 13, 10]
        guard let end = bytes.indices.dropLast(3).first(where: { bytes[$0..<$0 + 4].elementsEqual(separator) }) else {
            if complete { throw Failure(description: "the connection closed before a whole answer", unreachable: false) }
            return nil
        }
        let lines = String(decoding: bytes[0..<end], as: UTF8.self).components(separatedBy: "\r\n")
        let statusParts = lines.first?.split(separator: " ", maxSplits: 2) ?? []
        guard statusParts.count >= 2, statusParts[0].hasPrefix("HTTP/"), let status = Int(statusParts[1]) else {
            throw Failure(description: "not an HTTP answer", unreachable: false)
        }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let rest = Array(bytes[(end + 4)...])
        if headers["transfer-encoding"]?.lowercased().contains("chunked") == true {
            guard let body = dechunk(rest) else {
                if complete { throw Failure(description: "the connection closed inside a chunked answer", unreachable: false) }
                return nil
            }
            return Answer(status: status, headers: headers, body: body)
        }
        if let text = headers["content-length"] {
            guard let length = Int(text), length >= 0 else { throw Failure(description: "a bad Content-Length: \(text)", unreachable: false) }
            guard rest.count >= length else {
                if complete { throw Failure(description: "the connection closed before the whole body", unreachable: false) }
                return nil
            }
            return Answer(status: status, headers: headers, body: Array(rest.prefix(length)))
        }
        return complete ? Answer(status: status, headers: headers, body: rest) : nil
    }

    /// A chunked body once its last chunk is in; nil before.
    static func dechunk(_ bytes: [UInt8]) -> [UInt8]? {
        var body: [UInt8] = []
        var index = 0
        while true {
            guard let lineEnd = (index..<max(index, bytes.count - 1)).first(where: { bytes[$0] == 13 && bytes[$0 + 1] == 10 }) else { return nil }
            let sizeText = String(decoding: bytes[index..<lineEnd], as: UTF8.self).split(separator: ";").first ?? ""
            guard let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16), size >= 0 else { return nil }
            let start = lineEnd + 2
            if size == 0 { return body }
            guard bytes.count >= start + size + 2 else { return nil }
            body += bytes[start..<start + size]
            index = start + size + 2
        }
    }

    /// Waits for `events` on `fd` until `deadline`; false when the time ran out.
    static func wait(_ fd: Int32, for events: Int16, until deadline: ContinuousClock.Instant) -> Bool {
        while true {
            let left = deadline - ContinuousClock.now
            guard left > .zero else { return false }
            let milliseconds = Int32(clamping: left.components.seconds * 1_000 + left.components.attoseconds / 1_000_000_000_000_000 + 1)
            var entry = pollfd(fd: fd, events: events, revents: 0)
            let ready = poll(&entry, 1, milliseconds)
            if ready > 0 { return true }   // readable, writable, or an error the next call reports
            if ready < 0 && errno != EINTR { return true }
        }
    }
}
