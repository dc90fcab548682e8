import DomainEvents
import Foundation

/// A connector's faults over a range as episodes — when each began, with which code, and when
/// the connector recovered — from its status reports: a pure calculation (no I/O, no clock).
///
/// - An episode begins with a Faulted report while the connector was not faulted (its first
///   report in the range counts against the status carried in from before the range, so a
///   fault already open at the start is not a new one). Further Faulted reports, whatever
///   their code, belong to the open episode: its code is the first one's.
/// - It ends — the connector **recovered** — at the first later report that is neither
///   Faulted nor Unavailable (Unavailable is what an operator's or Vigil's disable produces:
///   it proves nothing about the fault, as for the store's open faults). Time to recovery is
///   end − begin; an episode still open at the end of the reports has none.
/// - Times are Vigil's receipt times (one clock for every station), as for availability.
public enum FaultEpisodes {
    /// A status report with what a fault needs.
    public struct Report: Sendable, Equatable {
        public var at: Date
        public var status: ConnectorStatus
        public var errorCode: String?
        public var vendorErrorCode: String?

        public init(at: Date, status: ConnectorStatus, errorCode: String? = nil, vendorErrorCode: String? = nil) {
            self.at = at
            self.status = status
            self.errorCode = errorCode
            self.vendorErrorCode = vendorErrorCode
        }
    }

    /// One fault of one connector.
    public struct Episode: Sendable, Equatable {
        public var start: Date
        /// When the connector recovered; nil while it had not.
        public var recovered: Date?
        /// The OCPP error code of the report that opened it (1.6 errorCode; 2.0.1 has none
        /// in a status report and says nil).
        public var ocppErrorCode: String?
        /// The vendor's code of that report, nil or empty when it gave none.
        public var vendorErrorCode: String?

        public init(start: Date, recovered: Date?, ocppErrorCode: String?, vendorErrorCode: String?) {
            self.start = start
            self.recovered = recovered
            self.ocppErrorCode = ocppErrorCode
            self.vendorErrorCode = vendorErrorCode
        }

        /// The code the episode is known by: the vendor's when it gave one, else the OCPP
        /// error code, else `Faulted`.
        public var code: String {
            if let vendor = vendorErrorCode?.trimmingCharacters(in: .whitespaces), !vendor.isEmpty { return vendor }
            if let ocpp = ocppErrorCode, !ocpp.isEmpty, ocpp != "NoError" { return ocpp }
            return "Faulted"
        }

        public var secondsToRecovery: Double? { recovered.map { $0.timeIntervalSince(start) } }
    }

    /// A 2.0.1 fault as the station reports its cause: a monitored variable's problem raised by
    /// NotifyEvent (code `Component/Variable`, the vendor's `techCode`) and cleared later.
    public struct Problem: Sendable, Equatable {
        public var start: Date
        public var cleared: Date?
        public var code: String
        public var vendorErrorCode: String?

        public init(start: Date, cleared: Date?, code: String, vendorErrorCode: String?) {
            self.start = start
            self.cleared = cleared
            self.code = code
            self.vendorErrorCode = vendorErrorCode
        }
    }

    /// How long before a Faulted status report its cause may be reported (a station sends its
    /// NotifyEvent and its StatusNotification in either order).
    public static let causeLead: TimeInterval = 60

    /// 2.0.1 puts a fault's cause in NotifyEvent, not in the status report: each of
    /// `episodes` without a code of its own takes the code of the one of `problems` (those that
    /// concern its connector: its EVSE's and the station's) raised nearest its start, among
    /// those raised while it lasted — from its start less `causeLead` (the two messages come in
    /// either order) to its recovery — or raised before and cleared only after it began (a
    /// problem never cleared counts only while it was raised near or during the episode: it
    /// would otherwise claim every later fault). Returns the indices of `problems` some episode
    /// covers; the others are faults of their own (from their raise to their clear).
    public static func attach(_ problems: [Problem], to episodes: inout [Episode]) -> Set<Int> {
        var covered = Set<Int>()
        for index in episodes.indices {
            let episode = episodes[index]
            let from = episode.start.addingTimeInterval(-causeLead), until = episode.recovered ?? .distantFuture
            let spans = problems.indices.filter { offset in
                let problem = problems[offset]
                guard problem.start <= until else { return false }
                if problem.start >= from { return true }
                return problem.cleared.map { $0 >= from } ?? false
            }
            covered.formUnion(spans)
            // Of those, the one raised nearest the episode's start (the earlier on a tie: stable).
            guard episode.code == "Faulted", let cause = spans.min(by: {
                let (a, b) = (abs(problems[$0].start.timeIntervalSince(episode.start)), abs(problems[$1].start.timeIntervalSince(episode.start)))
                return a != b ? a < b : problems[$0].start < problems[$1].start
            }) else { continue }
            episodes[index].ocppErrorCode = problems[cause].code
            episodes[index].vendorErrorCode = problems[cause].vendorErrorCode
        }
        return covered
    }

    /// The episodes of one connector's `reports` (any order; sorted by time, stable), given the
    /// status it had before the first (`statusBefore`; nil when unknown: not faulted).
    public static func episodes(_ reports: [Report], statusBefore: ConnectorStatus?) -> [Episode] {
        let sorted = reports.enumerated().sorted { ($0.element.at, $0.offset) < ($1.element.at, $1.offset) }.map(\.element)
        var faulted = statusBefore == .faulted
        var episodes: [Episode] = []
        var open: Episode?
        for report in sorted {
            if report.status == .faulted {
                if !faulted {
                    open = Episode(start: report.at, recovered: nil, ocppErrorCode: report.errorCode, vendorErrorCode: report.vendorErrorCode)
                }
                faulted = true
            } else if report.status != .unavailable && faulted {
                faulted = false
                if var episode = open {
                    episode.recovered = report.at
                    episodes.append(episode)
                    open = nil
                }
            }
        }
        if let open { episodes.append(open) }
        return episodes
    }
}
