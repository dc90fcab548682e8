import Audit
import CPMS
import Foundation
import Store

/// One command and its fate (`remediation_commands`).
public struct CommandRow: Sendable, Equatable {
    public var id: Int
    public var decisionId: Int?
    public var createdAt: String
    public var rule: String
    public var station: String
    public var connector: Int?
    public var site: String?
    public var action: String
    public var argument: String?
    public var status: CommandStatus
    public var expiresAt: String?
    public var detail: String?
    public var code: String?
    /// What verification said: nil while no verdict is recorded.
    public var verified: Bool?
    /// Whether the record says if the rung had a check (records written before that was kept
    /// do not; `verification(at:)` then says so instead of guessing).
    public var checkRecorded: Bool = false
    /// When the rung's check ends (RFC 3339 UTC); nil when the rung defines none.
    public var verifyUntil: String?
    /// The verdict's evidence: the verifying event and what it was, or why the check failed.
    public var verifiedBy: String?
    /// The hash of the rule version that decided it (`RuleVersion`); nil for records written
    /// before it was kept.
    public var ruleHash: String? = nil
}

/// A command about to be recorded, before it is sent (write-ahead).
public struct NewCommand: Sendable {
    public var decisionId: Int?
    public var rule: String
    public var station: String
    public var connector: Int?
    public var site: String?
    public var action: String
    public var argument: String?
    public var status: CommandStatus
    public var expiresAt: String?
    public var detail: String?
    public var vendor: String?
    public var model: String?
    public var code: String?
    /// When the rung's check ends (`DecidedAction.verifyUntil`); nil: the rung defines no check.
    public var verifyUntil: String?
    /// The hash of the rule version that decided it.
    public var ruleHash: String?

    public init(decisionId: Int?, rule: String, station: String, connector: Int?, site: String?, action: String, argument: String?,
                status: CommandStatus, expiresAt: String? = nil, detail: String? = nil, vendor: String? = nil, model: String? = nil,
                code: String? = nil, verifyUntil: String? = nil, ruleHash: String? = nil) {
        self.ruleHash = ruleHash
        self.decisionId = decisionId
        self.rule = rule
        self.station = station
        self.connector = connector
        self.site = site
        self.action = action
        self.argument = argument
        self.status = status
        self.expiresAt = expiresAt
        self.detail = detail
        self.vendor = vendor
        self.model = model
        self.code = code
        self.verifyUntil = verifyUntil
    }
}

/// The remediation executor's durable records, a table this module owns (`remediation_commands`):
/// every command it decided to send, written before it is sent (so a crash can never make it
/// forget one), with its fate; the offline queue; and what verification later said of it. Run
/// on the process's `DatabaseHost` (the writer; the safety gates read through the read-only one).
/// The table predates schema tracks (the CPMS list made it); changes from now on are this
/// module's "remediation-commands" track.
public struct CommandStore: Sendable {
    let host: any DatabaseHost

    public init(host: any DatabaseHost) {
        self.host = host
    }

    public static let schema = SchemaTrack(name: "remediation-commands", migrations: [
        Migration(version: 1, name: "each command's check: whether the rung had one, until when, and what verified it", sql: """
            ALTER TABLE remediation_commands ADD COLUMN check_recorded INTEGER NOT NULL DEFAULT 0;
            ALTER TABLE remediation_commands ADD COLUMN verify_until TEXT;
            ALTER TABLE remediation_commands ADD COLUMN verified_by TEXT;
            """),
        Migration(version: 2, name: "the hash of the rule version that decided each command", sql: """
            ALTER TABLE remediation_commands ADD COLUMN rule_hash TEXT;
            """),
    ])

    /// Records a command; nil when a command for the same decision exists already (a decision
    /// delivered twice is acted on once).
    public func insertCommand(_ command: NewCommand, now: String) async throws -> Int? {
        try await host.withDatabase(schema: Self.schema) { database in
            try database.transaction { try CommandStore.insertCommandRow(command, now: now, into: database) }
        }
    }

    /// `insertCommand`, with the audit entry `audit` makes from the new command's id appended in
    /// the same transaction: the write-ahead record and its entry are durable together.
    public func insertCommand(_ command: NewCommand, now: String, audit signing: AuditSigning,
                              entry: @Sendable (Int) -> AuditRecord) async throws -> Int? {
        try await host.withDatabase(schema: Self.schema) { database in
            try database.transaction {
                guard let id = try CommandStore.insertCommandRow(command, now: now, into: database) else { return nil }
                _ = try AuditTables.insert([entry(id)], signing, into: database)
                return id
            }
        }
    }

    static func insertCommandRow(_ command: NewCommand, now: String, into database: any SQLDatabase) throws -> Int? {
        if let decisionId = command.decisionId,
           !(try database.rows("SELECT 1 FROM remediation_commands WHERE decision_id = ?", decisionId).isEmpty) {
            return nil
        }
        return try database.insert("""
            INSERT INTO remediation_commands (decision_id, created_at, rule, station, connector, site, action, argument, status,
                                              expires_at, detail, vendor, model, code, check_recorded, verify_until, rule_hash)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)
            """, command.decisionId, now, command.rule, command.station, command.connector, command.site, command.action,
            command.argument, command.status.rawValue, command.expiresAt, command.detail, command.vendor, command.model, command.code,
            command.verifyUntil, command.ruleHash)
    }

