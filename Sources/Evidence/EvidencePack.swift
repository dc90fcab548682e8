import Digests
import OCPP

/// One charging session's dispute evidence as one JSON document (docs/billing.md, "Evidence
/// pack"): the session, its authorisation, every meter sample, the CDR and tariff version or
/// why it is not priced, the station's raw frames, status changes and faults in the session's
/// window, the remediation decisions and commands there with their audit entries, and the
/// audit chain's head and newest checkpoint when it was made.
///
/// Sealing: every member named in `sections` gets the SHA-256 of its canonical form
/// (`EvidenceCanonicalForm`) in `sectionHashes`, so a verifier can say which part changed;
/// `contentHash` is the SHA-256 of the canonical form of the whole document without the
/// `contentHash` member (so it covers `sectionHashes`, `format`, `version` and all). This type
/// holds a sealed document; building one is `EvidencePack.build`, checking one `EvidenceCheck`.
public struct EvidencePack: Sendable, Equatable {
    public static let format = "vigil-evidence-pack"
    public static let version = 1
    /// The members with a hash of their own, in the order a reader meets them.
    public static let sections = ["session", "authorization", "meterSamples", "billing", "frames", "statusChanges", "faults",
                                  "remediation", "audit"]

    /// Every member but `contentHash` (`sectionHashes` included).
    public private(set) var contents: JSONObject
    public private(set) var contentHash: String

    /// Seals `body` (the members without `sectionHashes` and `contentHash`): adds the section
    /// hashes, then the content hash.
    public init(sealing body: JSONObject) throws(EvidenceCanonicalForm.Problem) {
        var contents = JSONObject(body.members.filter { $0.key != "sectionHashes" && $0.key != "contentHash" })
        var hashes = JSONObject()
        for name in Self.sections {
            guard let section = contents[name] else { continue }
            hashes.append(name, .string(try Self.hash(section)))
        }
        contents.append("sectionHashes", .object(hashes))
        self.contents = contents
        self.contentHash = try Self.hash(.object(contents))
    }

    /// SHA-256, lower-case hex, of `value`'s canonical form.
    public static func hash(_ value: JSONValue) throws(EvidenceCanonicalForm.Problem) -> String {
        Digests.sha256Hex(try EvidenceCanonicalForm.bytes(value))
    }

    /// The document as saved: the canonical form of the contents with `contentHash` added.
    public func text() throws(EvidenceCanonicalForm.Problem) -> String {
        var document = contents
        document.append("contentHash", .string(contentHash))
        return try EvidenceCanonicalForm.text(.object(document))
    }

    /// False while the session was still running when the pack was made.
    public var isComplete: Bool { contents["complete"] == .bool(true) }
}
