import API
/// Help for the registry commands: stations, sessions, tokens, users.
extension OptionHelp {
    static let db = OptionHelp("db", "PATH|URL", "the database vigil serve writes, a SQLite file or postgres:// URL (works while serve runs; "
                               + "without it, VIGIL_DB, then the db: of a --config FILE given or of VIGIL_CONFIG)",
                               default: "./var/vigil.sqlite", environment: "VIGIL_DB")
    static let json = OptionHelp("json", nil, "JSON instead of text")
    static let http = OptionHelp("http", "HOST:PORT", "the running serve's HTTP API", default: "127.0.0.1:8080", environment: "VIGIL_HTTP")
    static let from = OptionHelp("from", "T", "from this time on (RFC 3339 with a zone, e.g. 2026-12-03T18:26:00Z)")
    static let to = OptionHelp("to", "T", "up to this time (RFC 3339 with a zone)")
    static func limit(_ fallback: Int) -> OptionHelp { OptionHelp("limit", "N", "the newest N at most", default: String(fallback)) }
    static func by(_ summary: String = "who does it (goes on the record)", default fallback: String? = nil) -> OptionHelp {
        OptionHelp("by", "NAME", summary, default: fallback)
    }
    /// The key a one-shot command signs its audit entry with.
    static let auditKey = OptionHelp("audit-key", "FILE", "the key that signs the entry", default: "audit.key beside the database",
                                     environment: "VIGIL_AUDIT_KEY")
}

extension EnvironmentHelp {
    static let apiToken = EnvironmentHelp(name: "VIGIL_API_TOKEN", summary: "bearer token sent to serve's API (vigil users add)")
}

extension CommandHelp {
    static let stations = CommandHelp(
        name: "stations", summary: "the station registry, in the database vigil serve writes (works while serve runs)",
        details: ["`command` and `configuration` go through the running serve's HTTP API."],
        verbs: [
            VerbHelp(name: "list", summary: "every station: online, registration, OCPP version, vendor and model, last seen",
                     options: [.json]),
            VerbHelp(name: "show", arguments: "ID", summary: "one station with its connectors and clock skew", options: [.json]),
            VerbHelp(name: "add", arguments: "ID", summary: "declare a station (needed when --unknown-stations is reject or pending)",
                     options: [OptionHelp("registration", "R", "its registration", default: "accepted", choices: ["accepted", "pending", "rejected"]),
                               OptionHelp("site", "S", "the site rules can scope and group by")],
                     examples: ["vigil stations add CP-17 --site depot-north"]),
            VerbHelp(name: "site", arguments: "ID SITE", summary: "move a station to a site (\"-\" for none)"),
            VerbHelp(name: "history", arguments: "ID", summary: "status reports in the charger's order, its clock skew corrected",
                     options: [.limit(50), .json]),
            VerbHelp(name: "log", arguments: "ID", summary: "the raw OCPP frames in and out (kept 7 days / 5 million frames)",
                     options: [.limit(50), .json]),
            VerbHelp(name: "timeline", arguments: "ID",
                     summary: "everything about one station in one ordered view, each line with its audit entry",
                     details: ["Connections and disconnections, status reports, faults, decisions, commands and their verification,",
                               "alerts, deliveries, silences, operators' commands, kill switch and breakers; the station's boots,",
                               "Vigil's own calls and their answers from the raw log.",
                               "Exit 1 when a record disagrees with the audit trail."],
                     options: [.from, .to, .limit(200), OptionHelp("frames", nil, "every frame of the raw log, not only Vigil's calls"), .json],
                     examples: ["vigil stations timeline CP-17 --from 2026-12-03T18:00:00Z --json"]),
            VerbHelp(name: "quirks", arguments: "[ID]", summary: "every leniency a vendor quirk profile made Vigil apply, with counts",
                     options: [.json]),
            VerbHelp(name: "password", arguments: "ID", summary: "a new HTTP Basic password for the station (shown once)",
                     details: ["Setting or clearing it is an audit entry (who and how; never the password)."],
                     options: [OptionHelp("stdin", nil, "read the password from standard input instead (exactly as given, spaces kept)"),
                               OptionHelp("clear", nil, "remove it: the station may connect without credentials"),
                               .by(default: "$USER"), .auditKey]),
            VerbHelp(name: "accept", arguments: "ID", summary: "set the registration to accepted"),
            VerbHelp(name: "pending", arguments: "ID", summary: "set the registration to pending (its boots answered Pending)"),
            VerbHelp(name: "reject", arguments: "ID", summary: "set the registration to rejected"),
            VerbHelp(name: "remove", arguments: "ID", summary: "remove the station from the registry"),
            VerbHelp(name: "command", arguments: "ID COMMAND",
                     summary: "an operator's command through the running serve (audited with who and why)",
                     details: ["COMMAND: reset, unlock, enable, disable, trigger, start, stop or configure.",
                               "A reset of a station with a never-reset fault open is refused unless --force --reason TEXT."],
                     options: [OptionHelp("connector", "N", "the connector (or EVSE)"),
                               OptionHelp("type", "TYPE", "reset type", choices: ["soft", "hard"]),
                               OptionHelp("message", "M", "trigger: the message to trigger"),
                               OptionHelp("id-tag", "T", "start: the id tag"),
                               OptionHelp("transaction", "ID", "stop: the transaction"),
                               OptionHelp("key", "K", "configure: the key (2.0.1: Component.Variable)"),
                               OptionHelp("value", "V", "configure: the value"),
                               .by("who asks (required unless VIGIL_API_TOKEN names a user)"),
                               OptionHelp("reason", "TEXT", "why (goes on the audit trail)"),
                               OptionHelp("force", nil, "reset despite an open never-reset fault (needs --reason)"),
                               .http],
                     environment: [.apiToken],
                     examples: ["vigil stations command CP-17 reset --type soft --by alice --reason \"stuck in Faulted\""]),
            VerbHelp(name: "configuration", arguments: "ID",
                     summary: "the station's settings: GetConfiguration (1.6) or GetVariables (2.0.1), through serve",
                     options: [OptionHelp("key", "A,B", "only these keys (2.0.1: Component.Variable)"), .json, .http],
                     environment: [.apiToken]),
        ],
        options: [.db],
        examples: ["vigil stations list", "vigil stations show CP-17 --json"])

