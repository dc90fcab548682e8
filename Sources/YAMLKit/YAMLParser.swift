import CYAML

/// Parses YAML through libyaml into `YAMLNode` trees with positions. It resolves anchors and
/// aliases and merge keys (`<<: *defaults`), rejects duplicate mapping keys (which libyaml accepts and a rule author never
/// means), and bounds nesting depth and alias expansion so a hostile file cannot exhaust
/// memory ("billion laughs").
public enum YAMLParser {
    public struct Limits: Sendable {
        public var maxDepth = 64
        /// Nodes produced after alias expansion.
        public var maxNodes = 1_000_000
        public init() {}
    }

    /// Every document in `text`; an empty file has none.
    public static func parseDocuments(_ text: String, file: String, limits: Limits = Limits()) throws(YAMLError) -> [YAMLNode] {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else {
            throw YAMLError(mark: YAMLMark(file: file, line: 1, column: 1), problem: "cannot initialise the YAML parser")
        }
        defer { yaml_parser_delete(&parser) }
        let bytes = Array(text.utf8)
        return try bytes.withUnsafeBufferPointer { buffer throws(YAMLError) -> [YAMLNode] in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            var documents: [YAMLNode] = []
            var budget = limits.maxNodes
            while true {
                var document = yaml_document_t()
                guard yaml_parser_load(&parser, &document) == 1 else { throw parseError(parser, file: file) }
                defer { yaml_document_delete(&document) }
                guard let root = yaml_document_get_root_node(&document) else { return documents }
                var converter = Converter(document: &document, file: file, limits: limits, budget: budget)
                documents.append(try converter.convert(root, depth: 0))
                budget = converter.budget
            }
        }
    }

    /// The single document of `text`; an empty file is an empty mapping's absence: nil.
    public static func parse(_ text: String, file: String, limits: Limits = Limits()) throws(YAMLError) -> YAMLNode? {
        let documents = try parseDocuments(text, file: file, limits: limits)
        if documents.count > 1 {
            throw YAMLError(mark: documents[1].mark, problem: "a second YAML document ('---'); one document per file")
        }
        return documents.first
    }

    static func parseError(_ parser: yaml_parser_t, file: String) -> YAMLError {
        let problem = parser.problem.map { String(cString: $0) } ?? "invalid YAML"
        let context = parser.context.map { " " + String(cString: $0) } ?? ""
        let mark = parser.problem_mark
        return YAMLError(mark: YAMLMark(file: file, line: Int(mark.line) + 1, column: Int(mark.column) + 1),
                         problem: "\(problem)\(context)")
    }

    struct Converter {
        let document: UnsafeMutablePointer<yaml_document_t>
        let file: String
        let limits: Limits
        var budget: Int

        init(document: UnsafeMutablePointer<yaml_document_t>, file: String, limits: Limits, budget: Int) {
            self.document = document
            self.file = file
            self.limits = limits
            self.budget = budget
        }

        func mark(_ node: UnsafeMutablePointer<yaml_node_t>) -> YAMLMark {
            YAMLMark(file: file, line: Int(node.pointee.start_mark.line) + 1, column: Int(node.pointee.start_mark.column) + 1)
        }