    public func updateCommand(id: Int, status: CommandStatus, detail: String?, sent: Bool = false, finished: Bool = false, now: String) async throws {
        try await host.withDatabase(schema: Self.schema) { database in
            try CommandStore.updateCommandRow(id: id, status: status, detail: detail, sent: sent, finished: finished, now: now, in: database)
        }
    }

    static func updateCommandRow(id: Int, status: CommandStatus, detail: String?, sent: Bool = false, finished: Bool = false, now: String,
                                 in database: any SQLDatabase) throws {
        try database.run("""
            UPDATE remediation_commands SET status = ?, detail = coalesce(?, detail),
                sent_at = CASE WHEN ? THEN ? ELSE sent_at END, finished_at = CASE WHEN ? THEN ? ELSE finished_at END
            WHERE id = ?
            """, status.rawValue, detail, sent, now, finished, now, id)
    }

    static let commandColumns = """
        SELECT id, decision_id, created_at, rule, station, connector, site, action, argument, status, expires_at, detail, code, verified,
               check_recorded, verify_until, verified_by, rule_hash
        FROM remediation_commands
        """

    static func commandRow(_ row: [SQLValue]) -> CommandRow {
        CommandRow(id: row[0].int ?? 0, decisionId: row[1].int, createdAt: row[2].text ?? "", rule: row[3].text ?? "",
                   station: row[4].text ?? "", connector: row[5].int, site: row[6].text, action: row[7].text ?? "",
                   argument: row[8].text, status: row[9].text.flatMap(CommandStatus.init(rawValue:)) ?? .unknown, expiresAt: row[10].text, detail: row[11].text,
                   code: row[12].text, verified: row[13].int.map { $0 == 1 }, checkRecorded: row[14].int == 1, verifyUntil: row[15].text,
                   verifiedBy: row[16].text, ruleHash: row[17].text)
    }

    /// Commands waiting for their station to come back, oldest first.
    public func queuedCommands(station: String) async throws -> [CommandRow] {
        try await host.withDatabase(schema: Self.schema) { database in
            try database.rows(CommandStore.commandColumns + " WHERE station = ? AND status = 'queued' ORDER BY id", station).map(CommandStore.commandRow)
        }
    }

    /// The stations with a command waiting in the offline queue.
    public func stationsWithQueuedCommands() async throws -> Set<String> {
        try await host.withDatabase(schema: Self.schema) { database in
            Set(try database.rows("SELECT DISTINCT station FROM remediation_commands WHERE status = 'queued'").compactMap { $0.first?.text })
        }
    }

    /// Each station's newest reset since `since` that the station took or may have taken
    /// (accepted, scheduled, timed out, unknown, or sent while it was away): what a boot may
    /// follow from.
    public func latestResets(since: String) async throws -> [String: CommandRow] {
        try await host.withDatabase(schema: Self.schema) { database in
            var latest: [String: CommandRow] = [:]
            for row in try database.rows(CommandStore.commandColumns + """
                 WHERE action = 'reset' AND status IN ('accepted', 'scheduled', 'timedOut', 'unknown', 'notConnected') AND created_at >= ?
                 ORDER BY id
                """, since).map(CommandStore.commandRow) {
                latest[row.station] = row
            }
            return latest
        }
    }

    /// The newest reset of `station` created since `since` that went out (sent, accepted or
    /// scheduled): one a later reset of the station can join. Not one still pending or queued:
    /// it may never go out.
    public func recentReset(station: String, since: String) async throws -> CommandRow? {
        try await host.withDatabase(schema: Self.schema) { database in
            try database.rows(CommandStore.commandColumns + """
                 WHERE station = ? AND action = 'reset' AND status IN ('sent', 'accepted', 'scheduled')
                   AND \(StoreTime.seconds("created_at")) >= \(StoreTime.seconds("?"))
                 ORDER BY id DESC LIMIT 1
                """, station, since).map(CommandStore.commandRow).first
        }
    }

    /// Queued commands whose time to live has run out; they are marked expired.
    public func expireQueuedCommands(now: String) async throws -> [CommandRow] {
        try await host.withDatabase(schema: Self.schema) { database in
            let rows = try database.rows(CommandStore.commandColumns + " WHERE status = 'queued' AND \(StoreTime.seconds("expires_at")) <= \(StoreTime.seconds("?"))", now)
                .map(CommandStore.commandRow)
            for row in rows {
                try CommandStore.updateCommandRow(id: row.id, status: .expired, detail: "the station did not reconnect in time", finished: true,
                                                  now: now, in: database)
            }
            return rows
        }
    }

