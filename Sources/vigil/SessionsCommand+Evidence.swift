import CPMS
import Evidence
import Foundation
import ServiceLog

/// `vigil sessions evidence ID [--format json|html] [--out FILE] [--db PATH]`: the session's
/// evidence pack (docs/billing.md, "Evidence pack") on standard output or in FILE (created
/// readable by its owner only: it holds tokens and raw frames). `vigil sessions evidence
/// --verify FILE [--db PATH]`: checks a saved pack, JSON or HTML, against its own hashes and —
/// only when `--db` is given — against that database; prints OK or every problem; exit 0 or 1.
extension SessionsCommand {
    enum EvidenceFormat: String, CaseIterable {
        case json, html
    }

    func evidence() async throws -> Int32 {
        if let file = arguments.value("verify") { return try await verifyEvidence(file) }
        guard arguments.positional.count == 1, let text = arguments.positional.first else {
            throw UsageError("sessions evidence needs one session id, or --verify FILE")
        }
        guard let id = Int(text), id > 0 else { throw UsageError("a session id is a positive integer, got \(text.debugDescription)") }
        let format = try arguments.choice("format", among: EvidenceFormat.allCases.map(\.rawValue)).flatMap(EvidenceFormat.init) ?? .json
        let path = try arguments.database
        let store = try openStore(at: path, create: false)
        guard let records = try await EvidenceRecords.read(session: id, store: store, now: Date()) else {
            throw CommandFailure(description: "no session \(id) in \(path)")
        }
        let pack = try EvidencePack.build(from: records)
        let output = format == .html ? try EvidencePage.html(pack) : try pack.text() + "\n"
        guard let out = arguments.value("out") else {
            printText(output)
            return 0
        }
        guard FileManager.default.createFile(atPath: out, contents: Data(output.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw CommandFailure(description: "cannot write \(out)")
        }
        printLine("wrote the evidence pack of session \(id) (\(pack.isComplete ? "complete" : "not complete: the session is still running"), "
                  + "content hash \(pack.contentHash)) to \(out)")
        return 0
    }

    func verifyEvidence(_ file: String) async throws -> Int32 {
        guard arguments.positional.isEmpty else { throw UsageError("sessions evidence --verify takes a file, not a session id") }
        guard arguments.value("format") == nil, arguments.value("out") == nil else {
            throw UsageError("--format and --out make a pack; --verify checks one")
        }
        guard let data = FileManager.default.contents(atPath: file) else { throw CommandFailure(description: "cannot read \(file)") }
        guard let text = String(data: data, encoding: .utf8) else { throw CommandFailure(description: "\(file) is not UTF-8 text") }
        var check: EvidenceCheck
        do { check = try EvidenceCheck.check(text) } catch { throw CommandFailure(description: "\(file): \(error.description)") }
        if arguments.value("db") != nil { try await check.compare(with: try openStore(at: try arguments.database, create: false)) }
        if check.isValid {
            printLine("OK: \(file) verifies (content hash \(check.recordedHash ?? "")\(arguments.value("db") == nil ? "" : "; agrees with \((try? arguments.database)?.description ?? "the database")"))")
            return 0
        }
        printLine("FAILED: \(file) does not verify:")
        for problem in check.problems { printStoredLine("  " + problem) }
        return 1
    }
}
