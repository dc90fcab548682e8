import Foundation
import Store

/// Which charging sessions a listing wants (`vigil sessions list`, `GET /api/v1/sessions`):
/// filters that all hold at once, newest first, a page of at most `limit`, and `before` — the
/// keyset cursor: only sessions with a smaller id (the previous page's `nextBefore`). Paging by
/// id, not by offset, never repeats or skips a session while new ones start.
public struct SessionQuery: Sendable, Equatable {
    /// A session's state: still running, or ended (by the charger, a reboot or Vigil).
    public enum Status: String, Sendable, CaseIterable {
        case active, completed
    }

    public var station: String?
    /// Only sessions of this site's stations.
    public var site: String?
    public var status: Status?
    /// Only sessions authorised with this token (exact, as the charger sent it).
    public var idToken: String?
    /// Sessions that started at or after `from` and before `to` (the charger's start time).
    public var from: Date?
    public var to: Date?
    /// Only sessions with an id below this one (the cursor of the next page).
    public var before: Int?
    public var limit: Int

    public init(station: String? = nil, site: String? = nil, status: Status? = nil, idToken: String? = nil,
                from: Date? = nil, to: Date? = nil, before: Int? = nil, limit: Int = 100) {
        self.station = station
        self.site = site
        self.status = status
        self.idToken = idToken
        self.from = from
        self.to = to
        self.before = before
        self.limit = limit
    }

    /// The WHERE clause (empty when nothing filters) and its bindings, in SQL every engine
    /// shares. Start times are narrowed to the second here (`StoreTime.seconds`: a charger's
    /// `12:00:00Z` and `12:00:00.250Z` share a second); `admits` then compares the instants.
    func whereClause() -> (sql: String, bindings: [any SQLBindable]) {
        var conditions: [String] = []
        var bindings: [any SQLBindable] = []
        if let station { conditions.append("station = ?"); bindings.append(station) }
        if let site { conditions.append("station IN (SELECT id FROM stations WHERE site = ?)"); bindings.append(site) }
        if let status { conditions.append("status = ?"); bindings.append(status.rawValue) }
        if let idToken { conditions.append("lower(id_token) = lower(?)"); bindings.append(idToken) }   // tokens compare without case
        if let from { conditions.append("\(StoreTime.seconds("start_time")) >= \(StoreTime.seconds("?"))"); bindings.append(StoreTime.format(from)) }
        if let to { conditions.append("\(StoreTime.seconds("start_time")) <= \(StoreTime.seconds("?"))"); bindings.append(StoreTime.format(to)) }
        if let before { conditions.append("id < ?"); bindings.append(before) }
        return (conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND "), bindings)
    }

    /// Whether a session the clause selected starts inside `from…to` to the instant (the
    /// clause keeps whole seconds at both ends).
    func admits(_ session: SessionRecord) -> Bool {
        guard from != nil || to != nil else { return true }
        guard let start = StoreTime.parse(session.startTime) else { return false }
        return (from.map { start >= $0 } ?? true) && (to.map { start < $0 } ?? true)
    }
}

/// One page of a session listing: the sessions, newest first, and the cursor of the next page
/// (nil when this page is the last).
public struct SessionPage: Sendable {
    public let sessions: [SessionRecord]
    public let nextBefore: Int?
}

extension StationStore {
    /// The sessions `query` selects, newest first, one page. Rows the SQL keeps only because
    /// they share a boundary second are dropped, and reading goes on past them, so a page is
    /// full whenever more sessions match.
    public func sessions(matching query: SessionQuery) throws -> SessionPage {
        var matched: [SessionRecord] = []
        var cursor = query
        while true {
            let (clause, bindings) = cursor.whereClause()
            // One more than the page: whether a next page exists is known without a second query.
            let rows = try database.rows(Self.sessionColumns + clause + " ORDER BY id DESC LIMIT ?", bindings + [query.limit + 1])
            let records = rows.map(Self.sessionRecord)
            matched += records.filter(query.admits)
            if matched.count > query.limit || records.count <= query.limit { break }
            cursor.before = records.last?.id
        }
        let page = Array(matched.prefix(query.limit))
        return SessionPage(sessions: page, nextBefore: matched.count > query.limit ? page.last?.id : nil)
    }
}
