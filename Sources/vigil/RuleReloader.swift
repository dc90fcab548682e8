import Audit
import Dispatch
import Foundation
import Glibc
import Remediation
import RuleEngine
import ServiceLog

/// Hot reload of the rule set in `vigil serve`: on SIGHUP, and when a file of the rules
/// directory changes (polled every 2 s: names, sizes and modification times). A set that
/// fails the checks of `vigil rules check` is refused with every error logged, and the
/// running set is kept.
struct RuleReloader {
    let directory: String
    let runner: RuleRunner
    let auditor: Auditor
    let log: Log

    /// A fingerprint of the directory's rule files; nil when it cannot be read.
    static func fingerprint(_ directory: String) -> String? {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return nil }
        return names.filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted().map { name -> String in
            let attributes = try? FileManager.default.attributesOfItem(atPath: (directory as NSString).appendingPathComponent(name))
            let modified = (attributes?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
            return "\(name):\(attributes?[.size] ?? 0):\(modified)"
        }.joined(separator: "|")
    }

    /// Runs until cancelled.
    func run() async {
        signal(SIGHUP, SIG_IGN)
        let (hangups, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let source = DispatchSource.makeSignalSource(signal: SIGHUP, queue: DispatchQueue(label: "vigil.sighup"))
        source.setEventHandler { continuation.yield() }
        source.resume()
        defer { source.cancel() }
        let initial = Self.fingerprint(directory)
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for await _ in hangups { await self.reload(reason: "SIGHUP") }
            }
            group.addTask {
                var seen = initial
                while !Task.isCancelled {
                    try? await Task.sleep(for: .seconds(2))
                    let now = Self.fingerprint(directory)
                    if now != seen {
                        seen = now
                        await self.reload(reason: "files changed")
                    }
                }
                continuation.finish()
            }
            await group.waitForAll()
        }
    }

    func reload(reason: String) async {
        do {
            let ruleSet = try RuleSet.load(directory: directory)
            let change = await runner.reload(ruleSet)
            // Rules gone (a file emptied or deleted, a rule renamed) take their running ladders and
            // windows with them: said louder than an ordinary reload.
            log(change.removed.isEmpty ? .info : .warning, change.removed.isEmpty ? "rules reloaded" : "rules reloaded; some rules were removed and their state dropped",
                ["reason": reason, "rules": String(ruleSet.rules.count),
                                          "added": change.added.joined(separator: ","), "removed": change.removed.joined(separator: ","),
                                          "changed": change.changed.joined(separator: ",")])
            let hashes = ruleSet.rules.map { "\($0.id)=\($0.hash.prefix(12))" }.joined(separator: " ")
            await auditor.record(AuditRecord(kind: "operator", actor: "system", action: "rules reload", outcome: "applied",
                                             details: "\(reason); added: \(change.added.joined(separator: ",")); removed: \(change.removed.joined(separator: ",")); changed: \(change.changed.joined(separator: ",")); now: \(hashes)"))
        } catch {
            log(.error, "rules reload refused; the running rules stay in force", ["reason": reason, "errors": String(error.errors.count)])
            for problem in error.errors { log(.error, "rule error", ["at": problem.mark.description, "problem": problem.problem]) }
            await auditor.record(AuditRecord(kind: "operator", actor: "system", action: "rules reload", outcome: "refused",
                                             details: "\(reason): " + error.errors.map(\.description).joined(separator: "; ")))
        }
    }
}
