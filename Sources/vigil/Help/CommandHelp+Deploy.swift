/// Help for running Vigil as a service: config check, backup, restore (docs/deployment.md).
extension CommandHelp {
    static let config = CommandHelp(
        name: "config", summary: "check a vigil serve config file before serve runs with it",
        verbs: [
            VerbHelp(name: "check", arguments: "FILE",
                     summary: "every mistake at file:line:col, the effective settings, and the warnings serve would log",
                     details: ["Every mistake in FILE in one run, each at file:line:col (a YAML syntax error stops the parser, so it is reported alone); "
                               + "bad flags and VIGIL_… variables; rules or a vendor catalogue with errors; TLS files it cannot read.",
                               "Then the effective settings after the serve options given after FILE and the VIGIL_… variables, each with where it "
                               + "came from (default, flag, variable, file:line:col), webhook URLs and secrets masked; then the warnings vigil serve "
                               + "logs at start, from the same list: API open (no API users), no alert route, a webhook over plain http:// to another "
                               + "host, plain ws:// off loopback, optional station auth, unknown stations accepted, secret files readable by others …",
                               "Exit status: 0 clean or warnings only (it says so), 1 errors, 2 usage. Nothing is created or migrated."],
                     options: [.json] + CommandHelp.serve.options.filter { $0.name != "config" },
                     examples: ["vigil config check /etc/vigil/vigil.yaml",
                                "vigil config check vigil.yaml --http 0.0.0.0:8080 --json"]),
        ],
        examples: ["vigil config check /etc/vigil/vigil.yaml"])

    static let backup = CommandHelp(
        name: "backup", summary: "a consistent copy of the database, taken while vigil serve runs and writes",
        synopsis: "--output FILE [--db PATH] [--force]",
        details: ["SQLite's online backup API: every page copied in one read transaction, which never blocks serve's writer. "
                  + "One file, mode 0600, renamed into place only when complete.",
                  "The audit key is NOT in the backup, on purpose (whoever holds it can re-sign a rewritten history): back it up "
                  + "separately, where the backups' readers cannot read it (docs/deployment.md). Restore with `vigil restore`.",
                  "SQLite only: a PostgreSQL database (--db postgres://…) is backed up with pg_dump (docs/deployment.md, PostgreSQL)."],
        options: [OptionHelp("output", "FILE", "where to write the copy (required)"),
                  OptionHelp("db", "PATH", "the database", default: "./var/vigil.sqlite", environment: "VIGIL_DB"),
                  OptionHelp("force", nil, "replace an existing FILE"),
                  OptionHelp("audit-key", "FILE", "the key the reminder names", default: "audit.key beside the database",
                             environment: "VIGIL_AUDIT_KEY")],
        examples: ["vigil backup --db /var/lib/vigil/vigil.sqlite --output /var/lib/vigil/backups/vigil-2026-12-05.sqlite"])

    static let restore = CommandHelp(
        name: "restore", summary: "put a backup made by vigil backup in place of the database",
        synopsis: "--from FILE [--db PATH] [--force]",
        details: ["Before changing anything it checks the backup (PRAGMA integrity_check, and a schema version this vigil knows; an "
                  + "older one is migrated at the next start) and refuses a database another process has open (stop vigil serve "
                  + "first; --force does not override that) or an existing one without --force.",
                  "Put back the audit key the backup's history was signed with, then `vigil audit verify` (--as-of the backup's time "
                  + "for a copy taken while serve ran).",
                  "SQLite only: a PostgreSQL database is restored with pg_restore (docs/deployment.md, PostgreSQL)."],
        options: [OptionHelp("from", "FILE", "the backup (required)"),
                  OptionHelp("db", "PATH", "the database to restore", default: "./var/vigil.sqlite", environment: "VIGIL_DB"),
                  OptionHelp("force", nil, "replace an existing database (never one that is open)")],
        examples: ["vigil restore --from /var/lib/vigil/backups/vigil-2026-12-05.sqlite --db /var/lib/vigil/vigil.sqlite --force"])
}
