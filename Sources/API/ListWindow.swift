import ServiceLog
import Transport

/// The row cap of the API's list routes. A value outside the route's range is refused
/// with 400 and the range, never clamped silently: a client asking for `limit=-1` (which once
/// meant "no cap") learns that it gets at most `maximum` rows.
struct ListWindow: Sendable, Equatable {
    var limit: Int

    /// `limit` is 1…`maximum` (default `defaultLimit`). The routes return the newest rows
    /// (or, for stations, the first by id); there is no offset yet — narrow by station or rule.
    static func parse(_ request: HTTPRequest, defaultLimit: Int, maximum: Int) throws(APIError) -> ListWindow {
        ListWindow(limit: try integer(request.query["limit"], name: "limit", range: 1...maximum, default: defaultLimit))
    }

    static func integer(_ text: String?, name: String, range: ClosedRange<Int>, default fallback: Int) throws(APIError) -> Int {
        guard let text else { return fallback }
        guard let value = Int(text), range.contains(value) else {
            throw APIError(.invalidParameter, "\(name) must be \(range.lowerBound)…\(range.upperBound), got \(text.debugDescription)")
        }
        return value
    }

    /// The window of an already loaded list.
    func apply<T>(_ items: [T]) -> [T] { Array(items.prefix(limit)) }
}
