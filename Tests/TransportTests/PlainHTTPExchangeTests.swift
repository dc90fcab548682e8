import Foundation
import Testing
@testable import Transport

/// The command line's HTTP exchange: an answer is whole at its Content-Length, at its last
/// chunk or at the close; a connection refused is `unreachable`; a slow answer times out.
@Suite struct PlainHTTPExchangeTests {
    func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    @Test func answersAreWholeAtTheirLengthTheirLastChunkOrTheClose() throws {
        let sized = bytes("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Type: application/json\r\n\r\nhello")
        #expect(try PlainHTTPExchange.parse(Array(sized.dropLast()), complete: false) == nil)   // one byte short: wait
        let answer = try #require(try PlainHTTPExchange.parse(sized, complete: false))
        #expect(answer.status == 200 && answer.body == bytes("hello") && answer.headers["content-type"] == "application/json")
        let chunked = bytes("HTTP/1.1 409 Conflict\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n2\r\nef\r\n0\r\n\r\n")
        #expect(try PlainHTTPExchange.parse(Array(chunked.prefix(chunked.count - 5)), complete: false) == nil)
        #expect(try PlainHTTPExchange.parse(chunked, complete: false)?.body == bytes("abcdef"))
        let closed = bytes("HTTP/1.0 200 OK\r\n\r\nall of it")
        #expect(try PlainHTTPExchange.parse(closed, complete: false) == nil)
        #expect(try PlainHTTPExchange.parse(closed, complete: true)?.body == bytes("all of it"))
        #expect(throws: PlainHTTPExchange.Failure.self) { try PlainHTTPExchange.parse(bytes("SSH-2.0\r\n\r\n"), complete: true) }
    }

    @Test func aClosedPortIsUnreachableAndASilentServerTimesOut() async throws {
        // A listening socket that never answers: the exchange gives up at its deadline.
        // Closed exactly once, below: tests run in parallel, and a second close would close
        // whatever another test's socket got the same number meanwhile.
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #expect(listener >= 0)
        var address = sockaddr_in(sin_family: sa_family_t(AF_INET), sin_port: 0, sin_addr: in_addr(s_addr: inet_addr("127.0.0.1")), sin_zero: (0, 0, 0, 0, 0, 0, 0, 0))
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, length) } }
        _ = listen(listener, 4)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) } }
        let port = Int(UInt16(bigEndian: address.sin_port))
        let silent = try #require(URL(string: "http://127.0.0.1:\(port)/api/v1/health"))
        do {
            _ = try await PlainHTTPExchange.perform(method: "GET", url: silent, timeout: .milliseconds(300))
            Issue.record("answered")
        } catch let failure as PlainHTTPExchange.Failure {
            #expect(!failure.unreachable && failure.description.hasPrefix("no answer within"))
        } catch {
            Issue.record("\(error)")
        }
        close(listener)
        do {
            _ = try await PlainHTTPExchange.perform(method: "GET", url: silent, timeout: .seconds(2))
            Issue.record("answered")
        } catch let failure as PlainHTTPExchange.Failure {
            #expect(failure.unreachable, "\(failure)")
        }
    }
}

extension PlainHTTPExchange.Answer: Equatable {
    public static func == (a: Self, b: Self) -> Bool { a.status == b.status && a.headers == b.headers && a.body == b.body }
}
