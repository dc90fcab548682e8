import COpenSSL
import Foundation

/// The hash chain's arithmetic: the hash of an entry, the signature of a checkpoint, and the
/// verification of a whole history. SHA-256 and HMAC come from OpenSSL.
public enum AuditChain {
    public static let genesis = String(repeating: "0", count: 64)

    public static func hash(id: Int, at: String, record: AuditRecord, previousHash: String) -> String {
        sha256Hex(Array(AuditEntry.canonical(id: id, at: at, record: record, previousHash: previousHash).utf8))
    }

    public static func sign(entryId: Int, hash: String, key: [UInt8]) -> String {
        hmacSHA256Hex(key: key, message: Array("\(entryId):\(hash)".utf8))
    }

    /// What verification found: intact (with how much it checked), or the first bad entry.
    public enum Verdict: Sendable, Equatable {
        case intact(entries: Int, checkpoints: Int)
        case broken(entryId: Int, reason: String)
    }

    /// Checks every entry's link and hash in id order, then every checkpoint's signature and
    /// that the entry it names still exists with that hash (which catches deleting the newest
    /// entries, where no later link could). `entries` must be in ascending id order.
    public static func verify(entries: [AuditEntry], checkpoints: [AuditCheckpoint], key: [UInt8]?) -> Verdict {
        var previous = genesis
        var previousId = 0
        var byId: [Int: String] = [:]
        for entry in entries {
            if entry.id != previousId + 1 {
                return .broken(entryId: entry.id, reason: previousId == 0
                    ? "the history starts at entry \(entry.id), not 1: earlier entries were removed"
                    : "entry \(previousId + 1)\(entry.id - previousId > 2 ? "…\(entry.id - 1)" : "") is missing before it (deleted or reordered)")
            }
            if entry.previousHash != previous {
                return .broken(entryId: entry.id, reason: "its previous-hash does not match entry \(previousId)'s hash (an entry before it was changed, removed or moved)")
            }
            let expected = hash(id: entry.id, at: entry.at, record: entry.record, previousHash: entry.previousHash)
            if expected != entry.hash {
                return .broken(entryId: entry.id, reason: "its content does not match its hash (the entry was edited)")
            }
            byId[entry.id] = entry.hash
            previous = entry.hash
            previousId = entry.id
        }
        for checkpoint in checkpoints {
            if let key, sign(entryId: checkpoint.entryId, hash: checkpoint.hash, key: key) != checkpoint.signature {
                return .broken(entryId: checkpoint.entryId, reason: "checkpoint \(checkpoint.id) has a bad signature (forged, or another key)")
            }
            guard let stored = byId[checkpoint.entryId] else {
                return .broken(entryId: checkpoint.entryId, reason: "checkpoint \(checkpoint.id) names entry \(checkpoint.entryId), which is gone (the history was truncated)")
            }
            if stored != checkpoint.hash {
                return .broken(entryId: checkpoint.entryId, reason: "checkpoint \(checkpoint.id) records another hash for this entry (the chain was rewritten)")
            }
        }
        return .intact(entries: entries.count, checkpoints: checkpoints.count)
    }

    /// SHA-256 of `bytes`, lower-case hex (the chain's links; API token digests).
    public static func sha256Hex(_ bytes: [UInt8]) -> String {
        var digest = [UInt8](repeating: 0, count: Int(SHA256_DIGEST_LENGTH))
        _ = bytes.withUnsafeBufferPointer { input in SHA256(input.baseAddress, input.count, &digest) }
        return hex(digest)
    }

    /// HMAC-SHA256 of `message` with `key`, lower-case hex (audit checkpoints, webhook signatures).
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

    /// Random bytes for a new audit key (OpenSSL's generator).
    public static func newKey(bytes count: Int = 32) -> [UInt8]? {
        var key = [UInt8](repeating: 0, count: count)
        return RAND_bytes(&key, Int32(count)) == 1 ? key : nil
    }
}
