import Audit
import Foundation
import Store

/// The other half of checking the side tables against the trail: every decision and command the
/// audit trail names must still have its record. Nothing in Vigil deletes a decision or a
/// command record (they have no retention), so one that is gone was deleted outside Vigil —
/// which no listing can show, as listings show rows. `vigil audit verify` reports them.
public enum TrailRecords {
    /// A record the trail names and the table no longer has.
    public struct Missing: Sendable, Equatable, CustomStringConvertible {
        public enum Kind: String, Sendable { case decision, command }
        public var kind: Kind
        public var id: Int
        /// The entries that name it, oldest first.
        public var entries: [Int]

        public var description: String {
            "\(kind.rawValue) #\(id) (audit entr\(entries.count == 1 ? "y" : "ies") \(entries.map { "#\($0)" }.joined(separator: ", ")))"
        }
    }

    /// The decisions and commands `entries` name, each with the entries naming it.
    static func named(in entries: [AuditEntry]) -> (decisions: [Int: [Int]], commands: [Int: [Int]]) {
        var decisions: [Int: [Int]] = [:]
        var commands: [Int: [Int]] = [:]
        for entry in entries {
            if entry.record.kind == "decision", let id = DecisionTrail.decisionId(in: entry.record.details) {
                decisions[id, default: []].append(entry.id)
            } else if let step = CommandTrail.step(entry) {
                commands[step.command, default: []].append(entry.id)
            }
        }
        return (decisions, commands)
    }

    /// The records `entries` name that the database does not hold, decisions first, each by id.
    public static func missing(named entries: [AuditEntry], in host: any DatabaseHost) async throws -> [Missing] {
        let (decisions, commands) = named(in: entries)
        let presentDecisions = try await present(Array(decisions.keys), table: "decisions", schema: DecisionStore.schema, host: host)
        let presentCommands = try await present(Array(commands.keys), table: "remediation_commands", schema: CommandStore.schema, host: host)
        let gone = decisions.filter { !presentDecisions.contains($0.key) }.map { Missing(kind: .decision, id: $0.key, entries: $0.value) }
            .sorted { $0.id < $1.id }
        let goneCommands = commands.filter { !presentCommands.contains($0.key) }.map { Missing(kind: .command, id: $0.key, entries: $0.value) }
            .sorted { $0.id < $1.id }
        return gone + goneCommands
    }

    /// Which of `ids` the table holds, asked in chunks.
    static func present(_ ids: [Int], table: String, schema: SchemaTrack, host: any DatabaseHost) async throws -> Set<Int> {
        guard !ids.isEmpty else { return [] }
        return try await host.withDatabase(schema: schema) { database in
            var found = Set<Int>()
            for start in stride(from: 0, to: ids.count, by: 500) {
                let chunk = Array(ids[start..<min(start + 500, ids.count)])
                let marks = Array(repeating: "?", count: chunk.count).joined(separator: ", ")
                for row in try database.rows("SELECT id FROM \(table) WHERE id IN (\(marks))", chunk) {
                    if let id = row.first?.int { found.insert(id) }
                }
            }
            return found
        }
    }
}