        mutating func convert(_ node: UnsafeMutablePointer<yaml_node_t>, depth: Int) throws(YAMLError) -> YAMLNode {
            let here = mark(node)
            guard depth <= limits.maxDepth else { throw YAMLError(mark: here, problem: "nesting deeper than \(limits.maxDepth) levels") }
            budget -= 1
            guard budget >= 0 else {
                throw YAMLError(mark: here, problem: "document expands to more than \(limits.maxNodes) nodes (aliases nested too deeply?)")
            }
            // The loader gives untagged nodes their default tag; only other tags are kept,
            // `tag:yaml.org,2002:int` written back in its short form `!!int`.
            var explicitTag: String?
            if let tag = node.pointee.tag.map({ String(cString: $0) }), !isDefaultTag(tag, node.pointee.type) {
                explicitTag = tag.hasPrefix("tag:yaml.org,2002:") ? "!!" + tag.dropFirst(18) : tag
            }
            switch node.pointee.type {
            case YAML_SCALAR_NODE:
                let scalar = node.pointee.data.scalar
                let text = String(decoding: UnsafeBufferPointer(start: scalar.value, count: scalar.length), as: UTF8.self)
                let quoted = scalar.style == YAML_SINGLE_QUOTED_SCALAR_STYLE || scalar.style == YAML_DOUBLE_QUOTED_SCALAR_STYLE
                    || scalar.style == YAML_LITERAL_SCALAR_STYLE || scalar.style == YAML_FOLDED_SCALAR_STYLE
                return YAMLNode(.scalar(text, isQuoted: quoted), mark: here, tag: explicitTag)
            case YAML_SEQUENCE_NODE:
                var items: [YAMLNode] = []
                var item = node.pointee.data.sequence.items.start
                while let current = item, current != node.pointee.data.sequence.items.top {
                    guard let child = yaml_document_get_node(document, current.pointee) else { break }
                    items.append(try convert(child, depth: depth + 1))
                    item = current + 1
                }
                return YAMLNode(.sequence(items), mark: here, tag: explicitTag)
            case YAML_MAPPING_NODE:
                var pairs: [(key: YAMLNode, value: YAMLNode)] = []
                // Merge keys (`<<: *defaults`, `<<: [*a, *b]`): the merged mappings' entries, in
                // order (an earlier mapping wins), added after the explicit ones, which win.
                var merged: [(key: YAMLNode, value: YAMLNode)] = []
                var pair = node.pointee.data.mapping.pairs.start
                while let current = pair, current != node.pointee.data.mapping.pairs.top {
                    guard let keyNode = yaml_document_get_node(document, current.pointee.key),
                          let valueNode = yaml_document_get_node(document, current.pointee.value) else { break }
                    let key = try convert(keyNode, depth: depth + 1)
                    if key.sequence != nil || key.mapping != nil {
                        throw YAMLError(mark: key.mark, problem: "mapping keys must be scalars, got a \(key.kindName)")
                    }
                    if case .scalar("<<", isQuoted: false) = key.value {
                        let value = try convert(valueNode, depth: depth + 1)
                        let sources = value.sequence ?? [value]
                        for source in sources {
                            guard case .mapping(let entries) = source.value else {
                                throw YAMLError(mark: key.mark, problem: "the merge key << takes a mapping or a list of mappings (for example *defaults), got a \(source.kindName)")
                            }
                            for entry in entries where !merged.contains(where: { $0.key.scalar == entry.key.scalar }) { merged.append(entry) }
                        }
                        pair = current + 1
                        continue
                    }
                    if let first = pairs.first(where: { $0.key.scalar == key.scalar }) {
                        throw YAMLError(mark: key.mark, problem: "duplicate key \(key.scalar.map { "\"\($0)\"" } ?? "") (first at line \(first.key.mark.line))")
                    }
                    pairs.append((key, try convert(valueNode, depth: depth + 1)))
                    pair = current + 1
                }
                pairs += merged.filter { entry in !pairs.contains(where: { $0.key.scalar == entry.key.scalar }) }
                return YAMLNode(.mapping(pairs), mark: here, tag: explicitTag)
            default:
                throw YAMLError(mark: here, problem: "empty node")
            }
        }

        func isDefaultTag(_ tag: String, _ type: yaml_node_type_t) -> Bool {
            switch type {
            case YAML_SCALAR_NODE: return tag == "tag:yaml.org,2002:str"
            case YAML_SEQUENCE_NODE: return tag == "tag:yaml.org,2002:seq"
            case YAML_MAPPING_NODE: return tag == "tag:yaml.org,2002:map"
            default: return false
            }
        }
    }
}
