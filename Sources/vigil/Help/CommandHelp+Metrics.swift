/// Help for the reliability metrics (issue #19).
extension CommandHelp {
    static let metrics = CommandHelp(
        name: "metrics", summary: "reliability metrics of the network: connector availability with downtime by cause",
        details: ["Definitions: docs/operator-guide.md, \"Reliability metrics\"."],
        verbs: [VerbHelp(name: "availability",
                         summary: "each connector's available share of the range and its downtime by cause (maintenance > offline > faulted > unavailable), and the total",
                         options: [OptionHelp("station", "ID", "only this station's connectors"),
                                   OptionHelp("site", "S", "only the connectors of this site's stations"),
                                   OptionHelp("from", "T", "start of the range (RFC 3339 with a zone)", default: "24 h before --to"),
                                   OptionHelp("to", "T", "end of the range (RFC 3339 with a zone)", default: "now"),
                                   OptionHelp("config", "FILE", "the vigil serve configuration whose maintenance windows count as maintenance"),
                                   .json],
                         examples: ["vigil metrics availability --station CP-17 --from 2026-12-01T00:00:00Z --to 2026-12-02T00:00:00Z",
                                    "vigil metrics availability --site depot-north --config vigil.yaml --json"])],
        options: [.db],
        examples: ["vigil metrics availability"])
}