    static let sessions = CommandHelp(
        name: "sessions", summary: "charging sessions (1.6 and 2.0.1 in one model) with their meter samples",
        verbs: [VerbHelp(name: "list", summary: "sessions, newest first, one page (the last line names the next page's --before)",
                         options: [OptionHelp("station", "ID", "only this station's"), OptionHelp("site", "S", "only this site's stations'"),
                                   OptionHelp("status", "STATE", "only running or ended sessions", choices: ["active", "completed"]),
                                   OptionHelp("token", "T", "only sessions authorised with this id token"),
                                   OptionHelp("from", "T", "started at or after (RFC 3339 with a zone)"),
                                   OptionHelp("to", "T", "started before (RFC 3339 with a zone)"),
                                   OptionHelp("before", "ID", "only sessions with a smaller id: the next page"),
                                   OptionHelp("limit", "N", "page size, 1…10000", default: "100"), .json]),
                VerbHelp(name: "show", arguments: "ID", summary: "one session with its meter samples", options: [.json]),
                VerbHelp(name: "evidence", arguments: "ID | --verify FILE",
                         summary: "a session's dispute evidence pack (JSON or printable HTML, hashed), or the check of a saved one",
                         details: ["The pack holds the session, its authorisation, meter samples, CDR and tariff version (or why it is not priced), the station's frames, status changes and faults from a minute before the earlier of its start and when Vigil stored it to a minute after the later of its stop and when Vigil last changed it, remediation decisions and commands with their audit entries, and the audit chain's head (docs/billing.md, \"Evidence pack\").",
                                   "--verify recomputes the hashes of a saved pack (JSON or HTML; a page's visible tables must be the ones its embedded pack renders to): OK and exit 0, or every difference and exit 1. With --db it also checks the cited audit entries and compares the pack with that database."],
                         options: [OptionHelp("format", "F", "the pack as JSON or as a printable HTML page", default: "json", choices: ["json", "html"]),
                                   OptionHelp("out", "FILE", "write it to FILE (mode 0600) instead of standard output"),
                                   OptionHelp("verify", "FILE", "check a saved pack instead of making one")],
                         examples: ["vigil sessions evidence 42 --format html --out session-42.html", "vigil sessions evidence --verify session-42.json --db ./var/vigil.sqlite"])],
        options: [.db],
        examples: ["vigil sessions list --station CP-17", "vigil sessions list --site depot-north --status completed --from 2026-12-01T00:00:00Z",
                   "vigil sessions show 42 --json", "vigil sessions evidence 42 --out session-42.json"])

