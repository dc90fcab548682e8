/// The owner of a database connection that runs other modules' statements on it, one body at a
/// time: a module keeps its own tables, migrations and SQL (Alerts its alerts, outbox and
/// silences) without owning a connection or knowing who hosts it. The CPMS store is the host in
/// `vigil`.
public protocol DatabaseHost: Actor {
    /// Runs `body` with the connection, isolated to the host, after bringing `schema` up to
    /// date (once per host and track). Each statement commits on its own unless `body` uses
    /// `transaction`.
    func withDatabase<T: Sendable>(schema: SchemaTrack, _ body: @Sendable (any SQLDatabase) throws -> T) async throws -> T

    /// Runs `body` in the host's next group commit — atomically (a savepoint of its own), with
    /// the other writes that commit carries — and returns once that COMMIT is durable.
    func committing<T: Sendable>(schema: SchemaTrack, _ body: @escaping @Sendable (any SQLDatabase) throws -> T) async throws -> T
}
