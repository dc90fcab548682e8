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

    /// The bytes of lower- or upper-case hex (what `hex` writes); nil for anything else.
    public static func bytes(hex text: String) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard digits.count % 2 == 0 else { return nil }
        func value(_ digit: UInt8) -> UInt8? {
            switch digit {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): return digit - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): return digit - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): return digit - UInt8(ascii: "A") + 10
            default: return nil
            }
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        var index = 0
        while index < digits.count {
            guard let high = value(digits[index]), let low = value(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }
}
