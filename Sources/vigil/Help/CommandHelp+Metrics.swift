/// Help for the reliability metrics (issue #19).
extension CommandHelp {
    static let metrics = CommandHelp(
        name: "metrics", summary: "reliability metrics of the network: availability, sessions, recurring errors, remediation effectiveness",
        details: ["Definitions: docs/operator-guide.md, \"Reliability metrics\"."],
        verbs: [VerbHelp(name: "availability",
                         summary: "each connector's available share of the range and its downtime by cause (maintenance > offline > faulted > unavailable), and the total",
                         options: [MetricsHelp.station, MetricsHelp.site, MetricsHelp.from, MetricsHelp.to,
                                   OptionHelp("config", "FILE", "the vigil serve configuration whose maintenance windows count as maintenance"),
                                   .json],
                         examples: ["vigil metrics availability --station CP-17 --from 2026-12-01T00:00:00Z --to 2026-12-02T00:00:00Z",
                                    "vigil metrics availability --site depot-north --config vigil.yaml --json"]),
                VerbHelp(name: "sessions",
                         summary: "sessions started in the range: success rate, failures by reason, energy, durations, charging and occupied shares, peak hours in the site's time zone",
                         options: [MetricsHelp.station, MetricsHelp.site, MetricsHelp.from, MetricsHelp.to,
                                   OptionHelp("min-energy-kwh", "X", "the least energy a successful session delivers", default: "0.1"),
                                   OptionHelp("config", "FILE", "the vigil serve configuration: sites' time zones, maintenance windows"),
                                   .json],
                         examples: ["vigil metrics sessions --site depot-north --config vigil.yaml --from 2026-11-01T00:00:00Z --to 2026-12-01T00:00:00Z",
                                    "vigil metrics sessions --station CP-17 --min-energy-kwh 0.5 --json"]),
                VerbHelp(name: "errors",
                         summary: "the most frequent fault codes per site, vendor and code: count, stations, first and last seen, mean time to recovery and between faults, catalogue title",
                         options: [MetricsHelp.station, MetricsHelp.site, MetricsHelp.from, MetricsHelp.to,
                                   OptionHelp("limit", "N", "how many codes (1…1000)", default: "20"), .vendorCodes,
                                   OptionHelp("config", "FILE", "the vigil serve configuration (its sites: make --site known)"), .json],
                         examples: ["vigil metrics errors --site depot-north --from 2026-11-01T00:00:00Z --limit 10"]),
                VerbHelp(name: "remediation",
                         summary: "actions per rule and per vendor/model, the share verified, median recovery with and without a Vigil action",
                         options: [MetricsHelp.site, MetricsHelp.from, MetricsHelp.to,
                                   OptionHelp("config", "FILE", "the vigil serve configuration (its sites: make --site known)"), .json],
                         examples: ["vigil metrics remediation --from 2026-11-01T00:00:00Z --json"])],
        options: [.db],
        examples: ["vigil metrics availability", "vigil metrics sessions --site depot-north --config vigil.yaml"])
}

/// The options the metrics verbs share.
enum MetricsHelp {
    static let station = OptionHelp("station", "ID", "only this station")
    static let site = OptionHelp("site", "S", "only this site's stations")
    static let from = OptionHelp("from", "T", "start of the range (RFC 3339 with a zone)", default: "24 h before --to")
    static let to = OptionHelp("to", "T", "end of the range (RFC 3339 with a zone)", default: "now")
}
