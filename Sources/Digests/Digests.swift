import COpenSSL

/// The process's one place for hashes, MACs, key derivation and random bytes, all through
/// OpenSSL: the audit chain's links and checkpoints, webhook signatures, API token digests,
/// station password digests, rule hashes. Never hand-rolled.
public enum Digests {
    /// SHA-256 of `bytes`, lower-case hex.
    public static func sha256Hex(_ bytes: [UInt8]) -> String {
        var digest = [UInt8](repeating: 0, count: Int(SHA256_DIGEST_LENGTH))
        _ = bytes.withUnsafeBufferPointer { input in SHA256(input.baseAddress, input.count, &digest) }
        return hex(digest)
    }

    /// HMAC-SHA256 of `message` with `key`, lower-case hex.
    public static func hmacSHA256Hex(key: [UInt8], message: [UInt8]) -> String {
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        _ = key.withUnsafeBufferPointer { keyBuffer in
            message.withUnsafeBufferPointer { messageBuffer in
                HMAC(EVP_sha256(), keyBuffer.baseAddress, Int32(keyBuffer.count), messageBuffer.baseAddress, messageBuffer.count,
                     &digest, &length)
            }
        }
        return hex(Array(digest.prefix(Int(length))))
    }

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

    /// `count` bytes from OpenSSL's random generator (keys, salts, tokens); nil if it fails.
    public static func randomBytes(_ count: Int = 32) -> [UInt8]? {
        var bytes = [UInt8](repeating: 0, count: count)
        return RAND_bytes(&bytes, Int32(count)) == 1 ? bytes : nil
    }

    /// Lower-case hex of `bytes`.
    public static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text = [UInt8]()
        text.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
