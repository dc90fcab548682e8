/// A growable byte queue: bytes are appended at the end and consumed from the front.
/// Consumed space is reclaimed lazily, when it is more than half of the storage, so
/// consuming is O(1) and appending stays amortised O(1).
public struct ByteBuffer: Sendable {
    @usableFromInline var storage: [UInt8] = []
    @usableFromInline var readIndex = 0

    public init() {}
    public init(_ bytes: [UInt8]) { storage = bytes }

    /// Bytes not yet consumed.
    @inlinable public var readableCount: Int { storage.count - readIndex }
    @inlinable public var isEmpty: Bool { readableCount == 0 }

    @inlinable public subscript(offset: Int) -> UInt8 { storage[readIndex + offset] }

    public mutating func append(_ bytes: some Sequence<UInt8>) { storage.append(contentsOf: bytes) }
    public mutating func append(_ bytes: UnsafeRawBufferPointer) { storage.append(contentsOf: bytes) }
    public mutating func append(byte: UInt8) { storage.append(byte) }

    /// Removes `count` bytes from the front and returns them.
    public mutating func read(_ count: Int) -> [UInt8] {
        precondition(count <= readableCount)
        let bytes = Array(storage[readIndex..<readIndex + count])
        skip(count)
        return bytes
    }

    /// Discards `count` bytes from the front.
    public mutating func skip(_ count: Int) {
        precondition(count <= readableCount)
        readIndex += count
        if readIndex == storage.count {
            storage.removeAll(keepingCapacity: storage.count <= 1 << 16)
            readIndex = 0
        } else if readIndex > 4096 && readIndex * 2 > storage.count {
            storage.removeSubrange(0..<readIndex)
            readIndex = 0
        }
    }

    /// The unconsumed bytes, for a read-only look.
    public func withReadableBytes<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        try storage.withUnsafeBufferPointer { all in
            try body(UnsafeBufferPointer(rebasing: all[readIndex...]))
        }
    }

    /// Index (relative to the readable start) of the first occurrence of `pattern`,
    /// searching from `from`.
    public func firstIndex(of pattern: [UInt8], from: Int = 0) -> Int? {
        guard !pattern.isEmpty, readableCount >= pattern.count else { return nil }
        return withReadableBytes { bytes in
            var i = max(0, from)
            let last = bytes.count - pattern.count
            let first = pattern[0]
            while i <= last {
                if bytes[i] == first {
                    var j = 1
                    while j < pattern.count && bytes[i + j] == pattern[j] { j += 1 }
                    if j == pattern.count { return i }
                }
                i += 1
            }
            return nil
        }
    }
}
