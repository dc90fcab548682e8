import Audit
import CPMS
import Foundation
import Remediation
import ServiceLog

/// serve signs at start what an earlier run left unsigned (killed before its shutdown
/// checkpoint, a CLI command without the key). A tail longer or older than serve ever leaves
/// unsigned — `vigil audit verify` calls it INCOMPLETE — may also be entries written or changed
/// outside Vigil after their checkpoints were deleted; signing it silently would make such a
/// trail verify as intact. So serve says so first, on the trail itself (signed with the rest,
/// and shown by every `vigil audit verify` from then on) and in its log.
extension ServeCommand {
    static func noteLateSigning(store: StationStore, auditor: Auditor, log: Log, now: Date = Date()) async {
        let cadence = AuditChain.Cadence.standard
        do {
            guard let tail = try await AuditStore(host: store).unsignedTail() else { return }
            let count = tail.last - tail.first + 1
            let age = StoreTime.parse(tail.oldestAt).map { Int(now.timeIntervalSince($0)) } ?? Int.max
            // A tail dated ahead of now cannot be dated (`audit verify` calls it INCOMPLETE too).
            let future = (try await AuditStore(host: store).unsignedTailTimes()).contains {
                StoreTime.parse($0).map { $0.timeIntervalSince(now) > AuditChain.futureTolerance } ?? true
            }
            guard count >= cadence.entries || age > 2 * cadence.seconds || future else { return }
            let stretch = count == 1 ? "entry \(tail.first)" : "entries \(tail.first)…\(tail.last)"
            let details = "\(stretch) (\(count), the oldest written \(tail.oldestAt)) had no checkpoint: more than serve leaves unsigned "
                + "(one every \(cadence.entries) entries or \(cadence.seconds) s). Signed now, at start. They may be what an earlier run "
                + "left unsigned (killed long ago, a CLI command without the key), or entries written or changed outside Vigil after "
                + "their checkpoints were deleted: check them against an anchor (vigil audit verify --anchor FILE) or a copy."
            log(.error, "audit trail: signing entries left unsigned beyond the cadence", ["first": String(tail.first), "last": String(tail.last),
                                                                                        "oldest": tail.oldestAt])
            await auditor.record(AuditRecord(kind: "system", actor: "serve", action: AuditChain.lateSigningAction, outcome: "signed late",
                                             details: details))
        } catch {
            log(.error, "cannot read the audit trail's unsigned tail", ["error": "\(error)"])
        }
    }
}
