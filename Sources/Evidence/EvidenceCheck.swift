import Audit
import Digests
import OCPP

/// Checks a saved evidence pack — the JSON file, or the HTML page that embeds it — against its
/// own hashes, offline: the content hash, each section's hash (so a change is named by
/// section), the CDR's and tariff version's own hashes, and every cited audit entry's hash
/// recomputed from its fields. `EvidenceCheck+Database` compares it with a database as well.
public struct EvidenceCheck: Sendable {
    /// The id of the `<script type="application/json">` block the HTML page carries the pack in.
    public static let htmlBlockId = "vigil-evidence-pack"

    /// The document as read.
    public var document: JSONObject
    /// Everything wrong, in words; empty when the pack verifies.
    public var problems: [String] = []

    public var isValid: Bool { problems.isEmpty }
    public var recordedHash: String? {
        if case .string(let hash)? = document["contentHash"] { return hash }
        return nil
    }

    /// What makes a file unreadable as a pack at all.
    public struct ReadError: Error, Equatable, CustomStringConvertible {
        public var description: String
    }

    /// Reads `text` (a pack's JSON, or an HTML page with the pack's block) and checks it.
    public static func check(_ text: String) throws(ReadError) -> EvidenceCheck {
        let json = try packText(in: text)
        let value: JSONValue
        do { value = try JSONParser.parse(json, maxDepth: 32) } catch { throw ReadError(description: "not a readable JSON document: \(error)") }
        guard case .object(let document) = value else { throw ReadError(description: "the pack is not a JSON object") }
        guard document["format"] == .string(EvidencePack.format) else {
            throw ReadError(description: "not an evidence pack: \"format\" is not \"\(EvidencePack.format)\"")
        }
        guard document["version"] == .number(JSONNumber(EvidencePack.version)) else {
            throw ReadError(description: "evidence pack version \(document["version"].map(JSONWriter.string) ?? "missing"); this Vigil reads version \(EvidencePack.version)")
        }
        var check = EvidenceCheck(document: document)
        check.verifyHashes()
        if json != text { check.verifyPage(text) }
        return check
    }

    /// An HTML page is what a customer reads, so its visible part must be the one Vigil renders
    /// from the pack it carries: the page is made again from the embedded pack and compared
    /// byte for byte (a table edited by hand, with the block left alone, verified before). The
    /// first differing line is named with its section.
    mutating func verifyPage(_ page: String) {
        var body = document
        body.members.removeAll { $0.key == "contentHash" }
        let rendered: String
        do { rendered = try EvidencePage.html(try EvidencePack(sealing: body)) } catch {
            problems.append("the page cannot be rendered again from its embedded pack: \(error.description)")
            return
        }
        guard rendered != page else { return }
        let shown = page.split(separator: "\n", omittingEmptySubsequences: false)
        let expected = rendered.split(separator: "\n", omittingEmptySubsequences: false)
        let line = zip(shown, expected).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(shown.count, expected.count)
        let section = shown.prefix(line + 1).last { $0.contains("<h2>") }.flatMap { text -> Substring? in
            guard let open = text.range(of: "<h2>"), let close = text.range(of: "</h2>", range: open.upperBound..<text.endIndex) else { return nil }
            return text[open.upperBound..<close.lowerBound]
        }
        problems.append("the page's visible content is not the pack it carries: line \(line + 1)"
                        + (section.map { " (section \($0))" } ?? "") + " differs from what Vigil renders from the embedded pack")
    }

    /// The JSON of a pack: the text itself, or the embedded block of an HTML page.
    static func packText(in text: String) throws(ReadError) -> String {
        let trimmed = text.drop { $0.isWhitespace }
        guard trimmed.hasPrefix("<") else { return text }
        let opening = "<script type=\"application/json\" id=\"\(htmlBlockId)\">"
        guard let start = text.range(of: opening), let end = text.range(of: "</script>", range: start.upperBound..<text.endIndex) else {
            throw ReadError(description: "an HTML file without the evidence pack's block (\(opening)…</script>)")
        }
        return String(text[start.upperBound..<end.lowerBound])
    }

