import Fraud

/// Help for `vigil fraud` (docs/billing.md, "Fraud and integrity signals").
extension CommandHelp {
    static let fraud = CommandHelp(
        name: "fraud", summary: "fraud and integrity signals: concurrent use of a token, wrong site, offline starts with bad tokens, meter anomalies, authorisation bursts and probing",
        details: ["vigil serve checks each session start and end and each rejected authorisation after it is committed, stores each signal once and publishes it as a `fraudSuspected` event rules can act on.",
                  "Thresholds are the `fraud:` section of the vigil serve config file. Nothing here writes to the database."],
        verbs: [VerbHelp(name: "list", summary: "the stored signals, newest first",
                         options: [OptionHelp("from", "T", "found at or after (RFC 3339 with a zone)"),
                                   OptionHelp("to", "T", "found before (RFC 3339 with a zone)"),
                                   OptionHelp("station", "ID", "only this station's signals"),
                                   OptionHelp("kind", "K", "only this signal",
                                              choices: FraudSignal.Kind.allCases.map(\.rawValue)),
                                   OptionHelp("limit", "N", "at most N signals (default 1000)"), .json])],
        options: [.db],
        examples: ["vigil fraud list --from 2026-12-01T00:00:00Z --to 2026-12-02T00:00:00Z",
                   "vigil fraud list --kind concurrentUse --json",
                   "vigil fraud list --station CP-17"])
}
