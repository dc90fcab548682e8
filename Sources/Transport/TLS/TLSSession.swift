import COpenSSL

/// One TLS connection driven through memory BIOs: the socket code feeds it ciphertext and
/// writes out what it produces, so TLS runs on the same non-blocking path (the `Poller`'s
/// readiness events on the connection's queue) as plain TCP. Not thread-safe: it is owned by one connection actor and used only there.
final class TLSSession {
    enum ReadResult {
        case data([UInt8])
        case needMoreInput
        case closedByPeer
        case failed(String)
    }

    private let ssl: OpaquePointer
    private let inputBIO: OpaquePointer
    private let outputBIO: OpaquePointer
    private var pendingPlaintext: [UInt8] = []
    private(set) var isHandshakeComplete = false

    init(context: TLSContext, serverName: String?) throws {
        guard let ssl = SSL_new(context.context) else { throw TLSError("SSL_new") }
        guard let input = BIO_new(BIO_s_mem()), let output = BIO_new(BIO_s_mem()) else {
            SSL_free(ssl)
            throw TLSError("BIO_new")
        }
        self.ssl = ssl
        inputBIO = input
        outputBIO = output
        SSL_set_bio(ssl, input, output)   // the SSL now owns both BIOs
        if context.isServer {
            SSL_set_accept_state(ssl)
        } else {
            SSL_set_connect_state(ssl)
            if let serverName, !serverName.isEmpty {
                _ = vigil_SSL_set_tlsext_host_name(ssl, serverName)
                if SocketAddress.parse("\(serverName):0").map({ !$0.host.contains(":") && !$0.host.allSatisfy({ $0.isNumber || $0 == "." }) }) ?? true {
                    SSL_set1_host(ssl, serverName)
                }
            }
        }
    }

    deinit { SSL_free(ssl) }

    /// Ciphertext received from the socket.
    func feed(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        BIO_write(inputBIO, base, Int32(bytes.count))
    }

    /// Advances the handshake; false with a message when it failed.
    func handshake() -> Result<Bool, TLSError> {
        if isHandshakeComplete { return .success(true) }
        ERR_clear_error()
        let result = SSL_do_handshake(ssl)
        if result == 1 {
            isHandshakeComplete = true
            if !pendingPlaintext.isEmpty {
                let queued = pendingPlaintext
                pendingPlaintext = []
                write(queued)
            }
            return .success(true)
        }
        let error = SSL_get_error(ssl, result)
        if error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE { return .success(false) }
        return .failure(TLSError("TLS handshake failed"))
    }

    /// Decrypted application data available so far. Read through the thread's receive buffer
    /// (`ThreadBuffer.tlsPlaintext`), not a 16 KiB array zeroed and freed on every call.
    func readPlaintext() -> ReadResult {
        ThreadBuffer.tlsPlaintext.withBuffer { buffer in
            var collected: [UInt8] = []
            while true {
                ERR_clear_error()
                let count = SSL_read(ssl, buffer.baseAddress, Int32(buffer.count))
                if count > 0 {
                    collected.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[..<Int(count)]))
                    continue
                }
                let error = SSL_get_error(ssl, count)
                if error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE {
                    return collected.isEmpty ? .needMoreInput : .data(collected)
                }
                if error == SSL_ERROR_ZERO_RETURN { return collected.isEmpty ? .closedByPeer : .data(collected) }
                return collected.isEmpty ? .failed(TLSError("TLS read failed").description) : .data(collected)
            }
        }
    }

    /// Encrypts application data; it is held until the handshake has finished.
    func write(_ plaintext: [UInt8]) {
        guard isHandshakeComplete else {
            pendingPlaintext.append(contentsOf: plaintext)
            return
        }
        var offset = 0
        while offset < plaintext.count {
            let written = plaintext[offset...].withUnsafeBytes { SSL_write(ssl, $0.baseAddress, Int32($0.count)) }
            if written <= 0 { break }
            offset += Int(written)
        }
    }

    /// Sends a TLS close_notify alert.
    func shutdown() { SSL_shutdown(ssl) }

    /// Ciphertext produced and waiting to be written to the socket.
    func takeOutput() -> [UInt8] {
        let pending = Int(vigil_BIO_pending(outputBIO))
        guard pending > 0 else { return [] }
        var bytes = [UInt8](repeating: 0, count: pending)
        let read = BIO_read(outputBIO, &bytes, Int32(pending))
        return read > 0 ? Array(bytes[0..<Int(read)]) : []
    }

    /// The peer certificate's subject in RFC 2253 form (`CN=CP-1,O=Example`), if any.
    var peerCertificateSubject: String? {
        guard let certificate = SSL_get1_peer_certificate(ssl) else { return nil }
        defer { X509_free(certificate) }
        guard let name = X509_get_subject_name(certificate), let bio = BIO_new(BIO_s_mem()) else { return nil }
        defer { BIO_free(bio) }
        X509_NAME_print_ex(bio, name, 0, vigil_XN_FLAG_RFC2253())
        let length = Int(vigil_BIO_pending(bio))
        var bytes = [UInt8](repeating: 0, count: length)
        BIO_read(bio, &bytes, Int32(length))
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Every common name in the peer certificate's subject, each as OpenSSL reads its string
    /// type into UTF-8 — never parsed back out of a printed subject, whose escapes (`\C3\A9`
    /// for é) read as other characters. A name that cannot be read, or that holds a NUL, is
    /// U+FFFD, which no station id holds. Nil without a certificate.
    var peerCertificateCommonNames: [String]? {
        guard let certificate = SSL_get1_peer_certificate(ssl) else { return nil }
        defer { X509_free(certificate) }
        guard let name = X509_get_subject_name(certificate) else { return [] }
        var names: [String] = []
        var index: Int32 = -1
        while true {
            index = X509_NAME_get_index_by_NID(name, NID_commonName, index)
            guard index >= 0 else { break }
            var utf8: UnsafeMutablePointer<UInt8>?
            guard let entry = X509_NAME_get_entry(name, index), let data = X509_NAME_ENTRY_get_data(entry) else {
                names.append("\u{FFFD}")
                continue
            }
            let length = ASN1_STRING_to_UTF8(&utf8, data)
            guard length >= 0, let utf8 else {
                names.append("\u{FFFD}")
                continue
            }
            defer { vigil_OPENSSL_free(utf8) }
            let bytes = UnsafeBufferPointer(start: utf8, count: Int(length))
            names.append(bytes.contains(0) ? "\u{FFFD}" : String(decoding: bytes, as: UTF8.self))
        }
        return names
    }

    /// The result of verifying the peer's certificate chain (X509_V_OK when valid).
    var verifyResult: Int { SSL_get_verify_result(ssl) }
}
