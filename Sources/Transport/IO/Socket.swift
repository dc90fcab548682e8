import Glibc

/// Thin wrappers over the BSD socket calls the transport needs, all non-blocking.
enum Socket {
    /// Resolves a numeric or named host to socket addresses (getaddrinfo).
    static func resolve(_ address: SocketAddress, passive: Bool) throws -> [(family: Int32, storage: sockaddr_storage, length: socklen_t)] {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = passive ? AI_PASSIVE : 0
        var list: UnsafeMutablePointer<addrinfo>?
        let host = address.host == "*" ? "0.0.0.0" : address.host
        let status = getaddrinfo(host, String(address.port), &hints, &list)
        guard status == 0, let first = list else {
            throw SocketError("resolve \(address.host): \(String(cString: gai_strerror(status)))", code: 0)
        }
        defer { freeaddrinfo(list) }
        var results: [(Int32, sockaddr_storage, socklen_t)] = []
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let info = cursor {
            var storage = sockaddr_storage()
            withUnsafeMutableBytes(of: &storage) { raw in
                raw.copyMemory(from: UnsafeRawBufferPointer(start: info.pointee.ai_addr, count: Int(info.pointee.ai_addrlen)))
            }
            results.append((info.pointee.ai_family, storage, info.pointee.ai_addrlen))
            cursor = info.pointee.ai_next
        }
        return results
    }

    /// A bound, listening, non-blocking socket and the address it actually got (port 0
    /// becomes the ephemeral port chosen by the kernel).
    static func listen(on address: SocketAddress, backlog: Int32) throws -> (fd: Int32, bound: SocketAddress) {
        guard let target = try resolve(address, passive: true).first else { throw SocketError("resolve \(address)", code: EINVAL) }
        let fd = socket(target.family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SocketError("socket") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var storage = target.storage
        let bound = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, target.length) }
        }
        guard bound == 0 else {
            let error = SocketError("bind \(address)")
            close(fd)
            throw error
        }
        guard Glibc.listen(fd, backlog) == 0 else {
            let error = SocketError("listen \(address)")
            close(fd)
            throw error
        }
        return (fd, localAddress(of: fd) ?? address)
    }

    /// A resolved destination for `startConnect`.
    typealias Target = (family: Int32, storage: sockaddr_storage, length: socklen_t)

    /// Starts a non-blocking connect to one resolved address; returns the socket and whether
    /// the connect is still in progress.
    static func startConnect(to target: Target, describing address: SocketAddress) throws -> (fd: Int32, inProgress: Bool) {
        let fd = socket(target.family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SocketError("socket") }
        var storage = target.storage
        let result = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, target.length) }
        }
        if result == 0 || errno == EINPROGRESS {
            setNoDelay(fd)
            return (fd, result != 0)
        }
        let error = SocketError("connect \(address)")
        close(fd)
        throw error
    }

    /// The pending error of a socket after a non-blocking connect (0 when connected).
    static func pendingError(of fd: Int32) -> Int32 {
        var error: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length)
        return error
    }

    static func setNoDelay(_ fd: Int32) {
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    static func localAddress(of fd: Int32) -> SocketAddress? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let ok = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return ok == 0 ? SocketAddress(storage: storage) : nil
    }

    static func peerAddress(of fd: Int32) -> SocketAddress? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let ok = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getpeername(fd, $0, &length) }
        }
        return ok == 0 ? SocketAddress(storage: storage) : nil
    }
}

/// Process-wide limits a server adjusts at start-up.
public enum SystemLimits {
    /// Raises the open-file limit to its hard maximum; servers holding thousands of
    /// chargers need it. Returns the new soft limit.
    @discardableResult
    public static func raiseFileDescriptorLimit() -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 0 }
        if limit.rlim_cur < limit.rlim_max {
            limit.rlim_cur = limit.rlim_max
            setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        }
        return Int(limit.rlim_cur)
    }
}
