/// Help for the long-running commands and tools: serve, echo, simulate, bench, ocpp-harness.
extension CommandHelp {
    /// A `vigil serve` option: its variable is `VIGIL_` and the name in capitals (`--tls-cert`:
    /// `VIGIL_TLS_CERT`) and its config key the camelCase one `ServeConfigFile` reads, both
    /// derived the way `ServeCommand` derives them, so help cannot drift from what serve reads.
    static func serveOption(_ name: String, _ value: String?, _ summary: String, default defaultValue: String? = nil,
                            choices: [String] = []) -> OptionHelp {
        let key = (ServeConfigFile.keys.merging(ServeConfigFile.listKeys) { first, _ in first }).first { $0.value == name }?.key
        return OptionHelp(name, value, summary, default: defaultValue,
                          environment: "VIGIL_" + name.uppercased().replacingOccurrences(of: "-", with: "_"),
                          configKey: key, choices: choices)
    }

    static let serve = CommandHelp(
        name: "serve", summary: "run the CPMS: the OCPP WebSocket listener (/ocpp/{id}) and the HTTP API",
        synopsis: "[options]",
        details: ["Settings come from the flags, else from the VIGIL_… variables, else from the --config file, else the defaults.",
                  "Port 0 picks an ephemeral port; the bound addresses are printed at start-up (\"ocpp listening on HOST:PORT\").",
                  "SIGTERM or SIGINT shuts down gracefully; SIGHUP reloads the rules."],
        options: [
            serveOption("config", "FILE", "YAML with the same settings (camelCase keys), `stations` to pre-declare, `maintenance`, `alerts` and `remediation`"),
            serveOption("ocpp", "HOST:PORT", "OCPP WebSocket listener (path /ocpp/{id})", default: "0.0.0.0:9000"),
            serveOption("http", "HOST:PORT", "HTTP API listener", default: "127.0.0.1:8080"),
            serveOption("http-allowed-hosts", "H:P,…", "other Host values the API answers to (a proxy's or DNS name)"),
            serveOption("http-allowed-origins", "URL,…", "web origins allowed to call the API from a browser (CORS for them only)"),
            serveOption("tls-cert", "PEM", "certificate: serve wss:// (OCPP security profile 2); needs --tls-key"),
            serveOption("tls-key", "PEM", "the certificate's private key"),
            serveOption("tls-client-ca", "PEM", "also require client certificates signed by this CA (profile 3)"),
            serveOption("db", "PATH|URL", "SQLite file or postgres:// URL, created and migrated at start", default: "./var/vigil.sqlite"),
            serveOption("unknown-stations", "POLICY", "what a BootNotification from an unknown station gets", default: "accept",
                        choices: ["accept", "pending", "reject"]),
            serveOption("heartbeat-interval", "SECONDS", "interval sent in the Boot response", default: "300"),
            serveOption("vendor-codes", "DIR", "the vendor error-code catalogue", default: "./VendorCodes"),
            serveOption("rules", "DIR", "the remediation rules; reloaded on SIGHUP and when a file changes", default: "./Rules"),
            serveOption("audit-key", "FILE", "key that signs audit checkpoints (created while missing and no checkpoint is signed yet; required with PostgreSQL)", default: "audit.key beside the SQLite database"),
            serveOption("audit-anchor", "FILE", "also append each signed checkpoint to FILE, for `vigil audit verify --anchor`"),
            serveOption("command-timeout", "SECONDS", "how long a command waits for the station's answer (1 to 600)", default: "30"),
            serveOption("concurrent-use", "POLICY", "whether one token may run two sessions at once", default: "reject",
                        choices: ["allow", "reject"]),
            serveOption("duplicate-connections", "POLICY", "a station connecting again while its old socket looks open",
                        default: "keep-new", choices: ["keep-new", "keep-old"]),
            serveOption("node-id", "NAME", "this node's name in the station leases when several nodes share a PostgreSQL database",
                        default: "HOST:OCPP-PORT"),
            serveOption("message-log-days", "N", "keep the raw OCPP frame log N days", default: "7"),
            serveOption("message-log-frames", "N", "… and at most N frames", default: "5000000"),
            serveOption("message-log-bytes", "N", "… and at most N characters of frame text", default: "2147483648"),
            serveOption("station-auth", "POLICY", "`required` refuses stations without a password or client certificate",
                        default: "optional", choices: ["optional", "required"]),
            serveOption("station-message-budget", "N", "incoming messages per station per minute (0 off, else at least 60); frames over it are not handled", default: "3000"),
            serveOption("station-byte-budget", "N", "incoming bytes per station per minute (0 off, else at least 1048576)", default: "16777216"),
            serveOption("connections-per-address", "N", "charger connections at once from one non-loopback address (0 no cap)",
                        default: "1000"),
            serveOption("tick-interval", "MS", "how often time passing is fed to the rule engine", default: "250"),
            serveOption("log-level", "LEVEL", "the least important log line written", default: "info",
                        choices: ["debug", "info", "warning", "error"]),
            serveOption("log-format", "FORMAT", "log lines on standard error as text or JSON", default: "text", choices: ["text", "json"]),
        ],
        environment: [EnvironmentHelp(name: "VIGIL_TRANSPORT_TRACE", summary: "1: log every connection's life cycle to standard error")],
        examples: ["vigil serve --ocpp 0.0.0.0:9000 --http 127.0.0.1:8080 --db ./var/vigil.sqlite",
                   "VIGIL_UNKNOWN_STATIONS=reject vigil serve --config /etc/vigil/vigil.yaml"])

