import Glibc

/// Names the calling thread as `top -H`, `perf` and `/proc` show it. Written through
/// `/proc/thread-self/comm` from the thread itself: Foundation's `Thread.name` setter does
/// nothing while the thread's handle is not yet stored (a race at the start of a `Thread`)
/// and passes names of 16 bytes or more on to a call that refuses them.
public enum ThreadName {
    /// The most the kernel keeps of a thread's name, in bytes.
    public static let limit = 15

    /// Names the calling thread `name`, cut to `limit` bytes (ASCII names are cut cleanly);
    /// false when the kernel refused or `/proc` is not mounted.
    @discardableResult
    public static func setCurrent(_ name: String) -> Bool {
        let bytes = Array(name.utf8.prefix(limit))
        let fd = open("/proc/thread-self/comm", O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) == $0.count }
    }

    /// The calling thread's name as the kernel keeps it.
    public static func current() -> String? {
        let fd = open("/proc/thread-self/comm", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 32)
        let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard count > 0 else { return nil }
        var name = String(decoding: buffer[..<count], as: UTF8.self)
        if name.hasSuffix("\n") { name.removeLast() }
        return name
    }
}
