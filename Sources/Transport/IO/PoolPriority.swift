import Glibc

/// The CPU priority of the threads that serve connections. On a machine whose cores a busy
/// fleet keeps saturated, the kernel shares them equally among runnable threads, so the
/// threads of the fault loop (the store's writer, the rule runner) would wait for a core as
/// long as any connection thread does. Connection work therefore runs a few nice levels
/// lower: when the cores are short, a fault's write and decision get one first; when they
/// are not, nothing changes. Lowering a thread's priority needs no privilege.
public enum PoolPriority {
    /// How many nice levels below the rest of the process connection threads run
    /// (CFS weight 1024 at 0 against 335 at 5: a fault-loop thread gets about three times a
    /// connection thread's share of a contended core).
    public static let niceness: Int32 = 5

    private static let marked: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()

    /// Lowers the calling thread's priority once (a pool thread keeps it for its lifetime).
    @inline(__always)
    public static func lowerCurrentThread() {
        guard pthread_getspecific(marked) == nil else { return }
        lowerCallingThread(by: niceness)
        pthread_setspecific(marked, UnsafeRawPointer(bitPattern: 1))
    }

    /// Lowers the calling thread's priority by `levels` nice levels (to 19 at most). On Linux
    /// `setpriority(PRIO_PROCESS, 0, …)` applies to the calling thread only.
    public static func lowerCallingThread(by levels: Int32) {
        let which = __priority_which_t(PRIO_PROCESS.rawValue)
        _ = setpriority(which, 0, min(19, getpriority(which, 0) + levels))
    }
}
