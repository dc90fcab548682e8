import Audit

/// Help for the audit trail and the vendor error-code catalogue.
extension OptionHelp {
    static let auditFilters: [OptionHelp] = [
        .from, .to, OptionHelp("station", "S", "only this station's entries"), OptionHelp("site", "S", "only this site's"),
        OptionHelp("rule", "R", "only this rule's"), OptionHelp("action", "A", "only actions starting with this (case-blind: reset matches reset soft)"),
        OptionHelp("outcome", "O", "only this outcome (one Vigil writes or one on record)"),
        OptionHelp("actor", "A", "only this actor's"), OptionHelp("kind", "K", "only this kind", choices: AuditRecord.kinds),
    ]
    static let catalogueDir = OptionHelp("dir", "DIR", "the catalogue", default: "VendorCodes")
}

extension CommandHelp {
    static let audit = CommandHelp(
        name: "audit", summary: "the tamper-evident action history (docs/audit.md, docs/operator-guide.md)",
        verbs: [
            VerbHelp(name: "verify", arguments: "", summary: "prove the chain intact, signed and complete, or name the first problem (exit 1)",
                     details: ["With --file EXPORT it checks an export instead, without the database: every problem, then what the export proves."],
                     options: [OptionHelp("audit-key", "FILE", "the key that signs checkpoints", default: "audit.key beside the database",
                                          environment: "VIGIL_AUDIT_KEY"),
                               OptionHelp("anchor", "FILE", "also check against the checkpoints serve copied there (--audit-anchor)"),
                               OptionHelp("as-of", "T", "judge the unsigned tail at time T instead of now (a backup: when it was taken)"),
                               OptionHelp("file", "EXPORT", "verify this JSONL export instead of the database"),
                               OptionHelp("key", "FILE", "with --file: the key (or --audit-key)", environment: "VIGIL_AUDIT_KEY")],
                     examples: ["vigil audit verify --anchor /var/lib/vigil/anchor.jsonl",
                                "vigil audit verify --file export.jsonl --key audit.key"]),
            VerbHelp(name: "query", summary: "entries matching the filters, oldest first",
                     options: OptionHelp.auditFilters + [.limit(1_000), .json],
                     examples: ["vigil audit query --station CP-17 --from 2026-12-03T00:00:00Z --json"]),
            VerbHelp(name: "show", arguments: "ID", summary: "one entry with its decision, rule version, evidence, command and frames",
                     options: [.json]),
            VerbHelp(name: "export", summary: "entries with their hashes and every signed checkpoint, as CSV or JSON lines",
                     details: ["A filtered export also holds the entries that link each selected one to a checkpoint, unless --selected-only."],
                     options: [OptionHelp("format", "F", "the format", default: "jsonl", choices: ["csv", "jsonl"]),
                               OptionHelp("output", "FILE", "write there instead of standard output"),
                               OptionHelp("bom", nil, "start a CSV with a UTF-8 byte order mark (spreadsheets)"),
                               OptionHelp("selected-only", nil, "only the selected entries, without their links")]
                        + OptionHelp.auditFilters + [OptionHelp("limit", "N", "the newest N entries at most")],
                     examples: ["vigil audit export --format csv --bom --output audit.csv"]),
        ],
        options: [.db],
        examples: ["vigil audit verify", "vigil audit show 1234"])

    static let codes = CommandHelp(
        name: "codes", summary: "the vendor error-code catalogue (VendorCodes/; schema: docs/vendor-codes.md)",
        verbs: [
            VerbHelp(name: "check", arguments: "[DIR]", summary: "validate every catalogue file; exit 1 on any error",
                     examples: ["vigil codes check VendorCodes"]),
            VerbHelp(name: "lookup", summary: "what a vendor's code means, its severity and remedy (exit 1 for a catalogue gap)",
                     options: [OptionHelp("vendor", "V", "the vendor (as the charger names itself)"), OptionHelp("code", "C", "the vendor error code"),
                               OptionHelp("model", "M", "the charger model"), OptionHelp("firmware", "F", "its firmware"),
                               OptionHelp("ocpp-error", "E", "the OCPP error code (generic guidance)"), .catalogueDir],
                     examples: ["vigil codes lookup --vendor ABB --code 0x0012 --model TAC-22"]),
            VerbHelp(name: "list", summary: "every documented code per vendor",
                     options: [OptionHelp("vendor", "PATTERN", "only vendors matching (glob)"), .catalogueDir, .json]),
            VerbHelp(name: "gaps", summary: "vendor codes seen from chargers that the catalogue does not document",
                     options: [.db, .json]),
        ],
        examples: ["vigil codes list --vendor 'ABB*'"])
}
