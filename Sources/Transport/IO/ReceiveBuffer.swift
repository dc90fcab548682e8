import Glibc

/// The scratch buffer a socket read lands in: one per thread, kept for the thread's life,
/// instead of 32 KiB allocated and freed around every `recv`. A connection's reads run on
/// whichever pool thread drains its queue, and every message costs two reads (the second
/// finds the socket empty); on the heap (Swift does not put 32 KiB on the stack) each of them
/// also made glibc consolidate its free lists (issue #15: ≈ 2 % of the connection threads).
///
/// The buffer is taken out of the thread's slot while it is lent, so a nested read on the
/// same thread (none does so today) gets a buffer of its own rather than the one in use.
enum ReceiveBuffer {
    /// Bytes per buffer: the most one `recv` asks for.
    static let size = 32 * 1024

    /// The thread-specific slot; the thread's buffer is freed when the thread exits.
    private static let slot: pthread_key_t = {
        var key = pthread_key_t()
        let status = pthread_key_create(&key) { buffer in free(buffer) }
        precondition(status == 0, "pthread_key_create failed: \(status)")
        return key
    }()

    /// Runs `body` with this thread's buffer (`size` bytes, 16-byte aligned).
    static func withBuffer<Result>(_ body: (UnsafeMutableRawBufferPointer) throws -> Result) rethrows -> Result {
        let lent = pthread_getspecific(slot) ?? allocate()
        pthread_setspecific(slot, nil)
        defer {
            if pthread_getspecific(slot) == nil { pthread_setspecific(slot, lent) } else { free(lent) }
        }
        return try body(UnsafeMutableRawBufferPointer(start: lent, count: size))
    }

    private static func allocate() -> UnsafeMutableRawPointer {
        guard let buffer = aligned_alloc(16, size) else { fatalError("out of memory for a \(size)-byte receive buffer") }
        return buffer
    }
}
