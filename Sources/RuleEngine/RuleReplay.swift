import DomainEvents
import Foundation

/// Feeds recorded events through an engine the way `vigil serve`'s rule runner evaluates them:
/// the deadlines falling due before an event are ticked first, then the event is evaluated at
/// its own time. `vigil rules replay` and the tests that compare a replay with what serve
/// decided use it, so both sides follow one definition. Pure: the events bring the time.
public struct RuleReplay {
    public let engine: RuleEngine
    public private(set) var state: RuleEngineState
    private var started = false

    public init(engine: RuleEngine, state: RuleEngineState = RuleEngineState()) {
        self.engine = engine
        self.state = state
    }

    /// The decisions of the deadlines before `event`, then of `event` itself. The first event
    /// marks the engine's start (absence rules wait out their warm-up from there).
    public mutating func feed(_ event: DomainEvent) -> [Decision] {
        if !started {
            engine.start(at: event.time, state: &state)
            started = true
        }
        var decisions: [Decision] = []
        while let due = engine.nextDeadline(state), due < event.time {
            decisions += engine.tick(at: due, state: &state)
        }
        return decisions + engine.evaluate(event, state: &state, now: event.time)
    }

    /// The decisions of every deadline up to `time` (the end of a replayed range).
    public mutating func finish(through time: Date) -> [Decision] {
        var decisions: [Decision] = []
        while let due = engine.nextDeadline(state), due <= time {
            decisions += engine.tick(at: due, state: &state)
        }
        return decisions
    }
}
