import Audit
import CPMS
import Foundation
import OCPP

/// A pack compared with the database it came from: the cited audit entries are still there,
/// unchanged and still hashing right; the chain's head and checkpoint the pack names are still
/// on record as named; and, for a finished session, the pack rebuilt from the database now
/// says what the file says, field by field (a retention that pruned frames shows here too).
extension EvidenceCheck {
    /// At most this many differing fields are named (the rest are counted).
    static let differenceLimit = 20

    public mutating func compare(with store: StationStore) async throws {
        let audit = AuditStore(host: store)
        for entry in citedEntries.compactMap({ $0 }) {
            guard let stored = try await audit.auditEntry(id: entry.id) else {
                problems.append("database: audit entry #\(entry.id) is no longer on the trail")
                continue
            }
            if stored.hash != entry.hash { problems.append("database: audit entry #\(entry.id) has hash \(stored.hash), the pack cites \(entry.hash)") }
            let computed = AuditChain.hash(id: stored.id, at: stored.at, record: stored.record, previousHash: stored.previousHash, encoding: stored.encoding)
            if computed != stored.hash { problems.append("database: audit entry #\(entry.id) no longer matches its own hash (run `vigil audit verify`)") }
        }
        if case .object(let auditSection)? = document["audit"] {
            if case .object(let head)? = auditSection["head"], case .number(let id)? = head["entryId"], let id = id.intValue,
               case .string(let hash)? = head["hash"] {
                let stored = try await audit.auditEntry(id: id)
                if stored?.hash != hash { problems.append("database: the chain's head when the pack was made, entry #\(id), \(stored == nil ? "is gone" : "now has hash \(stored?.hash ?? "")")") }
            }
            if case .object(let point)? = auditSection["checkpoint"], case .number(let sequence)? = point["sequence"],
               case .string(let signature)? = point["signature"] {
                let stored = try await audit.auditCheckpoints().first { $0.sequence == sequence.intValue }
                if stored?.signature != signature { problems.append("database: checkpoint \(sequence) \(stored == nil ? "is gone" : "has another signature")") }
            }
        }
        try await compareRebuilt(with: store)
    }

    /// Rebuilds a finished session's pack as it would have been made then, and names the fields
    /// where the file and the database disagree.
    mutating func compareRebuilt(with store: StationStore) async throws {
        guard document["complete"] == .bool(true), case .object(let session)? = document["session"], case .number(let idNumber)? = session["id"],
              let id = idNumber.intValue, case .string(let producedAt)? = document["producedAt"], let now = StoreTime.parse(producedAt),
              case .object(let window)? = document["window"], case .number(let margin)? = window["marginSeconds"], let marginSeconds = margin.intValue,
              case .string(let from)? = window["from"], case .string(let to)? = window["to"]
        else { return }
        guard let records = try await EvidenceRecords.read(session: id, store: store, now: now, marginSeconds: marginSeconds,
                                                           window: (from, to)) else {
            problems.append("database: there is no session \(id)")
            return
        }
        let rebuilt = try EvidencePack.build(from: records).contents
        var differences: [String] = []
        for name in EvidencePack.sections where name != "audit" {
            Self.differences(document[name] ?? .null, rebuilt[name] ?? .null, path: name, into: &differences)
        }
        for difference in differences.prefix(Self.differenceLimit) { problems.append("database: \(difference)") }
        if differences.count > Self.differenceLimit {
            problems.append("database: and \(differences.count - Self.differenceLimit) more differing fields")
        }
    }

    /// Where `file` and `database` differ, by path (`frames.items[3].text`).
    static func differences(_ file: JSONValue, _ database: JSONValue, path: String, into found: inout [String]) {
        switch (file, database) {
        case (.object(let a), .object(let b)):
            let keys = (a.members.map(\.key) + b.members.map(\.key).filter { a[$0] == nil })
            for key in keys { differences(a[key] ?? .null, b[key] ?? .null, path: "\(path).\(key)", into: &found) }
        case (.array(let a), .array(let b)):
            for index in 0..<min(a.count, b.count) { differences(a[index], b[index], path: "\(path)[\(index)]", into: &found) }
            if a.count != b.count { found.append("\(path): the file has \(a.count) items, the database \(b.count)") }
        case (.string(let a), .string(let b)) where a != b && (a.count > 120 || b.count > 120):
            // Long texts (a CDR's document, a frame) shown around where they part, not cut at the same prefix.
            let common = zip(a, b).prefix { $0 == $1 }.count
            found.append("\(path): differs from character \(common + 1): the file has \(excerpt(a, from: common)), the database \(excerpt(b, from: common))")
        default:
            if file != database { found.append("\(path): the file has \(shown(file)), the database \(shown(database))") }
        }
    }

    /// `text` from a little before `offset` to 60 characters after, with … where it is cut.
    static func excerpt(_ text: String, from offset: Int) -> String {
        let start = max(0, offset - 20)
        let part = text.dropFirst(start).prefix(80)
        return (start > 0 ? "…" : "") + JSONWriter.string(.string(String(part))) + (start + part.count < text.count ? "…" : "")
    }

    static func shown(_ value: JSONValue) -> String {
        let text = JSONWriter.string(value)
        return text.count > 120 ? String(text.prefix(117)) + "…" : text
    }
}
