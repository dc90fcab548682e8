import Foundation
import ServiceLog
import Glibc

/// Entry point: dispatches to one subcommand.
let usage = """
usage: vigil <command> [options]

commands:
  serve     run the CPMS: OCPP WebSocket listener and HTTP API
            --ocpp HOST:PORT (default 0.0.0.0:9000)  --http HOST:PORT (default 127.0.0.1:8080)
            --tls-cert PEM --tls-key PEM [--tls-client-ca PEM]  serve wss:// (security profiles 2/3)
            --log-level debug|info|warning|error  --log-format text|json
            --db PATH (default ./var/vigil.sqlite)  --unknown-stations accept|pending|reject (default accept)
            --heartbeat-interval SECONDS (default 300)  --vendor-codes DIR (default ./VendorCodes)
            --rules DIR (default ./Rules; reloaded on SIGHUP and when its files change)
            --config FILE   YAML with the same settings (camelCase keys) and `stations` to pre-declare
  stations  list | show ID | log ID [--limit N] | history ID [--limit N] | add ID [--registration R] [--site S] | site ID SITE
            | quirks [ID] | accept ID | reject ID
            | remove ID  [--db PATH] [--json]
            the station registry (works while serve runs)
            | timeline ID [--from T] [--to T] [--limit N] [--frames] [--json]   one station's history in one ordered
              view: status reports, faults, decisions, commands and their verification, alerts, deliveries,
              silences, operators' commands, kill switch and breakers, each with its audit entry [audit #N];
              Vigil's own calls and their answers from the raw log (--frames: every frame)
            | command ID reset|unlock|enable|disable|trigger|start|stop|configure [...] --by NAME [--reason TEXT]
              [--force]   (a reset of a station with a never-reset fault open needs --force --reason)
            | configuration ID [--key A,B]   (both through serve's API, --http HOST:PORT, VIGIL_API_TOKEN)
  sessions  list [--station ID] | show ID  [--db PATH] [--json]   charging sessions with meter samples
  tokens    list | add TOKEN [--expiry T] [--parent P] [--note N] [--sites A,B] | block TOKEN | unblock TOKEN  [--db PATH]
  users     list | add NAME --access viewer|operator|auditor|admin [--approves ROLE,…] | rotate NAME | remove NAME  [--db PATH]
            HTTP API users; add/rotate print a bearer token once (no user: the API is open)
  echo      WebSocket echo endpoint for conformance tests and benchmarks
            --listen HOST:PORT (default 127.0.0.1:9001)  --max-message-bytes N (default 67108864)
  bench     benchmarks: [transport|ocpp|rules|cpms|remediation|alerts|scale|all]
            --connections N (default 1000; scale 15000)  --idle N (default 10000)  --seconds S (default 5; scale 20)
            cpms --url ws://HOST:PORT/PATH/   load another central system instead of vigil echo and vigil serve
  ocpp-harness  a minimal schema-validating central system for interop tests
            --ocpp HOST:PORT --http HOST:PORT (default 127.0.0.1:0 each);
            POST /call/{station}/{action} on the HTTP port makes it call a charger
  codes     the vendor error-code catalogue (VendorCodes/)
            check [DIR] | lookup --vendor V --code C [--model M] [--firmware F] [--ocpp-error E] | list [--vendor V]
            | gaps [--db PATH]   (vendor codes seen that the catalogue does not document)
  rules     the remediation rules (Rules/); see docs/rules.md
            check [DIR] | test [DIR] [--verbose] | explain ID [DIR] | list [--dir DIR] [--json]
            | replay [--db PATH | --events FILE.jsonl] [--from T] [--to T] [--dir DIR] [--json]
            | decisions [--station ID] [--rule ID] [--kind K] [--from T] [--to T] [--limit N] [--db PATH] [--json]
            | show-version HASH [--db PATH] [--json]
            | approve RULE TARGET --by NAME [--role ROLE] [--reject] [--http HOST:PORT]
  audit     the tamper-evident action history: verify [--audit-key FILE] [--anchor FILE] [--as-of T] | query [filters] [--json]
            | show ID [--json]   one entry with its decision, rule version, evidence, command and frames
            | export --format csv|jsonl [--output FILE] [--bom] [--selected-only]   filters: --from --to --station
            --site --rule --action --outcome --actor --kind --limit   [--db PATH]
            | verify --file EXPORT [--key FILE] [--anchor FILE] [--as-of T]   an export, without the database
            (docs/audit.md)
            times (T): RFC 3339 with a zone, e.g. 2026-12-03T18:26:00Z or 2026-12-03T19:26:00.250+01:00
  alerts    list [--status open|resolved] | deliveries [--status pending|delivered|dead] | retry ID | retry --all-dead
            | silence [--rule R] [--station S] [--site S] [--severity V] (--for 2h | --until T) --reason TEXT [--by NAME]
            | silences [--all] | unsilence ID   [--db PATH]
  remediation  stats [--json] | commands [--station ID] [--status S] [--from T] [--to T] [--limit N] [--json]
            | pause --reason TEXT [--by NAME] | resume [--by NAME]  [--db PATH]
  simulate  a simulated mixed-vendor fleet with drivers and scripted faults against a running CSMS
            --scenario FILE [--personalities FILE (default Simulations/personalities.yaml)]
            [--url ws://HOST:PORT/ocpp/ (default ws://127.0.0.1:9000/ocpp/)] [--speed N] [--duration D] [--quiet]
  help      show this text

Every serve option can also be set as an environment variable: --ocpp as VIGIL_OCPP, and so on.
"""

signal(SIGPIPE, SIG_IGN)
var arguments = Array(CommandLine.arguments.dropFirst())
let command = arguments.isEmpty ? "help" : arguments.removeFirst()
let status: Int32
do {
    switch command {
    case "serve": status = try await ServeCommand(arguments: arguments).run()
    case "echo": status = try await EchoCommand(arguments: arguments).run()
    case "bench": status = try await BenchCommand(arguments: arguments).run()
    case "ocpp-harness": status = try await OCPPHarnessCommand(arguments: arguments).run()
    case "codes": status = try await CodesCommand(arguments: arguments).run()
    case "rules": status = try await RulesCommand(arguments: arguments).run()
    case "audit": status = try await AuditCommand(arguments: arguments).run()
    case "alerts": status = try await AlertsCommand(arguments: arguments).run()
    case "simulate": status = try await SimulateCommand(arguments: arguments).run()
    case "remediation": status = try await RemediationCommand(arguments: arguments).run()
    case "stations": status = try await StationsCommand(arguments: arguments).run()
    case "tokens": status = try await TokensCommand(arguments: arguments).run()
    case "users": status = try await UsersCommand(arguments: arguments).run()
    case "sessions": status = try await SessionsCommand(arguments: arguments).run()
    case "help", "--help", "-h":
        print(usage)
        status = 0
    default:
        throw UsageError("unknown command \(command.debugDescription)")
    }
} catch let error as UsageError {
    printError("vigil: \(error.description)\n\n\(usage)\n")
    status = 2
} catch {
    printError("vigil: \(error)\n")
    status = 1
}
exit(status)
