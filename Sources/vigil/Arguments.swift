import CPMS
import Foundation
import OCPP
import Store
import YAMLKit

/// Command-line arguments of one subcommand: `--name value`, `--name=value` and flags.
struct Arguments {
    private(set) var options: [String: String] = [:]
    private(set) var flags: Set<String> = []
    private(set) var positional: [String] = []
    /// Options given last with no value: reported by `rejectUnknown` as unknown (with a
    /// suggestion) or as needing a value, rather than here, where known and unknown look alike.
    private(set) var valueless: Set<String> = []

    /// Parses `arguments`; `flagNames` take no value.
    init(_ arguments: some Sequence<String>, flagNames: Set<String> = []) {
        var iterator = arguments.makeIterator()
        while let argument = iterator.next() {
            guard argument.hasPrefix("--") else {
                positional.append(argument)
                continue
            }
            let body = argument.dropFirst(2)
            if let equals = body.firstIndex(of: "=") {
                options[String(body[..<equals])] = String(body[body.index(after: equals)...])
            } else if flagNames.contains(String(body)) {
                flags.insert(String(body))
            } else {
                guard let value = iterator.next() else {
                    valueless.insert(String(body))
                    continue
                }
                options[String(body)] = value
            }
        }
    }

    func value(_ name: String) -> String? { options[name] }

    func integer(_ name: String, default fallback: Int) throws(UsageError) -> Int {
        guard let text = options[name] else { return fallback }
        guard let value = Int(text), value >= 0 else { throw UsageError("--\(name) must be a non-negative integer, got \(text.debugDescription)") }
        // A listing's `--limit 0` would print nothing and succeed: never what was meant.
        if name == "limit" && value == 0 { throw UsageError("--limit must be at least 1") }
        return value
    }

    func has(_ flag: String) -> Bool { flags.contains(flag) }

    /// `--name` as a time in the store's form (`FilterInput.time`), nil when not given; a value
    /// that is not RFC 3339 with a zone is a usage error naming the option.
    func time(_ name: String, bound: FilterInput.Bound = .lower) throws(UsageError) -> String? {
        guard let text = options[name] else { return nil }
        do { return try FilterInput.time(text, option: name, bound: bound) } catch { throw UsageError(error.description) }
    }

    /// `--name` as an instant (`FilterInput.instant`), nil when not given.
    func instant(_ name: String) throws(UsageError) -> OCPPDateTime? {
        guard let text = options[name] else { return nil }
        do { return try FilterInput.instant(text, option: name) } catch { throw UsageError(error.description) }
    }

    /// `--name` when it is one of `valid`, nil when not given; anything else is a usage error
    /// listing the valid values.
    func choice(_ name: String, among valid: [String]) throws(UsageError) -> String? {
        guard let text = options[name] else { return nil }
        do { return try FilterInput.choice(text, option: name, among: valid) } catch { throw UsageError(error.description) }
    }

    /// Who an operator's command is on the record as: `--by NAME`, else `$USER`, else `operator`.
    var person: String { options["by"] ?? ProcessInfo.processInfo.environment["USER"] ?? "operator" }

    /// `--db`, else `VIGIL_DB`, else the `db:` of the `--config FILE` the command was given
    /// or of `VIGIL_CONFIG` (serve's config file: `vigil metrics … --config vigil.yaml` reads
    /// the database serve writes), else the `vigil serve` default: a SQLite file (a path or a `sqlite:` URL) or a
    /// PostgreSQL URL (`DatabaseLocation`); any other URL fails with the reason instead of
    /// becoming a file name.
    var database: StoreLocation {
        get throws {
            var named = options["db"] ?? ProcessInfo.processInfo.environment["VIGIL_DB"]
            if named == nil, let path = options["config"] ?? ProcessInfo.processInfo.environment["VIGIL_CONFIG"] {
                named = try ServeConfigFile.load(path: path).settings["db"]
            }
            // A --db (VIGIL_DB) that names no usable database is a malformed value: a usage error (exit 2).
            switch DatabaseLocation.parse(named ?? "./var/vigil.sqlite") {
            case .success(let location): return location
            case .failure(let failure): throw UsageError(failure.description)
            }
        }
    }

    /// Fails on options the command does not know, so typos are not silently ignored; names
    /// the closest known one when it is near enough to be a typo (edit distance 2 at most).
    func rejectUnknown(allowed: Set<String>) throws(UsageError) {
        for name in Set(options.keys).union(flags).union(valueless).sorted() where !allowed.contains(name) {
            throw UsageError.unknownOption(name, allowed: allowed)
        }
        if let name = valueless.sorted().first { throw UsageError("option --\(name) needs a value") }
    }
}

/// A mistake on the command line; printed with a pointer to the command's help, exit status 2.
struct UsageError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }

    /// "unknown option --statoin; did you mean --station?".
    static func unknownOption(_ name: String, allowed: Set<String>) -> UsageError {
        let hint = YAMLFieldReader.closest(to: name, in: allowed.sorted()).map { "; did you mean --\($0)?" } ?? ""
        return UsageError("unknown option --\(name)\(hint)")
    }
}
