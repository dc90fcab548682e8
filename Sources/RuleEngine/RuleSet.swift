import Foundation
import YAMLKit

/// A checked, loaded set of rules (every `*.yaml` of a Rules/ directory), ordered by priority
/// (highest first) and then by file and position. Loading reports every problem of every file.
public struct RuleSet: Sendable {
    public let rules: [Rule]
    public let files: [String]

    public init(rules: [Rule], files: [String] = []) {
        self.rules = rules.enumerated().sorted { a, b in
            a.element.priority != b.element.priority ? a.element.priority > b.element.priority : a.offset < b.offset
        }.map(\.element)
        self.files = files
    }

    public func rule(_ id: String) -> Rule? { rules.first { $0.id == id } }

    /// Loads every `*.yaml`/`*.yml` file directly inside `directory` (not its `tests/`).
    public static func load(directory: String) throws(RuleLoadError) -> RuleSet {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
                .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted()
        } catch {
            throw RuleLoadError(errors: [.unreadableDirectory(directory, what: "rules",
                                                              hint: "give the rules directory with --dir, or run from the directory that holds Rules/", error: error)])
        }
        var sources: [(file: String, text: String)] = []
        var errors: [YAMLError] = []
        for name in names {
            let path = (directory as NSString).appendingPathComponent(name)
            guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
                errors.append(YAMLError(mark: YAMLMark(file: path, line: 0, column: 0), problem: "cannot read the file as UTF-8"))
                continue
            }
            sources.append((path, text))
        }
        switch load(files: sources) {
        case .success(let set) where errors.isEmpty: return set
        case .success: throw RuleLoadError(errors: errors)
        case .failure(let failure): throw RuleLoadError(errors: errors + failure.errors)
        }
    }

    /// Loads rule files given as (path, text). Each file is a YAML list of rules.
    public static func load(files: [(file: String, text: String)]) -> Result<RuleSet, RuleLoadError> {
        var reader = RuleReader()
        var rules: [Rule] = []
        for file in files {
            let root: YAMLNode?
            do {
                root = try YAMLParser.parse(file.text, file: file.file)
            } catch {
                reader.errors.append(error)
                continue
            }
            guard let root, !root.isNull else { continue }
            guard let items = root.sequence else {
                reader.fail(root, "a rules file is a list of rules (each item starts with \"- id: …\"), got a \(root.kindName)")
                continue
            }
            for item in items {
                if let rule = reader.read(item) { rules.append(rule) }
            }
        }
        var errors = reader.errors
        // Duplicates among every rule read, also those with other errors: one run shows every problem.
        var firstMark: [String: YAMLMark] = [:]
        for (id, mark) in reader.idMarks {
            if let earlier = firstMark[id] {
                errors.append(YAMLError(mark: mark, problem: "duplicate rule id \"\(id)\" (first defined at \(earlier))"))
            } else {
                firstMark[id] = mark
            }
        }
        // References are checked for every rule read, also those with other errors (a rule that
        // exists but has errors is not reported as missing): one run shows every problem.
        let ids = reader.seenIds
        for reference in reader.references {
            for other in reference.names where !ids.contains(other) {
                var problem = "rule \"\(reference.rule)\": refers to rule \"\(other)\", which no file defines"
                if let suggestion = RuleReader.closest(to: other, in: ids) { problem += " (did you mean \"\(suggestion)\"?)" }
                errors.append(YAMLError(mark: reference.mark, problem: problem))
            }
            if reference.inhibitsItself {
                errors.append(YAMLError(mark: reference.mark, problem: "rule \"\(reference.rule)\": a rule cannot inhibit itself"))
            }
        }
        errors.sort { ($0.mark.file, $0.mark.line, $0.mark.column) < ($1.mark.file, $1.mark.line, $1.mark.column) }
        return errors.isEmpty ? .success(RuleSet(rules: rules, files: files.map(\.file))) : .failure(RuleLoadError(errors: errors))
    }
}

/// Every problem found while loading rules, each at `file:line:col`.
public struct RuleLoadError: Error, Sendable, CustomStringConvertible {
    public var errors: [YAMLError]
    public var description: String { errors.map(\.description).joined(separator: "\n") }
}