    mutating func verifyHashes() {
        var contents = document
        contents.members.removeAll { $0.key == "contentHash" }
        do {
            let computed = try EvidencePack.hash(.object(contents))
            switch recordedHash {
            case nil: problems.append("contentHash is missing")
            case let recorded? where recorded != computed:
                problems.append("contentHash: the pack records \(recorded), its contents hash to \(computed)")
            default: break
            }
            try verifySections()
        } catch {
            problems.append(error.description)
            return
        }
        verifyBilling()
        verifyAuditEntries()
    }

    mutating func verifySections() throws(EvidenceCanonicalForm.Problem) {
        guard case .object(let recorded)? = document["sectionHashes"] else {
            problems.append("sectionHashes is missing")
            return
        }
        for name in EvidencePack.sections {
            guard let section = document[name] else {
                if recorded[name] != nil { problems.append("section \(name) is missing (its hash is recorded)") }
                continue
            }
            let computed = try EvidencePack.hash(section)
            guard case .string(let hash)? = recorded[name] else {
                problems.append("section \(name) has no recorded hash")
                continue
            }
            if hash != computed { problems.append("section \(name) differs: it hashes to \(computed), the pack records \(hash)") }
        }
        for member in recorded.members where !EvidencePack.sections.contains(member.key) {
            problems.append("sectionHashes names \(member.key.debugDescription), which is not a section of a pack")
        }
    }

    /// The CDR's content hash is the SHA-256 of its document; a tariff version's hash that of its canonical JSON.
    mutating func verifyBilling() {
        guard case .object(let billing)? = document["billing"] else { return }
        if case .object(let cdr)? = billing["cdr"], case .string(let text)? = cdr["document"], case .string(let hash)? = cdr["contentHash"],
           Digests.sha256Hex(Array(text.utf8)) != hash {
            problems.append("billing.cdr: the document does not hash to its contentHash \(hash)")
        }
        if case .object(let tariff)? = billing["tariffVersion"], case .string(let text)? = tariff["canonicalJSON"],
           case .string(let hash)? = tariff["hash"], Digests.sha256Hex(Array(text.utf8)) != hash {
            problems.append("billing.tariffVersion: the canonical JSON does not hash to its hash \(hash)")
        }
    }

    /// Each cited entry's hash, recomputed from the fields the pack holds.
    mutating func verifyAuditEntries() {
        for (index, entry) in citedEntries.enumerated() {
            guard let entry else {
                problems.append("remediation.auditEntries[\(index)] cannot be read as an audit entry")
                continue
            }
            let computed = AuditChain.hash(id: entry.id, at: entry.at, record: entry.record, previousHash: entry.previousHash, encoding: entry.encoding)
            if computed != entry.hash { problems.append("audit entry #\(entry.id): its fields hash to \(computed), the pack records \(entry.hash)") }
        }
    }

    /// The audit entries the pack cites, as entries (nil where one cannot be read).
    public var citedEntries: [AuditEntry?] {
        guard case .object(let remediation)? = document["remediation"], case .array(let list)? = remediation["auditEntries"] else { return [] }
        return list.map { value in
            guard case .object(let object) = value else { return nil }
            func text(_ key: String) -> String? { if case .string(let value)? = object[key] { return value }; return nil }
            guard case .number(let id)? = object["id"], let id = id.intValue, let at = text("at"), let kind = text("kind"),
                  let actor = text("actor"), let details = text("details"), let previous = text("previousHash"), let hash = text("hash"),
                  case .number(let encodingNumber)? = object["encoding"], let encoding = encodingNumber.intValue.flatMap(AuditEntry.Encoding.init)
            else { return nil }
            let record = AuditRecord(kind: kind, actor: actor, station: text("station"), site: text("site"), rule: text("rule"),
                                     action: text("action"), outcome: text("outcome"), details: details)
            return AuditEntry(id: id, at: at, record: record, previousHash: previous, hash: hash, encoding: encoding)
        }
    }
}
