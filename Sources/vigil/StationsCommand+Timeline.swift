import CPMS
import Foundation
import Remediation
import ServiceLog

/// `vigil stations timeline ID [--from T] [--to T] [--limit N] [--frames] [--json] [--db PATH]`:
/// everything on record about one station in one ordered view (`StationTimeline`), each line
/// with the audit entry behind it. Without `--frames`, the raw log contributes Vigil's own calls
/// to the station and its answers to them; with it, every frame. Exit 1 for an unknown station,
/// and when a decision or command disagrees with its audit entries (shown as AUDIT MISMATCH).
extension StationsCommand {
    func timeline() async throws -> Int32 {
        guard let id = arguments.positional.first, !id.isEmpty else { throw UsageError("stations timeline needs a station id") }
        // Every option is read before anything is printed: a refused query prints nothing on standard output.
        let (from, to) = (try arguments.time("from", bound: .lower), try arguments.time("to", bound: .upper))
        let limit = try arguments.integer("limit", default: 200)
        let path = try arguments.database
        let store = try openStore(at: path, create: false)
        guard let station = try await store.station(id) else { return noStation(id, in: path) }
        let rows = try await StationTimeline.read(station: id, site: station.site, from: from, to: to, limit: limit,
                                                  frames: arguments.has("frames") ? .all : .vigilsCalls, store: store)
        let items = StationTimeline.merge(rows, from: from, to: to, limit: limit, now: StoreTime.format(Date()))
        for item in items { printLine(arguments.has("json") ? item.jsonLine : item.line) }
        if items.isEmpty && !arguments.has("json") { printLine("nothing on record for \(id.escapingControls) in that time") }
        let problems = items.reduce(0) { $0 + $1.problems.count }
        if problems > 0 {
            printError("\(problems) disagreement(s) between the records and the audit trail: the records were changed outside Vigil, or the trail was (vigil audit verify checks the trail)\n")
            return 1
        }
        return 0
    }
}
