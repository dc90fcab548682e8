import Audit
import CPMS
import Foundation
import OCPP
import ServiceLog

/// `vigil tokens list | add TOKEN [--expiry RFC3339] [--parent TOKEN] [--note TEXT] [--sites A,B] | update TOKEN […] | block TOKEN
/// | unblock TOKEN [--by NAME] [--reason TEXT]` (`--db PATH`): the id tokens (RFID cards) chargers authorize against. Works
/// while serve runs. A block or unblock is an audit entry of kind `token`, beside the rules' own blocks.
struct TokensCommand {
    /// The verbs, as typed; `run` switches over every one (`CommandName.verbs`).
    enum Verb: String, CaseIterable, Sendable {
        case list, add, update, block, unblock
    }

    let verb: Verb
    let arguments: Arguments

    init(arguments: [String]) throws(UsageError) {
        verb = try parseVerb(arguments, of: .tokens)
        self.arguments = Arguments(arguments.dropFirst(), flagNames: ["json"])
    }

    func run() async throws -> Int32 {
        let path = try arguments.database
        let now = OCPPDateTime(secondsSinceEpoch: Int64(Date().timeIntervalSince1970)).rfc3339
        func tokenArgument() throws(UsageError) -> String {
            guard let token = arguments.positional.first, !token.isEmpty else { throw UsageError("tokens \(verb.rawValue) needs a TOKEN") }
            guard token.count <= 36 else { throw UsageError("a token has at most 36 characters (OCPP 2.0.1 idToken; 20 for 1.6 idTag)") }
            // A charger sends the card's id as printable characters without spaces around it: a
            // token typed with them would never match (and could not be told apart in a list).
            guard token.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F }) || verb == .block || verb == .unblock else {
                throw UsageError("a token is printable ASCII without spaces (as chargers send it): \(token.debugDescription)")
            }
            return token
        }
        func sitesArgument() -> [String]? {
            arguments.value("sites").map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }
        }
        switch verb {
        case .list:
            try arguments.rejectUnknown(allowed: ["db", "json"])
            let store = try openStore(at: path, create: false)
            let tokens = try await store.tokens()
            if arguments.has("json") {
                printLine(JSONOutput.text(tokens.map { token -> [String: Any] in
                    var object: [String: Any] = ["token": token.token, "status": token.status.rawValue, "sites": token.sites,
                                                 "effectiveStatus": Self.effectiveStatus(token, now: now)]
                    object["expiry"] = token.expiry
                    object["parent"] = token.parent
                    object["note"] = token.note
                    return object
                }))
                return 0
            }
            // Columns as wide as their content; the sites and note were not shown before.
            var table = TextTable([TextTable.Column("TOKEN"), TextTable.Column("STATUS"), TextTable.Column("EXPIRY"),
                                   TextTable.Column("PARENT"), TextTable.Column("SITES"), TextTable.Column("NOTE")])
            for token in tokens {
                table.append([token.token, Self.effectiveStatus(token, now: now), token.expiry ?? "-", token.parent ?? "-",
                              token.sites.isEmpty ? "any" : token.sites.joined(separator: ","), token.note ?? ""])
            }
            for line in table.lines { printLine(line) }
            return 0
        case .add:
            try arguments.rejectUnknown(allowed: ["db", "expiry", "parent", "note", "sites"])
            let token = try tokenArgument()
            let expiry = try arguments.instant("expiry")?.rfc3339
            let sites = sitesArgument() ?? []
            let store = try openStore(at: path, create: true)
            // An existing token is never replaced by `add`: that would unblock a blocked card
            // (also one a fraud rule blocked) and drop its expiry, parent and sites unnoticed.
            if let existing = try await store.addToken(IdTokenRecord(token: token, status: .accepted, expiry: expiry, parent: arguments.value("parent"),
                                                                     note: arguments.value("note"), sites: sites), now: now) {
                printError("vigil: token \(existing.token) already exists (\(existing.status.rawValue)); nothing changed — "
                           + "`vigil tokens update \(existing.token) …` changes its expiry, parent, note or sites, `vigil tokens block|unblock` its status\n")
                return 1
            }
            printLine("token \(token) accepted\(expiry.map { " until \($0)" } ?? "")\(sites.isEmpty ? "" : " at \(sites.joined(separator: ", ")) only")")
            if let expiry, Self.effectiveStatus(IdTokenRecord(token: token, status: .accepted, expiry: expiry), now: now) == "expired" {
                printError("note: its expiry \(expiry) has passed: Authorize answers Expired until `vigil tokens update \(token) --expiry …`\n")
            }
            return 0
        case .update:
            try arguments.rejectUnknown(allowed: ["db", "expiry", "parent", "note", "sites"])
            let token = try tokenArgument()
            let expiry: String?
            if arguments.value("expiry") == "none" { expiry = "" } else { expiry = try arguments.instant("expiry")?.rfc3339 }
            let parent = arguments.value("parent").map { $0 == "none" ? "" : $0 }
            let sites = arguments.value("sites") == "any" ? [] : sitesArgument()
            guard expiry != nil || parent != nil || arguments.value("note") != nil || sites != nil else {
                throw UsageError("tokens update needs at least one of --expiry, --parent, --note, --sites")
            }
            let store = try openStore(at: path, create: false)
            guard let record = try await store.updateToken(token, expiry: expiry, parent: parent, note: arguments.value("note"),
                                                           sites: sites, now: now) else {
                printError("no token \(token.debugDescription) in \(path)\n")
                return 1
            }
            printLine("token \(record.token) \(Self.effectiveStatus(record, now: now))\(record.expiry.map { " until \($0)" } ?? ", no expiry")"
                      + "\(record.parent.map { ", parent \($0)" } ?? "")\(record.sites.isEmpty ? ", any site" : ", at \(record.sites.joined(separator: ", ")) only")")
            return 0
        case .block, .unblock:
            try arguments.rejectUnknown(allowed: ["db", "by", "reason", "audit-key"])
            let token = try tokenArgument()
            let store = try openStore(at: path, create: false)
            let existing = try await store.token(token)
            let before = existing?.status
            let status: IdTokenRecord.Status = verb == .block ? .blocked : .accepted
            guard try await store.setTokenStatus(token, status, now: now) else {
                printError("no token \(token.debugDescription) in \(path)\n")
                return 1
            }
            // On the trail beside the rules' own blocks (kind `token`): who changed the card, from what, and why.
            let person = arguments.person
            let details = "\(existing?.token ?? token): \(before?.rawValue ?? "unknown") → \(status.rawValue)"
                + (arguments.value("reason").map { " — " + $0 } ?? "")
            try await OneShotAudit.record(AuditRecord(kind: "token", actor: person, action: verb.rawValue,
                                                      outcome: before == status ? "unchanged" : verb == .block ? "blocked" : "unblocked",
                                                      details: details),
                                          store: store, arguments: arguments)
            printLine("token \(token) \(verb == .block ? "blocked" : "accepted")")
            return 0
        }
    }

    /// The status Authorize answers now: a stored `accepted` whose expiry has passed is `expired`.
    static func effectiveStatus(_ token: IdTokenRecord, now: String) -> String {
        guard token.status == .accepted, let instant = OCPPDateTime(rfc3339: now) else { return token.status.rawValue }
        return AuthorizationDecision.decide(token, now: instant).outcome == .expired ? "expired" : token.status.rawValue
    }
}