    static let echo = CommandHelp(
        name: "echo", summary: "a WebSocket echo endpoint (conformance tests, benchmarks)", synopsis: "[options]",
        options: [OptionHelp("listen", "HOST:PORT", "where to listen", default: "127.0.0.1:9001"),
                  OptionHelp("max-message-bytes", "N", "largest message echoed", default: "67108864")],
        examples: ["vigil echo --listen 127.0.0.1:9001"])

    static let simulate = CommandHelp(
        name: "simulate", summary: "a simulated mixed-vendor fleet with drivers and scripted faults against a running CSMS",
        synopsis: "--scenario FILE [options]", details: ["Scenarios and personalities: docs/simulator.md and Simulations/."],
        options: [OptionHelp("scenario", "FILE", "the scenario to run (required)"),
                  OptionHelp("personalities", "FILE", "the chargers' vendor personalities", default: "Simulations/personalities.yaml"),
                  OptionHelp("url", "URL", "the CSMS's OCPP endpoint", default: "ws://127.0.0.1:9000/ocpp/", environment: "VIGIL_SIMULATE_URL"),
                  OptionHelp("speed", "N", "time factor, more than 0 and at most 3600 (the scenario's own when not given); above 1 the chargers' clocks run ahead of Vigil's (docs/simulator.md)"),
                  OptionHelp("duration", "D", "how long to run, such as 90s or 10m (the scenario's own when not given)"),
                  OptionHelp("quiet", nil, "print only the summary")],
        examples: ["vigil simulate --scenario Simulations/demo.yaml"])

    static let bench = CommandHelp(
        name: "bench", summary: "benchmarks; results in bench/results/ (method and figures: docs/benchmarks.md)",
        details: ["Without a suite, every suite runs (all)."],
        verbs: [
            VerbHelp(name: "transport", summary: "WebSocket round trips through 1 and N connections, memory per idle connection"),
            VerbHelp(name: "ocpp", summary: "OCPP decode, validate and encode rates on one core"),
            VerbHelp(name: "cpms", summary: "chargers against vigil echo and vigil serve with SQLite in alternating rounds: messages/s, database size",
                     options: [OptionHelp("url", "URL", "load another central system instead (ws://HOST:PORT/PATH/)")]),
            VerbHelp(name: "rules", summary: "events/s through 500 rules and a replay of one million events"),
            VerbHelp(name: "remediation", summary: "fault → command latency with 1,000 chargers saturating vigil serve"),
            VerbHelp(name: "alerts", summary: "alert delivery rate and outbox depth through a receiver outage"),
            VerbHelp(name: "scale", summary: "15,000 chargers at one message per second each (about 40 s)"),
            VerbHelp(name: "all", summary: "every suite above"),
            VerbHelp(name: "insights", summary: "a site's session and error reports over a year of generated history (not part of all)",
                     options: [OptionHelp("stations", "N", "stations in the network, in sites of 20", default: "1000")]),
            VerbHelp(name: "cluster", summary: "1, 2 and 3 serve nodes on one PostgreSQL, chargers spread over them (not part of all)",
                     options: [OptionHelp("db", "URL", "the PostgreSQL server (a fresh schema per round, dropped after)",
                                          default: "VIGIL_TEST_POSTGRES_URL")]),
        ],
        options: [OptionHelp("connections", "N", "connections or chargers", default: "1000; scale 15000"),
                  OptionHelp("idle", "N", "idle connections held for the memory figure", default: "10000"),
                  OptionHelp("seconds", "S", "how long each rate is measured", default: "5; scale 20"),
                  OptionHelp("rounds", "N", "cpms only: alternating echo/serve pairs; the median pair's figures are reported", default: "3"),
                  OptionHelp("url", "URL", "cpms only: load another central system instead of vigil serve")],
        examples: ["vigil bench ocpp", "vigil bench cpms --connections 200 --seconds 10", "vigil bench insights --stations 100",
                   "scripts/postgres-scratch run vigil bench cluster"])

    static let ocppHarness = CommandHelp(
        name: "ocpp-harness", summary: "a minimal schema-validating central system for interop tests", synopsis: "[options]",
        details: ["POST /call/{station}/{action} on the HTTP port makes it call a charger."],
        options: [OptionHelp("ocpp", "HOST:PORT", "OCPP WebSocket listener", default: "127.0.0.1:0"),
                  OptionHelp("http", "HOST:PORT", "its HTTP control port", default: "127.0.0.1:0")],
        examples: ["vigil ocpp-harness --ocpp 127.0.0.1:0 --http 127.0.0.1:0"])
}
