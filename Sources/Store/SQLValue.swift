/// A value bound to, or read from, a SQL statement (the SQLite storage classes, which every
/// SQL database Vigil may use can represent).
public enum SQLValue: Sendable, Equatable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])
}

extension SQLValue {
    /// The text of a TEXT value; nil for any other storage class.
    public var text: String? {
        if case .text(let value) = self { return value }
        return nil
    }

    /// An INTEGER value as `Int`; nil for any other storage class.
    public var int: Int? {
        if case .integer(let value) = self { return Int(value) }
        return nil
    }
}

/// Swift values that bind directly as statement parameters.
public protocol SQLBindable: Sendable {
    var sqlValue: SQLValue { get }
}

extension Int: SQLBindable { public var sqlValue: SQLValue { .integer(Int64(self)) } }
extension Int64: SQLBindable { public var sqlValue: SQLValue { .integer(self) } }
extension Double: SQLBindable { public var sqlValue: SQLValue { .real(self) } }
extension String: SQLBindable { public var sqlValue: SQLValue { .text(self) } }
extension Bool: SQLBindable { public var sqlValue: SQLValue { .integer(self ? 1 : 0) } }
extension SQLValue: SQLBindable { public var sqlValue: SQLValue { self } }
extension Optional: SQLBindable where Wrapped: SQLBindable {
    public var sqlValue: SQLValue { self?.sqlValue ?? .null }
}
