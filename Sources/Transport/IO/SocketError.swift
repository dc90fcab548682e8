import Glibc

/// A failed socket system call, with the call and errno text.
public struct SocketError: Error, CustomStringConvertible, Sendable {
    public let operation: String
    public let code: Int32

    public init(_ operation: String, code: Int32 = errno) {
        self.operation = operation
        self.code = code
    }

    /// The operation and errno's text; the operation alone when it already says why (code 0:
    /// a resolver failure carries `gai_strerror`'s text, and strerror(0) would add "Success").
    public var description: String { code == 0 ? operation : "\(operation): \(String(cString: strerror(code)))" }
}

extension String {
    /// A string from a NUL-terminated C character buffer filled in by a C call.
    init(nulTerminated buffer: [CChar]) {
        let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        self = String(decoding: bytes, as: UTF8.self)
    }
}
