import API
import Audit
import CPMS
import Foundation
import OCPP
import ServiceLog

/// `vigil users list | add NAME --access viewer|operator|auditor|admin [--approves ROLE,ROLE] | rotate NAME |
/// remove NAME` (`--db PATH`): the people and systems allowed to use the HTTP API. `add` and
/// `rotate` print a new bearer token once; only its SHA-256 is stored. With no user the API is
/// open (keep `--http` on a trusted interface); with one or more, every call but the health
/// check needs a token. Works while serve runs (the next request sees the change).
struct UsersCommand {
    /// The verbs, as typed; `run` switches over every one (`CommandName.verbs`).
    enum Verb: String, CaseIterable, Sendable {
        case list, add, rotate, remove
    }

    let verb: Verb
    let arguments: Arguments

    init(arguments: [String]) throws(UsageError) {
        verb = try parseVerb(arguments, of: .users)
        self.arguments = Arguments(arguments.dropFirst(), flagNames: ["json"])
        try self.arguments.rejectUnknown(allowed: ["db", "access", "approves", "json", "by", "audit-key"])
    }

    /// 32 random bytes from OpenSSL's generator, as hex with a recognisable prefix.
    static func newToken() throws -> String { "vigil_" + (try StationCredentials.randomHex(bytes: 32)) }

    func run() async throws -> Int32 {
        let path = try arguments.database
        let now = OCPPDateTime(secondsSinceEpoch: Int64(Date().timeIntervalSince1970)).rfc3339
        func name() throws(UsageError) -> String {
            guard let name = arguments.positional.first, !name.isEmpty else { throw UsageError("users \(verb.rawValue) needs a NAME") }
            guard name.allSatisfy({ $0.isLetter || $0.isNumber || "-_.@".contains($0) }), name.count <= 64 else {
                throw UsageError("a user name is up to 64 letters, digits and - _ . @, got \(name.debugDescription)")
            }
            return name
        }
        switch verb {
        case .list:
            let users = try await APIUserStore(host: openStore(at: path, create: false)).apiUsers()
            if arguments.has("json") {
                printLine(JSONOutput.text(users.map { ["name": $0.name, "access": $0.access.rawValue, "approves": $0.approves, "createdAt": $0.createdAt] }))
                return 0
            }
            if users.isEmpty {
                printLine("no API users: the HTTP API is open to anyone who can reach it")
                return 0
            }
            var table = TextTable([TextTable.Column("NAME"), TextTable.Column("ACCESS"), TextTable.Column("APPROVES"), TextTable.Column("SINCE")])
            for user in users {
                table.append([user.name, user.access.rawValue, user.approves.isEmpty ? "-" : user.approves.joined(separator: ", "), user.createdAt])
            }
            for line in table.lines { printLine(line) }
            return 0
        case .add, .rotate:
            let userName = try name()
            let store = try openStore(at: path, create: verb == .add)
            var access = APIAccess.viewer
            var approves: [String] = []
            if verb == .rotate {
                guard let existing = try await APIUserStore(host: store).apiUsers().first(where: { $0.name == userName }) else {
                    printError("vigil: no API user \(userName.debugDescription)")
                    return 1
                }
                (access, approves) = (existing.access, existing.approves)
            } else if try await APIUserStore(host: store).apiUsers().contains(where: { $0.name == userName }) {
                // Adding over an existing user would silently revoke its token and change its access.
                printLine("API user \(userName) already exists; vigil users rotate \(userName) [--access A] gives it a new token, "
                          + "vigil users remove \(userName) removes it")
                return 1
            }
            if let text = arguments.value("access") {
                guard let parsed = APIAccess(rawValue: text) else { throw UsageError("--access must be one of \(APIAccess.allCases.map(\.rawValue).joined(separator: ", ")), got \(text.debugDescription)") }
                access = parsed
            } else if verb == .add {
                throw UsageError("users add needs --access viewer|operator")
            }
            if let roles = arguments.value("approves") {
                approves = roles.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
                if !approves.isEmpty && access != .operator { throw UsageError("--approves needs --access operator") }
            }
            let token = try Self.newToken()
            try await APIUserStore(host: store).saveAPIUser(name: userName, access: access, approves: approves, token: token, now: now)
            // The token first: it is saved, and an audit write that fails must not leave it unseen.
            printLine("\(verb == .add ? "added" : "new token for") \(userName) (\(access.rawValue)\(approves.isEmpty ? "" : ", approves " + approves.joined(separator: ", ")))")
            printLine("token (shown once; give it as Authorization: Bearer …, or VIGIL_API_TOKEN for the CLI):")
            printLine(token)
            try await audit(store, action: "api user \(verb.rawValue)", user: userName,
                            details: "\(userName): \(access.rawValue)\(approves.isEmpty ? "" : ", approves " + approves.joined(separator: ", "))"
                                + (verb == .rotate ? "; the old token no longer works" : ""))
            return 0
        case .remove:
            let userName = try name()
            let store = try openStore(at: path, create: false)
            let users = APIUserStore(host: store)
            guard try await users.removeAPIUser(name: userName) else {
                printError("vigil: no API user \(userName.debugDescription)")
                return 1
            }
            let open = try await !users.hasAPIUsers()
            try await audit(store, action: "api user remove", user: userName,
                            details: "\(userName) removed" + (open ? "; no API user is left: the HTTP API is open" : ""))
            printLine("removed \(userName); its token no longer works")
            if open {
                printError("warning: that was the last API user: the HTTP API is now open to anyone who can reach it, "
                           + "without a token; add one with `vigil users add NAME --access admin`\n")
            }
            return 0
        }
    }

    /// The change on the audit trail: who made it (`--by`, else `$USER`) and what the user may do now.
    func audit(_ store: StationStore, action: String, user: String, details: String) async throws {
        let person = arguments.person
        try await OneShotAudit.record(AuditRecord(kind: "operator", actor: person, action: action, outcome: "done", details: details),
                                      store: store, arguments: arguments)
    }
}
