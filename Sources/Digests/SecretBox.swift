import COpenSSL

/// Authenticated encryption (AES-256-GCM, OpenSSL's EVP) for a secret that must cross the
/// database — an operator's `AuthorizationKey` handed from one node to the node serving the
/// station — so that it is never stored in clear. The box's key is derived from a shared key
/// (the audit key every node holds) for this one purpose: HKDF-Expand with SHA-256 (RFC 5869,
/// one block: HMAC(key, purpose ‖ 0x01)), so it is never the shared key itself.
///
/// A sealed text is `sealed-v1:` and the hex of a fresh 12-byte nonce, the ciphertext and the
/// 16-byte tag. It is bound to a `context` (authenticated, not stored: the row it belongs to),
/// and `open` refuses one that was changed, moved to another context, or sealed under another key.
public struct SecretBox: Sendable {
    private let key: [UInt8]

    /// The box for `purpose` (a fixed text naming what it seals) under `sharedKey`.
    public init(sharedKey: [UInt8], purpose: String) {
        var info = Array(purpose.utf8)
        info.append(0x01)
        key = Digests.bytes(hex: Digests.hmacSHA256Hex(key: sharedKey, message: info)) ?? []
    }

    static let prefix = "sealed-v1:"

    /// Whether `text` is a sealed one (else it was written in clear, e.g. by an older node).
    public static func isSealed(_ text: String) -> Bool { text.hasPrefix(prefix) }

    /// `plain` sealed for `context`; nil only if OpenSSL fails.
    public func seal(_ plain: String, context: String) -> String? {
        let aad = Array(context.utf8)
        guard key.count == 32, let nonce = Digests.randomBytes(12) else { return nil }
        let input = Array(plain.utf8)
        guard let cipher = EVP_CIPHER_CTX_new() else { return nil }
        defer { EVP_CIPHER_CTX_free(cipher) }
        var output = [UInt8](repeating: 0, count: input.count + 16)
        var length: Int32 = 0, finalLength: Int32 = 0
        var tag = [UInt8](repeating: 0, count: 16)
        var aadLength: Int32 = 0
        guard EVP_EncryptInit_ex(cipher, EVP_aes_256_gcm(), nil, key, nonce) == 1,
              EVP_EncryptUpdate(cipher, nil, &aadLength, aad, Int32(aad.count)) == 1,
              EVP_EncryptUpdate(cipher, &output, &length, input, Int32(input.count)) == 1,
              output.withUnsafeMutableBufferPointer({ buffer in
                  EVP_EncryptFinal_ex(cipher, buffer.baseAddress.map { $0 + Int(length) }, &finalLength)
              }) == 1,
              EVP_CIPHER_CTX_ctrl(cipher, EVP_CTRL_GCM_GET_TAG, 16, &tag) == 1 else { return nil }
        return Self.prefix + Digests.hex(nonce + output.prefix(Int(length + finalLength)) + tag)
    }

    /// The plain text of `sealed`; nil when it is not a sealed text, was changed, was sealed
    /// for another `context` or under another key (the tag does not verify).
    public func open(_ sealed: String, context: String) -> String? {
        let aad = Array(context.utf8)
        guard key.count == 32, sealed.hasPrefix(Self.prefix), let bytes = Digests.bytes(hex: String(sealed.dropFirst(Self.prefix.count))),
              bytes.count >= 28 else { return nil }
        let nonce = Array(bytes.prefix(12)), tag = Array(bytes.suffix(16)), input = Array(bytes[12..<(bytes.count - 16)])
        guard let cipher = EVP_CIPHER_CTX_new() else { return nil }
        defer { EVP_CIPHER_CTX_free(cipher) }
        var output = [UInt8](repeating: 0, count: input.count + 16)
        var length: Int32 = 0, finalLength: Int32 = 0
        var expected = tag
        var aadLength: Int32 = 0
        guard EVP_DecryptInit_ex(cipher, EVP_aes_256_gcm(), nil, key, nonce) == 1,
              EVP_DecryptUpdate(cipher, nil, &aadLength, aad, Int32(aad.count)) == 1,
              EVP_DecryptUpdate(cipher, &output, &length, input, Int32(input.count)) == 1,
              EVP_CIPHER_CTX_ctrl(cipher, EVP_CTRL_GCM_SET_TAG, 16, &expected) == 1,
              output.withUnsafeMutableBufferPointer({ buffer in
                  EVP_DecryptFinal_ex(cipher, buffer.baseAddress.map { $0 + Int(length) }, &finalLength)
              }) == 1 else { return nil }
        return String(decoding: output.prefix(Int(length + finalLength)), as: UTF8.self)
    }
}
