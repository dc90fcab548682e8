import Audit
import CPMS
import Foundation
import Store

extension CommandTrail {
    /// What the trail holds for a set of command records: each command's steps, oldest first,
    /// and the findings of comparing each record with them (`check`), including entries whose
    /// content no longer matches their own hash.
    public struct Reading: Sendable {
        public var steps: [Int: [Step]] = [:]
        public var findings: [Int: [Finding]] = [:]
        public var hasFindings: Bool { findings.values.contains { !$0.isEmpty } }
    }

    /// Reads the entries of `rows`' stations written since the oldest of them (an hour early,
    /// for clock steps) and checks every row against its steps; a row without steps is judged
    /// only when an older row has some (records from before entries named commands are not).
    public static func read(for rows: [CommandRow], from host: any DatabaseHost) async throws -> Reading {
        var reading = Reading()
        let audit = AuditStore(host: host)
        for (station, stationRows) in Dictionary(grouping: rows, by: \.station) {
            let oldest = stationRows.map(\.createdAt).min() ?? ""
            let from = StoreTime.parse(oldest).map { StoreTime.format($0.addingTimeInterval(-3_600)) }
            let wanted = Set(stationRows.map(\.id))
            for entry in try await audit.auditEntries(AuditQuery(from: from, station: station, limit: 1_000_000)) {
                guard let step = step(entry), wanted.contains(step.command) else { continue }
                let expected = AuditChain.hash(id: entry.id, at: entry.at, record: entry.record, previousHash: entry.previousHash,
                                               encoding: entry.encoding)
                if expected != entry.hash {
                    reading.findings[step.command, default: []].append(Finding(
                        command: step.command, problem: "audit entry #\(entry.id) no longer matches its hash (edited; run `vigil audit verify`)"))
                }
                reading.steps[step.command, default: []].append(step)
            }
        }
        // Commands recorded before entries named them have no steps; one recorded after an older
        // command that has steps must have its own.
        let firstTracked = rows.filter { reading.steps[$0.id] != nil }.map(\.id).min()
        for row in rows {
            let steps = reading.steps[row.id] ?? []
            if steps.isEmpty, let firstTracked, row.id > firstTracked {
                reading.findings[row.id, default: []].append(Finding(command: row.id, problem: "no audit entry names this command"))
            }
            reading.findings[row.id, default: []] += check(row, steps: steps)
        }
        return reading
    }
}
