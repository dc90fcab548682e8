import DomainEvents
import Foundation

/// The event log shared by several nodes (`EventLog.Source.shared`): the node that runs the
/// remediation reads every node's events from the store in sequence order. PostgreSQL commits
/// Vigil's writes in the order their ids were drawn (each writing transaction holds the
/// schema's advisory lock from BEGIN to COMMIT), so reading after the newest event seen never
/// skips one that commits later.
extension EventLog {
    /// Starts consuming on this node: every registered consumer is registered again from its
    /// stored cursor (another node may have consumed since) and appends wait for them from now
    /// on. Run `tail` beside it. A consumer with a cursor of its own (the rule runner's state)
    /// registers again after this.
    public func activate() async throws {
        let consumers = state.withLock { state -> [(String, @Sendable (DomainEvent) -> Bool)] in
            state.active = true
            state.sharedBacklog = 0
            return state.consumers.map { ($0.name, $0.accepts) }
        }
        for (name, accepts) in consumers { try await register(name, accepts: accepts) }
    }

    /// Whether this node's consumers take events.
    public var isActive: Bool { state.withLock { $0.active } }

    /// Reads the store's log after the oldest position any consumer has seen, every `interval`
    /// (sooner while pages come full), and hands each event to the consumers that have not
    /// seen it, until cancelled. Read errors are reported and retried.
    public func tail(every interval: Duration = .milliseconds(5), onError: @escaping @Sendable (Error) -> Void) async {
        while !Task.isCancelled {
            let from = state.withLock { state -> Int? in
                state.active ? state.consumers.map(\.queue.lastSeen).min() : nil
            }
            var full = false
            if let from {
                do {
                    let page = try await store.sequencedEvents(after: from, limit: 5_000)
                    full = page.count == 5_000
                    if !page.isEmpty { handOver(page) }
                } catch {
                    onError(error)
                    try? await Task.sleep(for: .milliseconds(500))
                }
            }
            if !full { try? await Task.sleep(for: interval) }
        }
    }

    private func handOver(_ page: [SequencedEvent]) {
        let woken: [CheckedContinuation<Void, Never>] = state.withLock { state in
            var woken: [CheckedContinuation<Void, Never>] = []
            for event in page {
                state.head = max(state.head, event.sequence)
                state.offer(event, onlyUnseen: true, waking: &woken)
            }
            return woken
        }
        woken.forEach { $0.resume() }
    }
}
