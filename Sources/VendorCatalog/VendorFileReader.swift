import YAMLKit

/// Reads one `VendorCodes/*.yaml` file into a `VendorProfile`, checking the schema of
/// docs/vendor-codes.md and reporting every problem with its `file:line:col`.
enum VendorFileReader {
    static let topKeys = ["vendor", "recognise", "codeFormat", "codePrefixes", "families", "sources", "codes", "quirks"]
    static let codeKeys = ["code", "aliases", "families", "ocppErrorCode", "title", "meaning", "severity", "category",
                           "remedy", "autoReset", "remedySource", "onCall", "technician", "source"]
    /// Keys of earlier schemas, accepted by the field reader only to be refused with a pointer
    /// to their replacement instead of a generic "unknown key".
    static let replacedCodeKeys = ["resetSafe": "\"resetSafe\" was replaced by \"autoReset: never | allowed\" (see docs/vendor-codes.md)"]

    static func read(_ text: String, file: String) -> Result<VendorProfile, CatalogLoadError> {
        let root: YAMLNode
        do {
            guard let parsed = try YAMLParser.parse(text, file: file) else {
                return .failure(CatalogLoadError(errors: [YAMLError(mark: YAMLMark(file: file, line: 1, column: 1), problem: "empty file")]))
            }
            root = parsed
        } catch {
            return .failure(CatalogLoadError(errors: [error]))
        }
        var top = YAMLFieldReader(root, context: "vendor file", allowed: topKeys)
        let name = top.string("vendor") ?? "?"
        var errors: [YAMLError] = []

        var vendorIds: [Glob] = [], chargePointVendors: [Glob] = [], models: [Glob] = []
        if let recognise = top.field("recognise", required: true) {
            var reader = YAMLFieldReader(recognise, context: "vendor \"\(name)\" recognise", allowed: ["vendorIds", "chargePointVendors", "models"])
            vendorIds = reader.strings("vendorIds").map { Glob($0) }
            chargePointVendors = reader.strings("chargePointVendors").map { Glob($0) }
            models = reader.strings("models").map { Glob($0) }
            errors += reader.errors
        }
        let format = top.choice("codeFormat", CodeFormat.self, valid: CodeFormat.allCases) ?? .text
        let prefixes = top.strings("codePrefixes")

        var families: [ModelFamily] = []
        if let list = top.field("families", required: false) {
            for item in list.sequence ?? [] {
                var reader = YAMLFieldReader(item, context: "vendor \"\(name)\" family", allowed: ["id", "name", "models", "firmware"])
                let id = reader.string("id") ?? ""
                let familyName = reader.string("name") ?? id
                let familyModels = reader.strings("models", required: true).map { Glob($0) }
                var range: FirmwareRange?
                if let text = reader.string("firmware", required: false), let node = item["firmware"] {
                    range = FirmwareRange(text)
                    if range == nil { reader.fail(node, "firmware must look like >=1.6.0, <2, =1.2.3 or 1.6.0 - 1.8.99, got \"\(text)\"") }
                }
                if families.contains(where: { $0.id == id }) { reader.fail(item, "family id \"\(id)\" is defined twice") }
                families.append(ModelFamily(id: id, name: familyName, models: familyModels, firmware: range))
                errors += reader.errors
            }
            if list.sequence == nil { top.fail(list, "\"families\" must be a list") }
        }

        var sources: [String: CatalogSource] = [:]
        if let node = top.field("sources", required: true) {
            for pair in node.mapping ?? [] {
                let key = pair.key.scalar ?? ""
                var reader = YAMLFieldReader(pair.value, context: "source \"\(key)\"", allowed: ["title", "version", "url", "page"])
                let source = CatalogSource(key: key, title: reader.string("title") ?? "", version: reader.string("version", required: false),
                                           url: reader.string("url", required: false), page: reader.string("page", required: false))
                if source.url == nil && source.page == nil && pair.value.mapping != nil {
                    reader.fail(pair.value, "needs a url or a page so a reader can find it")
                }
                sources[key] = source
                errors += reader.errors
            }
            if node.mapping == nil { top.fail(node, "\"sources\" must be a mapping of keys to sources") }
        }

        var entries: [String: [CatalogEntry]] = [:]
        if let node = top.field("codes", required: true) {
            guard let items = node.sequence else {
                top.fail(node, "\"codes\" must be a list")
                return .failure(CatalogLoadError(errors: top.errors + errors))
            }
            for item in items {
                let label = item["code"]?.scalar.map { "code \"\($0)\"" } ?? "code"
                var reader = YAMLFieldReader(item, context: "vendor \"\(name)\" \(label)", allowed: codeKeys + replacedCodeKeys.keys.sorted())
                var replacedKeyUsed = false
                for pair in item.mapping ?? [] {
                    guard let key = pair.key.scalar, let problem = replacedCodeKeys[key] else { continue }
                    reader.fail(pair.key, problem)
                    replacedKeyUsed = true
                }
                let code = reader.string("code") ?? ""
                let aliases = reader.strings("aliases")
                let entryFamilies = reader.strings("families")
                for family in entryFamilies where !families.contains(where: { $0.id == family }) {
                    reader.fail(item["families"] ?? item, "unknown family \"\(family)\"; define it under \"families\"")
                }
                let title = reader.string("title") ?? ""
                let meaning = reader.string("meaning") ?? ""
                let severity = reader.choice("severity", Severity.self, valid: Severity.allCases)
                let category = reader.choice("category", FaultCategory.self, valid: FaultCategory.allCases)
                let remedy = reader.choice("remedy", Remedy.self, valid: Remedy.allCases)
                // An old file with resetSafe gets the pointer above, not a second error for the missing autoReset.
                let autoReset = reader.choice("autoReset", AutoReset.self, valid: AutoReset.allCases, required: !replacedKeyUsed)
                let remedySource = reader.choice("remedySource", RemedySource.self, valid: RemedySource.allCases)
                let onCall = reader.strings("onCall")
                let technician = reader.strings("technician")
                let ocpp = reader.string("ocppErrorCode", required: false)
                var source: CatalogSource?
                if let key = reader.string("source"), let sourceNode = item["source"] {
                    source = sources[key]
                    if source == nil { reader.fail(sourceNode, "unknown source \"\(key)\"; define it under \"sources\"") }
                }
                checkAutoReset(autoReset, severity: severity, remedy: remedy, onCall: onCall, item: item, reader: &reader)
                if let severity, severity >= .major, onCall.isEmpty, item.mapping != nil {
                    reader.fail(item, "a \(severity.rawValue) fault needs at least one \"onCall\" step")
                }
                var keys: [String] = []
                for spelling in [code] + aliases where !spelling.isEmpty {
                    guard let key = format.key(for: spelling, prefixes: prefixes) else {
                        reader.fail(item, "\"\(spelling)\" is not a valid \(format.rawValue) code")
                        continue
                    }
                    if !keys.contains(key) { keys.append(key) }
                }
                errors += reader.errors
                guard reader.errors.isEmpty, let severity, let category, let remedy, let autoReset, let remedySource, let source else { continue }
                let entry = CatalogEntry(vendor: name, code: code, aliases: aliases, families: entryFamilies, ocppErrorCode: ocpp,
                                         title: title, meaning: meaning, severity: severity, category: category, remedy: remedy,
                                         autoReset: autoReset, remedySource: remedySource, onCall: onCall, technician: technician,
                                         source: source, location: item.mark.description)
                for key in keys {
                    if let clash = entries[key]?.first(where: { $0.families.isEmpty || entryFamilies.isEmpty || !Set($0.families).isDisjoint(with: entryFamilies) }) {
                        errors.append(YAMLError(mark: item.mark, problem: "vendor \"\(name)\" code \"\(code)\" is the same code as \"\(clash.code)\" at \(clash.location)"))
                        continue
                    }
                    entries[key, default: []].append(entry)
                }
            }
        }
        var quirks: [VendorQuirk] = []
        if let list = top.field("quirks", required: false) {
            let (read, problems) = VendorQuirkReader.read(list, vendor: name, sources: sources)
            quirks = read
            errors += problems
        }
        errors = top.errors + errors
        guard errors.isEmpty else { return .failure(CatalogLoadError(errors: errors.sorted { ($0.mark.line, $0.mark.column) < ($1.mark.line, $1.mark.column) })) }
        return .success(VendorProfile(name: name, file: file, vendorIds: vendorIds, chargePointVendors: chargePointVendors, models: models,
                                      codeFormat: format, codePrefixes: prefixes, families: families, entries: entries, quirks: quirks))
    }