    /// Commands left `pending` by a crash between recording and sending: the station may or may
    /// not have received them, so they count against budgets and are marked `unknown`; returns them as they were.
    public func markInterruptedCommands(now: String) async throws -> [CommandRow] {
        try await host.withDatabase(schema: Self.schema) { database in
            let rows = try database.rows(CommandStore.commandColumns + " WHERE status = 'pending' ORDER BY id").map(CommandStore.commandRow)
            try database.run("""
                UPDATE remediation_commands SET status = 'unknown', detail = 'Vigil stopped between recording and confirming this command',
                    finished_at = ? WHERE status = 'pending'
                """, now)
            return rows
        }
    }

    /// How many commands of `action` (a prefix such as "reset", compared exactly — not LIKE,
    /// whose case rules differ between the engines) went to `station` since `since`, including
    /// those whose fate is unknown.
    /// (`excluding`: a command being decided on, already claimed `pending`, is not its own budget.)
    public func commandCount(station: String, actionPrefix: String, since: String, excluding: Int? = nil) async throws -> Int {
        try await host.withDatabase(schema: Self.schema) { database in
            try database.rows("""
                SELECT count(*) FROM remediation_commands WHERE station = ? AND substr(action, 1, length(?)) = ?
                  AND status IN ('pending', 'sent', 'accepted', 'scheduled', 'rejected', 'timedOut', 'failed', 'unknown', 'notConnected')
                  AND \(StoreTime.seconds("created_at")) >= \(StoreTime.seconds("?")) AND id <> ?
                """, station, actionPrefix, actionPrefix, since, excluding ?? -1).first?.first?.int ?? 0
        }
    }

    /// Claims a queued command for sending (`pending`): true when it was still queued — not
    /// expired, nor claimed by another pass meanwhile.
    public func claimQueued(id: Int, now: String) async throws -> Bool {
        try await host.withDatabase(schema: Self.schema) { database in
            try database.transaction {
                guard try database.rows("SELECT status FROM remediation_commands WHERE id = ?", id).first?.first?.text == CommandStatus.queued.rawValue
                else { return false }
                try CommandStore.updateCommandRow(id: id, status: .pending, detail: "claimed: its station reconnected; checking the gates", now: now, in: database)
                return true
            }
        }
    }

    /// The latest command a rule sent to a target, for linking a verification to it.
    public func lastCommand(rule: String, station: String, connector: Int?) async throws -> CommandRow? {
        try await host.withDatabase(schema: Self.schema) { database in
            try database.rows(CommandStore.commandColumns + """
                 WHERE rule = ? AND station = ? AND ((? IS NULL AND connector IS NULL) OR connector = ?)
                   AND status IN ('accepted', 'scheduled', 'sent', 'timedOut', 'unknown', 'joined') ORDER BY id DESC LIMIT 1
                """, rule, station, connector, connector).first.map(CommandStore.commandRow)
        }
    }

    public func setCommandExpiry(id: Int, _ expiresAt: String) async throws {
        try await host.withDatabase(schema: Self.schema) { database in
            try database.run("UPDATE remediation_commands SET expires_at = ? WHERE id = ?", expiresAt, id)
        }
    }

    /// Records verification's verdict on a command and its evidence (`by`: the verifying event,
    /// or why the check failed).
    public func setVerified(commandId: Int, _ verified: Bool, by evidence: String? = nil) async throws {
        try await host.withDatabase(schema: Self.schema) { database in
            try database.run("UPDATE remediation_commands SET verified = ?, verified_by = ? WHERE id = ?", verified, evidence, commandId)
        }
    }

    /// Recent commands, newest last: the `limit` newest of those matching every filter given
    /// (`from` and `to` in the stored form, inclusive, on the time the command was recorded).
    public func commands(station: String? = nil, status: CommandStatus? = nil, from: String? = nil, to: String? = nil,
                         limit: Int = 100) async throws -> [CommandRow] {
        try await host.withDatabase(schema: Self.schema) { database in
            try database.rows("SELECT * FROM (" + CommandStore.commandColumns + """
                 WHERE (? IS NULL OR station = ?) AND (? IS NULL OR status = ?) AND (? IS NULL OR created_at >= ?)
                   AND (? IS NULL OR created_at <= ?)
                 ORDER BY id DESC LIMIT ?) AS recent ORDER BY id
                """, station, station, status?.rawValue, status?.rawValue, from, from, to, to, limit).map(CommandStore.commandRow)
        }
    }

    /// One command record; nil when none has the id.
    public func command(id: Int) async throws -> CommandRow? {
        try await host.withDatabase(schema: Self.schema) { database in
            try database.rows(CommandStore.commandColumns + " WHERE id = ?", id).first.map(CommandStore.commandRow)
        }
    }

    /// Commands by action and status (`/metrics`).
    public func countsByActionAndStatus() async throws -> [(action: String, status: String, count: Int)] {
        try await host.withDatabase(schema: Self.schema) { database in
            try database.rows("SELECT action, status, count(*) FROM remediation_commands GROUP BY action, status ORDER BY action, status").map {
                ($0[0].text ?? "", $0[1].text ?? "", $0[2].int ?? 0)
            }
        }
    }
}
