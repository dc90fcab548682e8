/// One live subscriber's updates not yet sent, as a pure value with a fixed bound. Overflow
/// policy: when an update finds the buffer full, the buffer is marked overflowed and takes
/// nothing more — the subscriber is too slow and is to be disconnected (told so by its last
/// message), never waited for. Dropping silently would show a stale page as live; waiting
/// would slow the fault loop that publishes.
public struct LiveBuffer<Element: Sendable>: Sendable {
    public let capacity: Int
    private var items: [Element] = []
    private var head = 0
    /// Set once an update did not fit; from then on `push` refuses everything.
    public private(set) var isOverflowed = false
    /// Updates refused since the overflow (the one that did not fit included).
    public private(set) var dropped = 0

    public init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    /// Updates waiting.
    public var count: Int { items.count - head }

    /// Adds `element`; false when it did not fit (the buffer is then overflowed for good).
    @discardableResult
    public mutating func push(_ element: Element) -> Bool {
        guard !isOverflowed, count < capacity else {
            isOverflowed = true
            dropped += 1
            return false
        }
        items.append(element)
        return true
    }

    /// Everything waiting, oldest first; the buffer is then empty (still overflowed if it was).
    public mutating func take() -> [Element] {
        let taken = Array(items[head...])
        items.removeAll(keepingCapacity: true)
        head = 0
        return taken
    }
}
