import Foundation
import Glibc
import Synchronization
import Testing
import Transport

/// Transport's HTTP client (the webhook sender) against real servers on 127.0.0.1.
@Suite(.timeLimit(.minutes(1))) struct HTTPClientTests {
    final class Seen: Sendable {
        let requests = Mutex<[HTTPRequest]>([])
        var first: HTTPRequest? { requests.withLock { $0.first } }
    }

    func router(status: HTTPStatus, seen: Seen) -> Router {
        var router = Router()
        router.on("POST", "/hook") { request in
            seen.requests.withLock { $0.append(request) }
            return .text(status, "answer")
        }
        return router
    }

    @Test func postsTheBodyAndHeadersAndReadsTheStatus() async throws {
        let seen = Seen()
        try await withServer(router: router(status: .accepted, seen: seen)) { server in
            var headers = HTTPHeaders()
            headers.add("Idempotency-Key", "k-1")
            let response = try await HTTPClient.post(URL(string: "http://127.0.0.1:\(server.boundAddress.port)/hook?x=1")!, headers: headers,
                                                     body: Array("{\"a\":1}".utf8))
            #expect(response.status == 202)
            let request = try #require(seen.first)
            #expect(request.body == Array("{\"a\":1}".utf8) && request.headers["Idempotency-Key"] == "k-1")
        }
    }

    @Test func aServerErrorIsAStatusNotAnError() async throws {
        let seen = Seen()
        try await withServer(router: router(status: .internalServerError, seen: seen)) { server in
            let response = try await HTTPClient.post(URL(string: "http://127.0.0.1:\(server.boundAddress.port)/hook")!, body: [])
            #expect(response.status == 500)
        }
    }

    /// A listening socket nobody accepts from (the connect succeeds, no answer comes): its
    /// descriptor and port.
    static func silentListener() -> (fd: Int32, port: Int) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        listen(fd, 8)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return (fd, Int(UInt16(bigEndian: address.sin_port)))
    }

    @Test func aServerThatNeverAnswersTimesOut() async throws {
        let (fd, port) = Self.silentListener()
        defer { close(fd) }
        let started = ContinuousClock.now
        await #expect(throws: HTTPClient.ClientError.timedOut(.milliseconds(300))) {
            _ = try await HTTPClient.post(URL(string: "http://127.0.0.1:\(port)/hook")!, body: [], timeout: .milliseconds(300))
        }
        #expect(ContinuousClock.now - started < .seconds(5))
    }

    /// Cancelled (serve shutting down), a request ends at once, not at its deadline.
    @Test func aCancelledRequestEndsAtOnce() async throws {
        let (fd, port) = Self.silentListener()
        defer { close(fd) }
        let started = ContinuousClock.now
        let request = Task { try await HTTPClient.post(URL(string: "http://127.0.0.1:\(port)/hook")!, body: [], timeout: .seconds(60)) }
        try await Task.sleep(for: .milliseconds(200))
        request.cancel()
        await #expect(throws: (any Error).self) { _ = try await request.value }
        #expect(ContinuousClock.now - started < .seconds(10), "the 60 s deadline was waited out")
    }

    @Test func aRefusedConnectionIsAnError() async throws {
        await #expect(throws: HTTPClient.ClientError.self) {
            _ = try await HTTPClient.post(URL(string: "http://127.0.0.1:9/hook")!, body: [], timeout: .seconds(2))
        }
    }

    @Test func postsOverTLSVerifyingTheServer() async throws {
        let pki = try await TestCertificates.make()
        defer { pki.remove() }
        var configuration = HTTPServerConfiguration()
        configuration.tls = try TLSContext(serverCertificateFile: pki.serverCertificate, privateKeyFile: pki.serverKey)
        let seen = Seen()
        try await withServer(router: router(status: .ok, seen: seen), configuration: configuration) { server in
            let response = try await HTTPClient.post(URL(string: "https://localhost:\(server.boundAddress.port)/hook")!, body: Array("x".utf8),
                                                     tls: try TLSContext(clientCAFile: pki.caCertificate))
            #expect(response.status == 200)
            await #expect(throws: HTTPClient.ClientError.self) {   // the system store does not trust the test CA
                _ = try await HTTPClient.post(URL(string: "https://localhost:\(server.boundAddress.port)/hook")!, body: [], timeout: .seconds(3))
            }
        }
    }
}
