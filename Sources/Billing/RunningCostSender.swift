import CPMS
import Synchronization

/// Sends the running cost of priced OCPP 2.0.1 sessions to their stations (`CostUpdated`)
/// inside `vigil serve`. The CPMS tells it of each running session's new meter values
/// (`StationHandlers.runningSessionUpdated`, a TransactionEvent Updated with meter values);
/// `observe` decides at once whether the session is due one (`RunningCostSchedule`: at most
/// one per `interval`) and queues it, so the TransactionEvent's answer never waits for it. `run`
/// takes the queue: it prices the session as it stands (`BillingService.runningCost`, the same
/// path as the Ended answer's `totalCost`) and sends the gross through `CommandService` — after
/// the answer to the station's report, since Vigil's calls wait for answers in progress.
///
/// Not sent: to 1.6 stations (the CPMS never reports their sessions here, and `CommandService`
/// refuses them), for sessions no tariff prices or that delivered no energy yet, for reports the
/// station queued while offline. A station's CALLERROR or silence is reported to `run`'s
/// `report` and otherwise ignored — a station that answers NotImplemented or NotSupported gets
/// none again for that session. It is no remediation: no gates, no command record, no audit.
///
/// The queue holds at most `queueLimit` sessions (one entry per due session); when it is full
/// a new one is dropped and its claim given back, so the session's next report tries again.
public final class RunningCostSender: Sendable {
    /// What became of one due session.
    public enum Outcome: Sendable, Equatable {
        case sent(totalCost: Double)
        /// Nothing to show: not running any more, not billable, no tariff, no energy yet (that
        /// one gives its claim back, so the session's next report is due at once).
        case noPrice
        /// Priced, but the station did not take it.
        case notTaken(totalCost: Double, CostUpdateOutcome)
    }

    public static let queueLimit = 1_024
    /// How long a station may take to answer; until then Vigil's next call to it waits.
    public static let answerTimeout: Duration = .seconds(10)
    /// Sends in flight at once, so that one silent station does not hold up the others.
    public static let concurrentSends = 16

    private let billing: BillingService
    private let commands: CommandService
    private let now: @Sendable () -> ContinuousClock.Instant
    private let schedule: Mutex<RunningCostSchedule>
    /// Transactions whose Ended has arrived (`station|transactionId`), newest last, at most
    /// `endedLimit`: a running cost for one of them is not sent.
    private let ended = Mutex<(set: Set<String>, order: [String])>(([], []))
    static let endedLimit = 4_096
    private let queue: AsyncStream<RunningSessionUpdate>
    private let input: AsyncStream<RunningSessionUpdate>.Continuation

    public init(billing: BillingService, commands: CommandService, interval: Duration,
                now: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now }) {
        self.billing = billing
        self.commands = commands
        self.now = now
        schedule = Mutex(RunningCostSchedule(interval: interval))
        (queue, input) = AsyncStream.makeStream(of: RunningSessionUpdate.self, bufferingPolicy: .bufferingOldest(Self.queueLimit))
    }

    /// A running session's new meter values: queues its running cost when one is due. Returns
    /// at once (it is called on the TransactionEvent's answer path).
    public func observe(_ update: RunningSessionUpdate) {
        let instant = now()
        guard schedule.withLock({ $0.claim(session: update.session, at: instant) }) else { return }
        if case .enqueued = input.yield(update) { return }
        schedule.withLock { $0.release(session: update.session) }   // queue full, or the sender stopped
    }

    /// A transaction's Ended has arrived (`StationHandlers.transactionEnding`, before its answer):
    /// its running cost is not sent from now on. A CostUpdated already submitted went out ahead
    /// of the Ended's answer (Vigil's calls wait only for answers begun before them), while the
    /// charger still ran the transaction; one submitted later would follow the answer.
    public func transactionEnding(station: String, transactionId: String) {
        let key = "\(station)|\(transactionId)"
        ended.withLock { ended in
            guard ended.set.insert(key).inserted else { return }
            ended.order.append(key)
            if ended.order.count > Self.endedLimit {
                let dropped = ended.order.prefix(ended.order.count - Self.endedLimit)
                ended.set.subtract(dropped)
                ended.order.removeFirst(dropped.count)
            }
        }
    }

    func hasEnded(_ update: RunningSessionUpdate) -> Bool {
        ended.withLock { $0.set.contains("\(update.station)|\(update.transactionId)") }
    }

    /// Sends what `observe` queues until the task is cancelled or `finish` is called, at most
    /// `concurrentSends` at a time. Run it once. On cancellation the sends in flight end within
    /// `answerTimeout`.
    public func run(report: @escaping @Sendable (RunningSessionUpdate, Outcome) -> Void) async {
        await withTaskGroup(of: Void.self) { group in
            var inFlight = 0
            for await update in queue {
                if inFlight >= Self.concurrentSends {
                    await group.next()
                    inFlight -= 1
                }
                group.addTask { report(update, await self.send(update)) }
                inFlight += 1
            }
        }
    }

    /// Ends `run` once the queue is empty (tests; serve cancels instead).
    public func finish() {
        input.finish()
    }

    /// Prices `update`'s session as it stands and sends the gross. A session that has delivered
    /// nothing yet gives its claim back: its next report may have something to show.
    func send(_ update: RunningSessionUpdate) async -> Outcome {
        guard let until = Instant.parse(update.chargerTime), !hasEnded(update) else { return .noPrice }
        let totalCost: Double
        switch await billing.runningCost(session: update.session, until: until) {
        case .cost(let cost): totalCost = cost
        case .nothingDeliveredYet:
            schedule.withLock { $0.release(session: update.session) }
            return .noPrice
        case .none: return .noPrice
        }
        // Checked again after pricing (which reads the store): the Ended may have begun meanwhile.
        guard !hasEnded(update) else { return .noPrice }
        let outcome = await commands.sendCostUpdated(totalCost: totalCost, transactionId: update.transactionId, to: update.station,
                                                     timeout: Self.answerTimeout)
        guard outcome == .accepted else {
            if outcome.isUnsupported {
                let instant = now()
                schedule.withLock { $0.markUnsupported(session: update.session, at: instant) }
            }
            return .notTaken(totalCost: totalCost, outcome)
        }
        return .sent(totalCost: totalCost)
    }
}
