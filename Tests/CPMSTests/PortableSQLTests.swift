import DomainEvents
import Foundation
import Remediation
import StoreTesting
import Synchronization
import Testing
@testable import CPMS
import Store

/// The domain's SQL must run on another engine later (PostgreSQL), so it may use only what
/// engines share. A workload of every hot path runs through a `SQLDatabase` that forwards to
/// SQLite and records each statement; none may use SQLite's own vocabulary.
@Suite struct PortableSQLTests {
    /// Forwards to SQLite, recording every statement the domain sends.
    final class RecordingDatabase: SQLDatabase {
        let inner: any SQLDatabase
        /// Migrations go through `execute` (their DDL is per engine) and are not recorded.
        var statements: [String] = []
        init(_ inner: any SQLDatabase) { self.inner = inner }

        var location: String { inner.location }
        func execute(_ sql: String) throws { try inner.execute(sql) }   // migrations: DDL is per engine
        func run(_ sql: String, _ values: [any SQLBindable]) throws { note(sql); try inner.run(sql, values) }
        func rows(_ sql: String, _ values: [any SQLBindable]) throws -> [[SQLValue]] { note(sql); return try inner.rows(sql, values) }
        func insert(_ sql: String, _ values: [any SQLBindable]) throws -> Int { note(sql); return try inner.insert(sql, values) }
        func transaction<T>(_ body: () throws -> T) throws -> T { try inner.transaction(body) }
        var isInTransaction: Bool { inner.isInTransaction }
        func schemaVersion() throws -> Int { try inner.schemaVersion() }
        func setSchemaVersion(_ version: Int) throws { try inner.setSchemaVersion(version) }
        var engine: SQLEngine { inner.engine }
        func beginTransaction() throws { try inner.beginTransaction() }
        func commitTransaction() throws { try inner.commitTransaction() }
        func rollbackTransaction() { inner.rollbackTransaction() }
        private func note(_ sql: String) { statements.append(sql) }
    }

    static let engineSpecific = ["julianday", "datetime(", "strftime", "PRAGMA", "last_insert_rowid", "rowid", "NOCASE", "OR IGNORE",
                                 "OR REPLACE", "GLOB", "IFNULL", "printf("]

