import API
import Alerts
import Audit
import Billing
import CPMS
import Fraud
import Remediation
import Store
import StoreTesting
import Testing

/// Both engines end at the same schema: every module's migrations applied, the same tables with
/// the same columns of the same types and nullability, the same named indexes and triggers. The PostgreSQL side is the SQLite DDL
/// translated (`PostgresDDL`) plus each migration's PostgreSQL-only part: a table, column or
/// index added to one engine's words only fails here.
@Suite struct SchemaParityTests {
    static let tracks = [AlertStore.schema, FraudStore.schema, RemediationSettings.schema, CommandStore.schema, DecisionStore.schema,
                         APIUserStore.schema, BillingStore.schema, AuditStore.schema]

    struct Schema: Equatable {
        var columns: [String: [String]] = [:]
        /// `table.column type [not null]`, the type in SQLite's words (`integer`, `text`, `real`,
        /// `blob`), a key column counted as NOT NULL (PostgreSQL makes it so; SQLite keeps NULL
        /// out of an INTEGER key and Vigil never writes one into another).
        var columnTypes: Set<String> = []
        var indexes: Set<String> = []
        var triggers: Set<String> = []
    }

    static func schema(of engine: TestEngine) async throws -> Schema {
        let test = try TestDatabase(engine, name: "parity")
        defer { test.remove() }
        let store = try StationStore(location: test.location)
        for track in tracks { _ = try await store.withDatabase(schema: track) { _ in 0 } }
        let database = try test.connect()
        var schema = Schema()
        switch engine {
        case .sqlite:
            for row in try database.rows("""
                SELECT m.name, p.name, lower(p.type), p."notnull", p.pk FROM sqlite_master AS m, pragma_table_info(m.name) AS p
                WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'
                """) {
                schema.columns[row[0].text ?? "", default: []].append(row[1].text ?? "")
                let type = (row[2].text ?? "").split(separator: " ").first.map(String.init) ?? ""
                let notNull = row[3].int == 1 || (row[4].int ?? 0) > 0
                schema.columnTypes.insert("\(row[0].text ?? "").\(row[1].text ?? "") \(type == "int" || type == "bigint" ? "integer" : type)\(notNull ? " not null" : "")")
            }
            for row in try database.rows("SELECT type, name FROM sqlite_master WHERE type IN ('index', 'trigger') AND name NOT LIKE 'sqlite_autoindex%'") {
                if row[0].text == "index" { schema.indexes.insert(row[1].text ?? "") } else { schema.triggers.insert(row[1].text ?? "") }
            }
        case .postgresql:
            for row in try database.rows("""
                SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns WHERE table_schema = current_schema()
                    AND table_name <> 'vigil_schema_version' ORDER BY table_name, ordinal_position
                """) {
                schema.columns[row[0].text ?? "", default: []].append(row[1].text ?? "")
                let type = ["bigint": "integer", "integer": "integer", "text": "text", "double precision": "real", "bytea": "blob"][row[2].text ?? ""]
                    ?? row[2].text ?? ""
                schema.columnTypes.insert("\(row[0].text ?? "").\(row[1].text ?? "") \(type)\(row[3].text == "NO" ? " not null" : "")")
            }
            // Indexes that back a constraint (primary keys, UNIQUE columns) are SQLite's autoindexes.
            for row in try database.rows("""
                SELECT i.indexname FROM pg_indexes AS i WHERE i.schemaname = current_schema()
                    AND NOT EXISTS (SELECT 1 FROM pg_constraint AS c WHERE c.conname = i.indexname)
                """) {
                schema.indexes.insert(row[0].text ?? "")
            }
            for row in try database.rows("SELECT DISTINCT trigger_name FROM information_schema.triggers WHERE trigger_schema = current_schema()") {
                schema.triggers.insert(row[0].text ?? "")
            }
        }
        for (table, columns) in schema.columns { schema.columns[table] = columns.sorted() }
        return schema
    }

    @Test func theSQLiteSchemaHasItsTablesAndTriggers() async throws {
        let sqlite = try await Self.schema(of: .sqlite)
        #expect(sqlite.columns.count > 25 && sqlite.triggers.count == 6)
        #expect(sqlite.columnTypes.count == sqlite.columns.values.map(\.count).reduce(0, +))
        #expect(sqlite.columnTypes.isSuperset(of: ["ocpp_messages_by_station.id integer not null", "stations.id text not null",
                                                   "row_index_marks.indexed_through integer not null", "ocpp_messages.text text not null"]))
    }

    @Test(.enabled(if: TestEngine.all.contains(.postgresql), "compares with PostgreSQL: set VIGIL_TEST_POSTGRES_URL (scripts/postgres-scratch run swift test)"))
    func bothEnginesEndAtTheSameTablesColumnsTypesIndexesAndTriggers() async throws {
        let sqlite = try await Self.schema(of: .sqlite)
        let postgres = try await Self.schema(of: .postgresql)
        #expect(Set(postgres.columns.keys) == Set(sqlite.columns.keys))
        for (table, columns) in sqlite.columns { #expect(postgres.columns[table] == columns, "columns of \(table)") }
        #expect(postgres.columnTypes.subtracting(sqlite.columnTypes).sorted() == [], "PostgreSQL's columns unlike SQLite's")
        #expect(sqlite.columnTypes.subtracting(postgres.columnTypes).sorted() == [], "SQLite's columns unlike PostgreSQL's")
        #expect(postgres.indexes == sqlite.indexes)
        #expect(postgres.triggers == sqlite.triggers)
    }
}
