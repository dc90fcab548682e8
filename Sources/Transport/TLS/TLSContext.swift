import COpenSSL

/// Failure to set up TLS, with OpenSSL's own error text.
public struct TLSError: Error, CustomStringConvertible, Sendable {
    public let description: String

    init(_ what: String) {
        var text = what
        var code = ERR_get_error()
        var details: [String] = []
        while code != 0 {
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buffer, buffer.count)
            details.append(String(nulTerminated: buffer))
            code = ERR_get_error()
        }
        if !details.isEmpty { text += ": " + details.joined(separator: "; ") }
        description = text
    }
}

/// An OpenSSL `SSL_CTX` configured once (certificates, verification, TLS 1.2 minimum) and
/// then shared by every connection of a listener or client.
///
/// `@unchecked Sendable` because: the context is fully configured in `init` and never
/// mutated afterwards; OpenSSL documents `SSL_new` on a configured `SSL_CTX` as safe from
/// many threads at once (reference counts and session caches use internal locks). No
/// method here mutates the context after `init`.
public final class TLSContext: @unchecked Sendable {
    let context: OpaquePointer
    public let isServer: Bool

    /// A server context from PEM files. With `clientCAFile`, a client certificate must be signed
    /// by that CA (OCPP security profile 3); with `requireClientCertificate` a client without one
    /// is refused in the handshake, without it such a client gets through and the layer above
    /// must authenticate it otherwise (profile 2's password).
    public init(serverCertificateFile: String, privateKeyFile: String, clientCAFile: String? = nil,
                requireClientCertificate: Bool = true) throws {
        guard let ctx = SSL_CTX_new(TLS_server_method()) else { throw TLSError("SSL_CTX_new") }
        context = ctx
        isServer = true
        _ = vigil_SSL_CTX_set_min_proto_version(ctx, vigil_TLS1_2_VERSION())
        guard SSL_CTX_use_certificate_chain_file(ctx, serverCertificateFile) == 1 else {
            throw TLSError("cannot load certificate chain \(serverCertificateFile)")
        }
        guard SSL_CTX_use_PrivateKey_file(ctx, privateKeyFile, SSL_FILETYPE_PEM) == 1 else {
            throw TLSError("cannot load private key \(privateKeyFile)")
        }
        guard SSL_CTX_check_private_key(ctx) == 1 else { throw TLSError("private key does not match the certificate") }
        if let clientCAFile {
            guard SSL_CTX_load_verify_locations(ctx, clientCAFile, nil) == 1 else {
                throw TLSError("cannot load client CA file \(clientCAFile)")
            }
            SSL_CTX_set_verify(ctx, requireClientCertificate ? SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT : SSL_VERIFY_PEER, nil)
        }
    }

    /// A client context. It verifies the server against `caFile` (or the system store when
    /// nil); `certificateFile`/`privateKeyFile` present a client certificate.
    public init(clientCAFile caFile: String? = nil, certificateFile: String? = nil, privateKeyFile: String? = nil,
                verifyPeer: Bool = true) throws {
        guard let ctx = SSL_CTX_new(TLS_client_method()) else { throw TLSError("SSL_CTX_new") }
        context = ctx
        isServer = false
        _ = vigil_SSL_CTX_set_min_proto_version(ctx, vigil_TLS1_2_VERSION())
        if verifyPeer {
            if let caFile {
                guard SSL_CTX_load_verify_locations(ctx, caFile, nil) == 1 else { throw TLSError("cannot load CA file \(caFile)") }
            } else {
                SSL_CTX_set_default_verify_paths(ctx)
            }
            SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nil)
        } else {
            SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nil)
        }
        if let certificateFile {
            guard SSL_CTX_use_certificate_chain_file(ctx, certificateFile) == 1 else {
                throw TLSError("cannot load client certificate \(certificateFile)")
            }
            guard SSL_CTX_use_PrivateKey_file(ctx, privateKeyFile ?? certificateFile, SSL_FILETYPE_PEM) == 1 else {
                throw TLSError("cannot load client key \(privateKeyFile ?? certificateFile)")
            }
        }
    }

    deinit { SSL_CTX_free(context) }
}