    /// On every engine under test: the workload also has to run there.
    @Test(arguments: TestEngine.all) func everyHotPathUsesPortableSQL(engine: TestEngine) async throws {
        let test = try TestDatabase(engine, name: "portable")
        defer { test.remove() }
        let store = try StationStore(database: RecordingDatabase(try test.connect()))
        let now = "2026-11-26T01:00:00.000Z"
        _ = try await store.recordBoot(id: "CP-1", vendor: "ABB", model: "X", serial: nil, firmware: "1.0", ocppVersion: "ocpp1.6",
                                       reason: nil, registrationForUnknown: "accepted", now: now)
        try await store.recordSeen(id: "CP-1", online: true, now: now)
        _ = try await store.recordClockSample(id: "CP-1", offsetSeconds: 2, now: "2026-01-01T00:00:00.000Z")
        try await store.recordStatus(id: "CP-1", StatusReport(evse: 1, connector: 1, status: .faulted, errorCode: "InternalError",
                                                              vendorId: nil, vendorErrorCode: "E1", info: nil, chargerTime: now), now: now)
        try await store.recordGap(vendor: "ABB", code: "E1", key: "e1", station: "CP-1", now: now)
        try await store.saveToken(IdTokenRecord(token: "CARD-1", status: .accepted), now: now)
        let session = try await store.startSession(station: "CP-1", evse: 1, connector: 1, transactionRef: nil, idToken: "CARD-1",
                                                   authorization: "accepted", startTime: now, meterStartWh: 0, now: now)
        try await store.addSamples(session: session, [MeterSample(at: now, measurand: "Energy.Active.Import.Register", value: 10, unit: "Wh",
                                                                  phase: nil, context: nil)])
        _ = try await store.hasActiveSession(token: "card-1", station: "CP-1", evse: 1, now: now)
        _ = try await store.reportDelay(station: "CP-1", chargerTime: Date(), now: Date())
        try await store.addAnomaly(session: session, "late")
        _ = try await store.stopSession(id: session, stopTime: now, meterStopWh: 100, reason: "Local", now: now)
        _ = try await store.history("CP-1")
        try await store.replaceConnectorTypes([ConnectorTypeAssignment(station: "CP-1", evse: 1, type: .cCCS2)])
        _ = try await store.connectorType(station: "CP-1", evse: 1, connector: 1)
        _ = try await store.connectorTypes()
        _ = try await store.markSilentStationsOffline(before: now, excluding: ["CP-2"])
        _ = try await store.appendEvent(DomainEvent(id: "e1", kind: .heartbeat, time: Date(), station: "CP-1")) { _ in }
        _ = try await store.sequencedEvents(after: 0, limit: 10)
        try await store.saveEventCursor(consumer: "rules", .init(cursor: EventCursor(position: 1), tickedThrough: nil), now: now)
        _ = try await store.eventCursor(consumer: "rules")
        try await store.pruneEvents(olderThanSeconds: 3_600, now: now)
        _ = try await CommandStore(host: store).commandCount(station: "CP-1", actionPrefix: "reset", since: now)
        _ = try await CommandStore(host: store).expireQueuedCommands(now: now)
        MessageLog(store: store).record(station: "CP-1", incoming: true, at: now, text: "[]")
        _ = try await store.flushFrames()
        try await store.pruneMessages(olderThanSeconds: 3_600, now: now, keepAtMost: 10)
        _ = try await store.sessions()
        _ = try await store.sessions(matching: SessionQuery(site: "north", status: .completed, idToken: "CARD",
                                                            from: Date(timeIntervalSince1970: 1_795_000_000),
                                                            to: Date(timeIntervalSince1970: 1_796_000_000), before: 10, limit: 5))
        _ = try await store.stations()
        _ = try await store.availability(station: "CP-1", from: Date(timeIntervalSinceNow: -86_400), to: Date()) { _, _ in [] }
        _ = try await store.sessionMetrics(station: "CP-1", from: Date(timeIntervalSinceNow: -86_400), to: Date(), minEnergyWh: 100,
                                           sites: SiteDirectory()) { _, _ in [] }
        _ = try await store.errorMetrics(from: Date(timeIntervalSinceNow: -86_400), to: Date(), limit: 10, catalog: nil)
        _ = try await CommandStore(host: store).effectiveness(store: store, from: Date(timeIntervalSinceNow: -86_400), to: Date())

        let statements = await store.recordedStatements()
        #expect(statements.count > 20)
        for statement in statements {
            for word in Self.engineSpecific {
                #expect(!statement.localizedCaseInsensitiveContains(word), "\(word) in: \(statement)")
            }
            #expect(Self.unnamedSubqueries(in: statement).isEmpty, "a subquery in FROM without a name (PostgreSQL needs one) in: \(statement)")
            // In an upsert's SET, a bare column is ambiguous to PostgreSQL (the row or excluded): name the table.
            #expect(statement.range(of: #"(?s)DO UPDATE SET.*?[\s,](\w+) = \1\b"#, options: [.regularExpression, .caseInsensitive]) == nil,
                    "an unqualified column in an upsert's SET in: \(statement)")
            for name in PostgresDDL.reservedColumnNames {
                #expect(statement.range(of: "(?<![\"\\w])\(name)(?![\"\\w])", options: [.regularExpression, .caseInsensitive]) == nil,
                        "\(name), a word PostgreSQL reserves, unquoted in: \(statement)")
            }
        }
    }

    /// PostgreSQL (before 16) requires every subquery in FROM or JOIN to be named: `FROM (SELECT …) AS recent`.
    static func unnamedSubqueries(in sql: String) -> [String] {
        let characters = Array(sql)
        var found: [String] = []
        let upper = sql.uppercased()
        var searchStart = upper.startIndex
        while let match = upper.range(of: #"(FROM|JOIN)\s*\("#, options: .regularExpression, range: searchStart..<upper.endIndex) {
            searchStart = match.upperBound
            var index = upper.distance(from: upper.startIndex, to: match.upperBound) - 1
            var depth = 0
            repeat {
                if characters[index] == "(" { depth += 1 } else if characters[index] == ")" { depth -= 1 }
                index += 1
            } while depth > 0 && index < characters.count
            let next = String(characters[index...]).drop(while: \.isWhitespace).prefix(while: { $0.isLetter || $0 == "_" || $0 == ")" }).uppercased()
            if ["", ")", "WHERE", "ORDER", "GROUP", "LIMIT", "UNION", "JOIN", "LEFT", "ON", "HAVING"].contains(String(next)) {
                found.append(String(sql[match.lowerBound...].prefix(60)))
            }
        }
        return found
    }

    @Test func theSubqueryCheckFindsAnUnnamedOne() {
        #expect(Self.unnamedSubqueries(in: "SELECT * FROM (SELECT * FROM t LIMIT ?) ORDER BY id").count == 1)
        #expect(Self.unnamedSubqueries(in: "SELECT * FROM (SELECT * FROM t LIMIT ?) AS recent ORDER BY id").isEmpty)
        #expect(Self.unnamedSubqueries(in: "SELECT * FROM t WHERE id IN (SELECT id FROM u)").isEmpty)
    }
}

extension StationStore {
    /// The statements a `RecordingDatabase` saw (read on the actor that owns it).
    func recordedStatements() -> [String] {
        (database as? PortableSQLTests.RecordingDatabase)?.statements ?? []
    }
}
