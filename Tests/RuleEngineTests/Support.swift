import Foundation
import RuleEngine

let t0 = Date(timeIntervalSince1970: 1_767_225_600) // 2026-01-01T00:00:00Z

/// Loads rules from YAML text, failing the test with every error if it does not load.
func rules(_ yaml: String, file: String = "test.yaml") throws -> RuleSet {
    switch RuleSet.load(files: [(file, yaml)]) {
    case .success(let set): return set
    case .failure(let error): throw error
    }
}

/// The errors `rules check` would print for `yaml`.
func problems(_ yaml: String, file: String = "bad.yaml") -> [String] {
    switch RuleSet.load(files: [(file, yaml)]) {
    case .success: return []
    case .failure(let error): return error.errors.map(\.description)
    }
}

/// An event `seconds` after t0 on station CP-1 (site north) unless said otherwise.
func event(_ kind: EventKind, at seconds: Int, station: String = "CP-1", connector: Int? = nil, site: String? = "north",
           vendor: String? = nil, model: String? = nil, id: String? = nil, _ fields: [String: FieldValue] = [:]) -> DomainEvent {
    DomainEvent(id: id ?? "\(kind.rawValue)@\(seconds)", kind: kind, time: t0.addingTimeInterval(TimeInterval(seconds)),
                station: station, connector: connector, site: site, vendor: vendor, model: model, fields: fields)
}

func faulted(at seconds: Int, connector: Int = 1, station: String = "CP-1", code: String = "InternalError") -> DomainEvent {
    event(.statusChanged, at: seconds, station: station, connector: connector, ["to": .string("Faulted"), "ocppErrorCode": .string(code)])
}

func available(at seconds: Int, connector: Int = 1, station: String = "CP-1") -> DomainEvent {
    event(.statusChanged, at: seconds, station: station, connector: connector, ["to": .string("Available"), "ocppErrorCode": .string("NoError")])
}

/// Drives an engine the way `vigil serve` does (ticks at every deadline) and records
/// decisions as "+SECONDS rule kind [action] target" lines.
struct Timeline {
    var engine: RuleEngine
    var state = RuleEngineState()
    var decisions: [Decision] = []

    init(_ ruleSet: RuleSet, catalog: VendorCatalogStub? = nil, environment: RuleEnvironment = RuleEnvironment()) {
        engine = RuleEngine(ruleSet: ruleSet, catalog: catalog?.catalog, environment: environment)
        engine.start(at: t0, state: &state)
    }

    mutating func send(_ events: DomainEvent...) { send(events) }

    mutating func send(_ events: [DomainEvent]) {
        for event in events {
            advance(to: event.time, inclusive: false)
            decisions += engine.evaluate(event, state: &state, now: event.time)
        }
    }

    mutating func advance(to limit: Date, inclusive: Bool = true) {
        while let due = engine.nextDeadline(state), inclusive ? due <= limit : due < limit {
            decisions += engine.tick(at: due, state: &state)
        }
    }

    mutating func advance(toSecond seconds: Int) { advance(to: t0.addingTimeInterval(TimeInterval(seconds))) }

    var lines: [String] { decisions.map(Self.line) }

    static func line(_ decision: Decision) -> String {
        var text = "+\(Int(decision.time.timeIntervalSince(t0))) \(decision.rule) \(decision.kind.rawValue)"
        if let action = decision.action { text += " \(action.label)" }
        return text + " \(decision.target.key)"
    }
}
