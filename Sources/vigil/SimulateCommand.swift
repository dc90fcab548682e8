import Foundation
import ServiceLog
import Simulator

/// `vigil simulate --scenario FILE [--personalities FILE] [--url ws://HOST:PORT/ocpp/] [--speed N] [--duration D] [--quiet]`:
/// a simulated fleet against a running CSMS (docs/simulator.md).
struct SimulateCommand {
    let arguments: Arguments

    init(arguments: [String]) throws(UsageError) {
        self.arguments = Arguments(arguments, flagNames: ["quiet"])
        try self.arguments.rejectUnknown(allowed: ["scenario", "personalities", "url", "speed", "duration", "quiet"])
    }

    func run() async throws -> Int32 {
        guard let scenarioPath = arguments.value("scenario") else { throw UsageError("simulate needs --scenario FILE (see Simulations/)") }
        let personalitiesPath = arguments.value("personalities") ?? "Simulations/personalities.yaml"
        func read(_ path: String) throws -> String {
            guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
                throw CommandFailure(description: "cannot read \(path)")
            }
            return text
        }
        var scenario: Scenario
        switch Scenario.load(try read(scenarioPath), file: scenarioPath) {
        case .success(let loaded): scenario = loaded
        case .failure(let error): throw CommandFailure(description: "\(scenarioPath) has errors:\n\(error)")
        }
        let personalities: [Personality]
        switch Personality.load(try read(personalitiesPath), file: personalitiesPath) {
        case .success(let loaded): personalities = loaded
        case .failure(let error): throw CommandFailure(description: "\(personalitiesPath) has errors:\n\(error)")
        }
        let problems = scenario.problems(against: personalities)
        if !problems.isEmpty {
            throw CommandFailure(description: "\(scenarioPath) has errors:\n" + problems.map(\.description).joined(separator: "\n"))
        }
        if let text = arguments.value("speed") {
            guard let speed = Double(text), speed > 0, speed <= 3_600 else { throw UsageError("--speed must be a number above 0 and at most 3600, got \(text.debugDescription)") }
            scenario.speed = speed
        }
        if let text = arguments.value("duration") {
            guard let seconds = Scenario.seconds(text), seconds > 0 else { throw UsageError("--duration must be a duration such as 90s or 10m") }
            scenario.duration = seconds
        }
        let url = arguments.value("url") ?? ProcessInfo.processInfo.environment["VIGIL_SIMULATE_URL"] ?? "ws://127.0.0.1:9000/ocpp/"
        let quiet = arguments.has("quiet")
        let simulator: FleetSimulator
        do {
            simulator = try FleetSimulator(scenario: scenario, personalities: personalities, url: url) { line in
                if !quiet { printLine(line) }
            }
        } catch {
            throw CommandFailure(description: "\(error)")
        }
        let summary = await simulator.run()
        printLine("summary")
        for line in FleetSimulator.describe(summary) { printLine("  " + line) }
        return 0
    }
}
