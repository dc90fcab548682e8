import Foundation
import ServiceLog
import Synchronization

/// The figures of one `vigil bench` run: each benchmark adds its key measurements as it prints
/// them; at the end the run prints them as one table and writes them, with the machine and
/// settings, to `bench/results/bench-<suite>-<UTC time>.json`, so runs can be compared later.
final class BenchResults: Sendable {
    struct Figure: Sendable {
        var part: String
        var metric: String
        var value: Double
        var unit: String
    }

    static let shared = BenchResults()
    private let figures = Mutex<[Figure]>([])

    func add(_ part: String, _ metric: String, _ value: Double, _ unit: String) {
        figures.withLock { $0.append(Figure(part: part, metric: metric, value: value, unit: unit)) }
    }

    /// Prints the table and writes the JSON file; returns its path.
    @discardableResult
    func finish(suite: String, settings: [String: Any], directory: String = "bench/results") throws -> String? {
        let all = figures.withLock { $0 }
        guard !all.isEmpty else { return nil }
        printLine("")
        printLine("summary")
        printLine("PART".padding(toLength: 14, withPad: " ", startingAt: 0) + "METRIC".padding(toLength: 44, withPad: " ", startingAt: 0)
                  + "       VALUE  UNIT")
        for figure in all {
            let value = figure.value >= 100 ? String(format: "%.0f", figure.value) : String(format: "%.2f", figure.value)
            printLine(figure.part.padding(toLength: 14, withPad: " ", startingAt: 0)
                      + figure.metric.padding(toLength: 44, withPad: " ", startingAt: 0)
                      + String(repeating: " ", count: max(1, 12 - value.count)) + value + "  " + figure.unit)
        }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        let now = Date()
        let stamp = formatter.string(from: now).replacingOccurrences(of: "-", with: "").replacingOccurrences(of: ":", with: "")
        var machine: [String: Any] = ["cores": ProcessInfo.processInfo.activeProcessorCount,
                                      "memoryGiB": Double(ProcessInfo.processInfo.physicalMemory) / 1_073_741_824]
        if let host = try? String(contentsOfFile: "/proc/sys/kernel/hostname", encoding: .utf8) {
            machine["host"] = host.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let document: [String: Any] = [
            "suite": suite, "at": formatter.string(from: now), "machine": machine, "settings": settings,
            // JSON has no infinity or NaN (a probe never answered, a drain that never ended): null.
            "figures": all.map { ["part": $0.part, "metric": $0.metric, "value": $0.value.isFinite ? $0.value as Any : NSNull(),
                                  "unit": $0.unit] as [String: Any] },
        ]
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = "\(directory)/bench-\(suite)-\(stamp).json"
        let data = try JSONSerialization.data(withJSONObject: document, options: [.prettyPrinted, .sortedKeys])
        try data.write(to: URL(fileURLWithPath: path))
        printLine("written to \(path)")
        return path
    }
}
