import Glibc

/// Scratch buffers kept per thread for the thread's life, instead of allocated and freed
/// around every read: `receive` is where a socket read lands, `tlsPlaintext` where a TLS
/// session's decrypted bytes do. A connection's reads run on whichever pool thread drains its
/// queue, and every message costs two reads (the second finds the socket empty); on the heap
/// (Swift does not put 32 KiB on the stack) each of them also made glibc consolidate its free
/// lists (issue #15: ≈ 2 % of the connection threads).
///
/// A buffer is taken out of the thread's slot while it is lent, so a nested use of the same
/// buffer on the same thread gets one of its own rather than the one in use. The TLS read runs
/// inside the socket read, so the two are separate buffers.
final class ThreadBuffer: Sendable {
    /// Where a socket read lands: the most one `recv` asks for.
    static let receive = ThreadBuffer(size: 32 * 1024)
    /// Where `SSL_read` puts decrypted bytes (a TLS record's most).
    static let tlsPlaintext = ThreadBuffer(size: 16 * 1024)

    /// Bytes per buffer.
    let size: Int
    /// The thread-specific slot; a thread's buffer is freed when the thread exits.
    private let slot: pthread_key_t

    private init(size: Int) {
        self.size = size
        var key = pthread_key_t()
        let status = pthread_key_create(&key) { buffer in free(buffer) }
        precondition(status == 0, "pthread_key_create failed: \(status)")
        slot = key
    }

    /// Runs `body` with this thread's buffer (`size` bytes, 16-byte aligned).
    func withBuffer<Result>(_ body: (UnsafeMutableRawBufferPointer) throws -> Result) rethrows -> Result {
        let lent = pthread_getspecific(slot) ?? allocate()
        pthread_setspecific(slot, nil)
        defer {
            if pthread_getspecific(slot) == nil { pthread_setspecific(slot, lent) } else { free(lent) }
        }
        return try body(UnsafeMutableRawBufferPointer(start: lent, count: size))
    }

    private func allocate() -> UnsafeMutableRawPointer {
        guard let buffer = aligned_alloc(16, size) else { fatalError("out of memory for a \(size)-byte thread buffer") }
        return buffer
    }
}
