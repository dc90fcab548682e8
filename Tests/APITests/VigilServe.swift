import Foundation
import Glibc

/// A `vigil serve` child process on ephemeral 127.0.0.1 ports, with a scratch database, for
/// tests of the HTTP API as a client sees it. The binary is `VIGIL_BIN`, else the `vigil`
/// built next to the test bundle. Its standard error (the text log) goes to `logPath`; the
/// scratch directory is removed when the last reference goes.
final class VigilServe {
    let process: Process
    let directory: URL
    let httpPort: Int
    let ocppPort: Int
    var databasePath: String { directory.appendingPathComponent("vigil.sqlite").path }
    var logPath: String { directory.appendingPathComponent("serve.log").path }

    static var binary: String {
        if let path = ProcessInfo.processInfo.environment["VIGIL_BIN"], !path.isEmpty { return path }
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        return bundle.appendingPathComponent("vigil").path
    }

    init(_ extra: [String] = []) async throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-api-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: directory.appendingPathComponent("serve.log").path, contents: nil)
        process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.currentDirectoryURL = directory
        process.arguments = ["serve", "--ocpp", "127.0.0.1:0", "--http", "127.0.0.1:0", "--db", directory.appendingPathComponent("vigil.sqlite").path,
                             "--rules", directory.appendingPathComponent("no-rules").path,
                             "--vendor-codes", directory.appendingPathComponent("no-codes").path, "--log-format", "text"] + extra
        let output = Pipe()
        process.standardOutput = output
        process.standardError = try FileHandle(forWritingTo: directory.appendingPathComponent("serve.log"))
        try process.run()
        let reader = output.fileHandleForReading
        // "ocpp listening on 127.0.0.1:P" then "http listening on 127.0.0.1:P"; read off the cooperative pool.
        let ports: [String: Int] = await withCheckedContinuation { continuation in
            Thread {
                var text = ""
                var ports: [String: Int] = [:]
                while ports.count < 2 {
                    let data = reader.availableData
                    if data.isEmpty { break }
                    text += String(decoding: data, as: UTF8.self)
                    for line in text.split(separator: "\n") {
                        let words = line.split(separator: " ")
                        if words.count >= 4, words[1] == "listening", let port = words[3].split(separator: ":").last.flatMap({ Int($0) }) {
                            ports[String(words[0])] = port
                        }
                    }
                }
                continuation.resume(returning: ports)
            }.start()
        }
        guard let http = ports["http"], let ocpp = ports["ocpp"] else {
            process.terminate()
            throw ServeFailure(log: (try? String(contentsOfFile: directory.appendingPathComponent("serve.log").path, encoding: .utf8)) ?? "")
        }
        httpPort = http
        ocppPort = ocpp
    }

    struct ServeFailure: Error { let log: String }

    func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
    }

    /// The scratch directory (database, audit key, log) goes with the last reference.
    deinit {
        stop()
        try? FileManager.default.removeItem(at: directory)
    }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// Runs `vigil ARGS` to the end and returns its standard output.
    func cli(_ arguments: [String]) throws -> String {
        let child = Process()
        child.executableURL = URL(fileURLWithPath: Self.binary)
        child.currentDirectoryURL = directory
        child.arguments = arguments
        let output = Pipe()
        child.standardOutput = output
        child.standardError = FileHandle.nullDevice
        try child.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        child.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    /// One HTTP/1.1 exchange with exactly the head given (`Host` included, or left out),
    /// over a fresh connection closed after the response.
    func exchange(_ method: String, _ target: String, headers: [(String, String)]? = nil, body: String = "", port: Int? = nil) async -> HTTPExchange {
        let port = port ?? httpPort
        var head = "\(method) \(target) HTTP/1.1\r\n"
        for (name, value) in headers ?? [("Host", "127.0.0.1:\(port)")] { head += "\(name): \(value)\r\n" }
        head += "Content-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n"
        let bytes = Array((head + body).utf8)
        let raw: [UInt8] = await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: Self.roundTrip(bytes, port: port)) }.start()
        }
        return HTTPExchange(raw: String(decoding: raw, as: UTF8.self))
    }

    private static func roundTrip(_ bytes: [UInt8], port: Int) -> [UInt8] {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        inet_pton(AF_INET, "127.0.0.1", &address.sin_addr)
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { return [] }
        _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        var result: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { return result }
            result.append(contentsOf: buffer[0..<n])
            // A WebSocket upgrade stays open: stop after its head.
            if result.starts(with: Array("HTTP/1.1 101".utf8)), String(decoding: result, as: UTF8.self).contains("\r\n\r\n") { return result }
        }
    }
}

/// A response as received: status, head and body.
struct HTTPExchange: Sendable {
    let raw: String
    var status: Int { raw.split(separator: " ", maxSplits: 2).dropFirst().first.flatMap { Int($0) } ?? 0 }
    var head: String { raw.components(separatedBy: "\r\n\r\n").first ?? "" }
    var body: String { raw.components(separatedBy: "\r\n\r\n").dropFirst().joined(separator: "\r\n\r\n") }
    var json: [String: Any]? { (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] }
    func header(_ name: String) -> String? {
        for line in head.split(separator: "\r\n").dropFirst() {
            let parts = line.split(separator: ":", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == name.lowercased() { return parts[1].trimmingCharacters(in: .whitespaces) }
        }
        return nil
    }
}