    /// The consistency of `autoReset` with the rest of an entry: a safety fault is never reset;
    /// a never-reset code has no reset remedy, and its on-call steps do not ask for a reset
    /// (`ResetAdvice`; on-site resets belong in the technician steps). Each problem points at
    /// the field that has to change.
    static func checkAutoReset(_ autoReset: AutoReset?, severity: Severity?, remedy: Remedy?, onCall: [String], item: YAMLNode,
                               reader: inout YAMLFieldReader) {
        guard let autoReset else { return }
        let autoResetNode = item["autoReset"] ?? item
        if severity == .safety, autoReset == .allowed {
            reader.fail(autoResetNode, "a safety fault must have \"autoReset: never\", got \"allowed\"")
        }
        guard autoReset == .never else { return }
        if let remedy, remedy.isReset {
            reader.fail(item["remedy"] ?? item,
                        "\"autoReset: never\" forbids a \(remedy.rawValue) remedy; use disableConnector, technician, waitForRecovery or userAction")
        }
        let stepNodes = item["onCall"]?.sequence ?? item["onCall"].map { [$0] } ?? []
        for (index, step) in onCall.enumerated() where ResetAdvice.advisesReset(step) {
            let node = index < stepNodes.count ? stepNodes[index] : item
            reader.fail(node, "onCall step \(index + 1) advises a reset (\"\(step)\"), which an \"autoReset: never\" code must not; "
                        + "say what to do instead (set the connector Inoperative, dispatch an electrician) and put on-site resets under \"technician\"")
        }
    }
}
