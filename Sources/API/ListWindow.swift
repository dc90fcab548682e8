import Foundation
import ServiceLog
import Transport

/// The row cap of the API's list routes. A value outside the route's range is refused
/// with 400 and the range, never clamped silently: a client asking for `limit=-1` (which once
/// meant "no cap") learns that it gets at most `maximum` rows.
struct ListWindow: Sendable, Equatable {
    var limit: Int

    /// `limit` is 1…`maximum` (default `defaultLimit`). The routes return the newest rows
    /// (or, for stations, the first by id); sessions and CDRs say when a next page follows
    /// (`markNextPage`), the others are narrowed by station or rule.
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

    /// Says on `response` that another page follows: `header` (`X-Next-Before`,
    /// `X-Next-After`) with the cursor, and `Link: <path?…&cursor=value>; rel="next"` — the
    /// request's own query with `cursor` set to the next page's value.
    static func markNextPage(_ response: inout HTTPResponse, request: HTTPRequest, path: String, cursor: String, header: String, value: Int) {
        var parts = request.query.filter { $0.key != cursor }.sorted { $0.key < $1.key }.map { "\(escaped($0.key))=\(escaped($0.value))" }
        parts.append("\(cursor)=\(value)")
        response.headers.set(header, String(value))
        response.headers.set("Link", "<\(path)?\(parts.joined(separator: "&"))>; rel=\"next\"")
    }

    static func escaped(_ text: String) -> String {
        var allowed = CharacterSet.urlQueryAllowed
        allowed.remove(charactersIn: "&=+#")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    /// A boolean query parameter: `true` or `false` (absent: false); anything else is 400
    /// `invalid_parameter` — `all=yes` was read as false without a word.
    static func flag(_ request: HTTPRequest, _ name: String) throws -> Bool {
        guard let text = request.query[name] else { return false }
        switch text {
        case "true": return true
        case "false": return false
        default: throw APIError(.invalidParameter, "\(name) must be true or false, got \(text.debugDescription)")
        }
    }
}