    static let tokens = CommandHelp(
        name: "tokens", summary: "id tokens (RFID) that Authorize, StartTransaction and TransactionEvent check",
        verbs: [VerbHelp(name: "list", summary: "every token with its status, expiry and parent", options: [.json]),
                VerbHelp(name: "add", arguments: "TOKEN", summary: "accept a new token (at most 36 characters)",
                         details: ["An existing token (in any letter case) is not replaced: add refuses it (exit 1); update changes its fields, block and unblock its status."],
                         options: [OptionHelp("expiry", "T", "valid until this time (RFC 3339 with a zone)"),
                                   OptionHelp("parent", "P", "its group (parent id tag)"),
                                   OptionHelp("note", "N", "a note for people"),
                                   OptionHelp("sites", "A,B", "valid at these sites only")],
                         examples: ["vigil tokens add 04A1B2C3 --expiry 2027-01-01T00:00:00Z --sites depot-north"]),
                VerbHelp(name: "update", arguments: "TOKEN", summary: "change an existing token's expiry, parent, note or sites (its status stays)",
                         options: [OptionHelp("expiry", "T", "valid until this time (RFC 3339 with a zone); none: no expiry"),
                                   OptionHelp("parent", "P", "its group (parent id tag); none: no group"),
                                   OptionHelp("note", "N", "a note for people (empty: none)"),
                                   OptionHelp("sites", "A,B", "valid at these sites only; any: every site")],
                         examples: ["vigil tokens update 04A1B2C3 --parent FLEET-ACME --sites any"]),
                VerbHelp(name: "block", arguments: "TOKEN", summary: "block a token (an audit entry of kind token)",
                         options: [.by(default: "$USER"), OptionHelp("reason", "TEXT", "why (goes on the record)"), .auditKey]),
                VerbHelp(name: "unblock", arguments: "TOKEN", summary: "accept a blocked token again (an audit entry of kind token)",
                         options: [.by(default: "$USER"), OptionHelp("reason", "TEXT", "why (goes on the record)"), .auditKey],
                         examples: ["vigil tokens unblock 04A1B2C3 --by alice --reason \"card holder cleared, ticket 4711\""])],
        options: [.db],
        examples: ["vigil tokens list"])

    static let users = CommandHelp(
        name: "users", summary: "HTTP API users; with none the API is open to anyone who can reach it",
        details: ["add and rotate print a bearer token once; only its SHA-256 is stored.",
                  "add, rotate and remove are audit entries (--by NAME, default $USER; signed with --audit-key FILE)."],
        verbs: [VerbHelp(name: "list", summary: "every user with its access and the roles it approves for", options: [.json]),
                VerbHelp(name: "add", arguments: "NAME", summary: "a new user, and its token (shown once)",
                         options: [OptionHelp("access", "A", "what it may do (required): viewer reads, operator also commands and approves, "
                                              + "auditor reads and exports the audit trail, admin everything",
                                              choices: APIAccess.allCases.map(\.rawValue)),
                                   OptionHelp("approves", "ROLE,…", "approval roles it holds (operators only)")],
                         examples: ["vigil users add alice --access operator --approves site-lead"]),
                VerbHelp(name: "rotate", arguments: "NAME", summary: "a new token for the user (the old one stops working)",
                         options: [OptionHelp("access", "A", "change its access too", choices: APIAccess.allCases.map(\.rawValue)),
                                   OptionHelp("approves", "ROLE,…", "change its approval roles too")]),
                VerbHelp(name: "remove", arguments: "NAME", summary: "remove the user; its token no longer works (the last one: the API is open)")],
        options: [.db, .by(default: "$USER"), .auditKey],
        examples: ["vigil users list"])
}
