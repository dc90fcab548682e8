import Digests
import Store

/// A CDR as stored: its row id, the record, the stored hash and when it was written.
public struct StoredCDR: Sendable, Equatable {
    public var id: Int
    public var record: ChargeDetailRecord
    /// The canonical JSON as stored, which `contentHash` covers.
    public var document: String
    public var contentHash: String
    public var createdAt: String

    init(row: [SQLValue]) throws {
        id = row[0].int ?? 0
        document = row[1].text ?? ""
        record = try ChargeDetailRecord.decode(document)
        contentHash = row[2].text ?? ""
        createdAt = row[3].text ?? ""
    }

    /// Whether the stored hash is the SHA-256 of the stored document.
    public var isIntact: Bool { Digests.sha256Hex(Array(document.utf8)) == contentHash }
}

/// A session that ended without a CDR, and why (`vigil billing unpriced`).
public struct UnpricedSession: Sendable, Equatable {
    public var session: Int
    public var station: String
    public var startTime: String
    public var stopTime: String?
    public var reason: String
    public var recordedAt: String
}
