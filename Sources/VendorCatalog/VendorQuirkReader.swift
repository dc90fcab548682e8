import YAMLKit

/// Reads the `quirks` list of a vendor file (docs/vendor-codes.md, "Quirk profiles"),
/// checking every key and value and that each quirk does something and names its source.
enum VendorQuirkReader {
    static let keys = ["id", "description", "models", "firmware", "leniency", "actions", "fields", "substitute",
                       "repairFrame", "replyDelay", "remoteStartNeedsConnector", "source"]

    static func read(_ list: YAMLNode, vendor name: String, sources: [String: CatalogSource]) -> ([VendorQuirk], [YAMLError]) {
        var quirks: [VendorQuirk] = []
        var errors: [YAMLError] = []
        guard let items = list.sequence else {
            return ([], [YAMLError(mark: list.mark, problem: "vendor file: \"quirks\" must be a list")])
        }
        var seen: Set<String> = []
        for item in items {
            var reader = YAMLFieldReader(item, context: "vendor \"\(name)\" quirk", allowed: keys)
            let id = reader.string("id") ?? ""
            if !id.isEmpty, !seen.insert(id).inserted, let node = item["id"] { reader.fail(node, "duplicate quirk id \"\(id)\"") }
            let description = reader.string("description") ?? ""
            let models = reader.strings("models").map { Glob($0) }
            var range: FirmwareRange?
            if let text = reader.string("firmware", required: false), let node = item["firmware"] {
                range = FirmwareRange(text)
                if range == nil { reader.fail(node, "firmware must look like >=1.6.0, <2, =1.2.3 or 1.6.0 - 1.8.99, got \"\(text)\"") }
            }
            let leniency = reader.strings("leniency")
            for option in leniency where !VendorQuirk.knownLeniencies.contains(option) {
                reader.fail(item["leniency"] ?? item, "unknown leniency \"\(option)\"; known: \(VendorQuirk.knownLeniencies.joined(separator: ", "))")
            }
            let actions = reader.strings("actions")
            let fields = reader.strings("fields")
            if leniency.isEmpty, let node = item["actions"] ?? item["fields"] {
                reader.fail(node, "\"actions\" and \"fields\" limit a leniency; this quirk has none")
            }
            var nested: [YAMLError] = []
            let substitutions = readSubstitutions(item["substitute"], context: reader.context, errors: &nested)
            let repairs = readRepairs(item["repairFrame"], context: reader.context, errors: &nested)
            let delays = readDelays(item["replyDelay"], context: reader.context, errors: &nested)
            let needsConnector = reader.bool("remoteStartNeedsConnector", required: false) ?? false
            let effects = ["leniency", "substitute", "repairFrame", "replyDelay"].filter { item[$0] != nil }
            if effects.isEmpty && !needsConnector {
                reader.fail(item, "quirk \"\(id)\" changes nothing; give leniency, substitute, repairFrame, replyDelay or remoteStartNeedsConnector")
            }
            var source: CatalogSource?
            if let key = reader.string("source"), let node = item["source"] {
                source = sources[key]
                if source == nil { reader.fail(node, "unknown source \"\(key)\"; define it under \"sources\"") }
            }
            errors += reader.errors + nested
            if reader.errors.isEmpty, nested.isEmpty, let source {
                quirks.append(VendorQuirk(id: id, description: description, models: models, firmware: range, leniency: leniency,
                                          actions: actions, fields: fields, substitutions: substitutions, repairs: repairs,
                                          replyDelays: delays, remoteStartNeedsConnector: needsConnector, source: source))
            }
        }
        return (quirks, errors)
    }

    /// A mapping or a list of mappings.
    private static func entries(_ node: YAMLNode?) -> [YAMLNode] {
        guard let node else { return [] }
        return node.sequence ?? [node]
    }

    private static func readSubstitutions(_ node: YAMLNode?, context: String, errors: inout [YAMLError]) -> [VendorQuirk.Substitution] {
        entries(node).compactMap { entry in
            var fields = YAMLFieldReader(entry, context: "\(context) substitute", allowed: ["action", "field", "from", "to"])
            let action = fields.string("action", required: false)
            let field = fields.string("field"), from = fields.string("from"), to = fields.string("to")
            if let field, field.isEmpty || field.hasPrefix(".") || field.hasSuffix(".") || field.contains("..") {
                fields.fail(entry, "field must be a path such as errorCode or meterValue[].sampledValue[].measurand, got \"\(field)\"")
            }
            if let from, from == to { fields.fail(entry, "from and to are the same (\"\(from)\")") }
            errors += fields.errors
            guard fields.errors.isEmpty, let field, let from, let to else { return nil }
            return VendorQuirk.Substitution(action: action, field: field, from: from, to: to)
        }
    }

    private static func readRepairs(_ node: YAMLNode?, context: String, errors: inout [YAMLError]) -> [VendorQuirk.FrameRepair] {
        entries(node).compactMap { entry in
            var fields = YAMLFieldReader(entry, context: "\(context) repairFrame", allowed: ["from", "to"])
            let from = fields.string("from"), to = fields.string("to")
            if let from, from.isEmpty { fields.fail(entry, "from must not be empty") }
            errors += fields.errors
            guard fields.errors.isEmpty, let from, let to else { return nil }
            return VendorQuirk.FrameRepair(from: from, to: to)
        }
    }

    private static func readDelays(_ node: YAMLNode?, context: String, errors: inout [YAMLError]) -> [VendorQuirk.ReplyDelay] {
        entries(node).compactMap { entry in
            var fields = YAMLFieldReader(entry, context: "\(context) replyDelay", allowed: ["action", "milliseconds"])
            let action = fields.string("action")
            var milliseconds: Int?
            if let text = fields.string("milliseconds"), let value = entry["milliseconds"] {
                milliseconds = Int(text)
                if milliseconds == nil || !(1...10_000).contains(milliseconds!) {
                    fields.fail(value, "milliseconds must be a whole number from 1 to 10000, got \"\(text)\"")
                    milliseconds = nil
                }
            }
            errors += fields.errors
            guard let action, let milliseconds else { return nil }
            return VendorQuirk.ReplyDelay(action: action, milliseconds: milliseconds)
        }
    }
}
