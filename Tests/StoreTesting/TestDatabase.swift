import Foundation
import Store

/// The engines the store's tests run on: SQLite always; PostgreSQL too when
/// `VIGIL_TEST_POSTGRES_URL` names a server (`make test` starts a scratch one,
/// scripts/postgres-scratch). Tests take it as an argument: `@Test(arguments: TestEngine.all)`.
public enum TestEngine: String, Sendable, CaseIterable, CustomStringConvertible {
    case sqlite
    case postgresql

    public static let postgresURL: String? = {
        guard let url = ProcessInfo.processInfo.environment["VIGIL_TEST_POSTGRES_URL"], !url.isEmpty else { return nil }
        return url
    }()

    /// With `VIGIL_REQUIRE_POSTGRES=1` (CI) PostgreSQL is in the list even without a URL, so
    /// its tests fail (`TestDatabaseError.noPostgres`) instead of quietly running on SQLite only.
    public static let all: [TestEngine] = postgresURL == nil && !isPostgresRequired ? [.sqlite] : [.sqlite, .postgresql]

    public static let isPostgresRequired = ProcessInfo.processInfo.environment["VIGIL_REQUIRE_POSTGRES"] == "1"

    public var description: String { rawValue }
}

/// A fresh, empty database for one test: a new SQLite file in the temporary directory, or a new
/// schema in the PostgreSQL test database (its connections put it first on their
/// `search_path`, so every table the test creates is its own). `remove()` deletes the file;
/// PostgreSQL schemas go with the scratch server.
public struct TestDatabase: Sendable {
    public let location: StoreLocation
    public let engine: TestEngine

    public init(_ engine: TestEngine, name: String = "test") throws {
        self.engine = engine
        let unique = name.lowercased().filter { $0.isLetter || $0.isNumber } + "_" + UUID().uuidString.prefix(8).lowercased()
        switch engine {
        case .sqlite:
            location = .sqlite(path: FileManager.default.temporaryDirectory.appendingPathComponent("vigil-\(unique).sqlite").path)
        case .postgresql:
            guard let base = TestEngine.postgresURL else { throw TestDatabaseError.noPostgres }
            let schema = "t_" + unique
            let admin = try PostgresDatabase(location: try PostgresLocation(url: base))
            try admin.execute("CREATE SCHEMA \(schema)")
            location = .postgres(try PostgresLocation(url: base + (base.contains("?") ? "&" : "?") + "options=-csearch_path%3D\(schema)"))
        }
    }

    /// The SQLite file's path (nil on PostgreSQL).
    public var path: String? {
        if case .sqlite(let path) = location { return path }
        return nil
    }

    /// A new connection to this database.
    public func connect(readOnly: Bool = false) throws -> any SQLDatabase { try location.connect(readOnly: readOnly) }

    public func remove() {
        guard let path else { return }
        removeSQLiteFiles(path)
    }
}

/// Deletes a SQLite database file with the write-ahead log and shared-memory files beside it
/// (deleting the database alone leaves those two in the temporary directory).
public func removeSQLiteFiles(_ path: String) {
    for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
}

public enum TestDatabaseError: Error, CustomStringConvertible {
    case noPostgres

    public var description: String {
        "no PostgreSQL server for the tests: VIGIL_TEST_POSTGRES_URL is not set (run them through scripts/postgres-scratch run)"
    }
}
