import Foundation
import Glibc
import Synchronization

/// A `vigil` child server (echo or serve) on ephemeral loopback ports, read from the
/// "… listening on HOST:PORT" lines it prints: `echo` prints one, `serve` prints the OCPP
/// port then the HTTP port. Its stdout is drained afterwards so that it never blocks on a
/// full pipe. Reads the child's resident memory and CPU time from /proc. An interrupted
/// benchmark (SIGINT, SIGTERM) stops its children before it exits (`stopOnSignals`).
struct ChildServer {
    let pid: pid_t
    /// The WebSocket port (echo, or serve's OCPP listener).
    let port: Int
    /// serve's HTTP API port (`/api/v1/health`); nil for echo.
    let httpPort: Int?

    /// The children started and not yet stopped.
    private static let running = Mutex<Set<pid_t>>([])
    private static let signalSources = Mutex<[DispatchSourceSignal]>([])

    /// On SIGINT or SIGTERM: SIGTERM to every running child, then exit 130.
    static func stopOnSignals() {
        signalSources.withLock { sources in
            guard sources.isEmpty else { return }
            for number in [SIGINT, SIGTERM] {
                signal(number, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
                source.setEventHandler {
                    for pid in running.withLock({ $0 }) { kill(pid, SIGTERM) }
                    exit(130)
                }
                source.resume()
                sources.append(source)
            }
        }
    }

    static func start(arguments: [String] = ["echo", "--listen", "127.0.0.1:0"]) throws -> ChildServer {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL
        if !FileManager.default.isExecutableFile(atPath: process.executableURL?.path ?? "") {
            process.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        }
        process.arguments = arguments
        process.standardError = FileHandle.nullDevice
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let expected = arguments.first == "serve" ? 2 : 1
        var received = Data()
        var lines: [String] = []
        while lines.filter({ $0.contains("listening on") }).count < expected {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            received.append(chunk)
            lines = String(decoding: received, as: UTF8.self).split(separator: "\n").map(String.init)
        }
        func port(_ prefix: String) -> Int? {
            guard let line = lines.first(where: { $0.hasPrefix(prefix) && $0.contains("listening on") }),
                  let text = line.split(separator: " ").dropFirst(3).first?.split(separator: ":").last else { return nil }
            return Int(text)
        }
        let main = port(arguments.first == "serve" ? "ocpp" : "echo") ?? port("")
        let http = arguments.first == "serve" ? port("http") : nil
        guard let main, arguments.first != "serve" || http != nil else {
            process.terminate()
            throw BenchError("server did not report its ports: \(lines.joined(separator: " | ").debugDescription)")
        }
        running.withLock { _ = $0.insert(process.processIdentifier) }
        let reader = output.fileHandleForReading
        Thread.detachNewThread { while !reader.availableData.isEmpty {} }   // until the child exits
        return ChildServer(pid: process.processIdentifier, port: main, httpPort: http)
    }

    /// VmRSS of the child, from /proc.
    func residentBytes() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            let kilobytes = line.split(separator: " ").compactMap { Int($0) }.first ?? 0
            return kilobytes * 1024
        }
        return 0
    }

    /// User plus system CPU seconds the child has used so far (/proc/PID/stat).
    func cpuSeconds() -> Double {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return 0 }
        // After "pid (comm)": state is field 3, utime and stime are fields 14 and 15.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// Bytes the child has caused to be written to storage so far (`write_bytes` of
    /// /proc/PID/io: its WAL, database and log writes as the block layer sees them).
    func bytesWrittenToDisk() -> Int {
        guard let io = try? String(contentsOfFile: "/proc/\(pid)/io", encoding: .utf8) else { return 0 }
        for line in io.split(separator: "\n") where line.hasPrefix("write_bytes:") {
            return Int(line.split(separator: " ").last ?? "") ?? 0
        }
        return 0
    }

    /// User plus system CPU seconds this process (the load generator) has used so far.
    static func ownCPUSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }

    func stop() {
        Self.running.withLock { _ = $0.remove(pid) }
        kill(pid, SIGTERM)
        var status: Int32 = 0
        for _ in 0..<100 {
            if waitpid(pid, &status, WNOHANG) == pid { return }
            usleep(50_000)
        }
        kill(pid, SIGKILL)
        waitpid(pid, &status, 0)
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
