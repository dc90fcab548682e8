import COpenSSL

extension AuditChain {
    /// PBKDF2-HMAC-SHA256 (OpenSSL's `PKCS5_PBKDF2_HMAC`) of `password` with `salt`: a slow key
    /// derivation for stored passwords. Nil when OpenSSL fails (it does not for valid input).
    public static func pbkdf2SHA256(password: [UInt8], salt: [UInt8], iterations: Int, length: Int = 32) -> [UInt8]? {
        var output = [UInt8](repeating: 0, count: length)
        let status = password.withUnsafeBufferPointer { passwordBuffer in
            passwordBuffer.withMemoryRebound(to: CChar.self) { passwordChars in
                salt.withUnsafeBufferPointer { saltBuffer in
                    PKCS5_PBKDF2_HMAC(passwordChars.baseAddress, Int32(passwordChars.count), saltBuffer.baseAddress, Int32(saltBuffer.count),
                                      Int32(iterations), EVP_sha256(), Int32(length), &output)
                }
            }
        }
        return status == 1 ? output : nil
    }
}
