/// A model family of a vendor: which models (and optionally firmware) it covers.
public struct ModelFamily: Sendable, Equatable {
    public var id: String
    public var name: String
    public var models: [Glob]
    public var firmware: FirmwareRange?

    func matches(model: String?, firmware version: String?) -> Bool {
        guard let model, models.contains(where: { $0.matches(model) }) else { return false }
        if let firmware, let version { return firmware.contains(version) }
        return true
    }
}

/// One manufacturer's file: how to recognise its stations and its codes, indexed by their
/// normalised key.
public struct VendorProfile: Sendable {
    public var name: String
    public var file: String
    public var vendorIds: [Glob]
    public var chargePointVendors: [Glob]
    public var models: [Glob]
    public var codeFormat: CodeFormat
    public var codePrefixes: [String]
    public var families: [ModelFamily]
    /// Normalised code → entries (several only when limited to different families).
    public var entries: [String: [CatalogEntry]]
    /// Known deviations of this vendor's firmware from OCPP, with the tolerance to apply.
    public var quirks: [VendorQuirk] = []

    /// The generic OCPP file recognises no station by itself.
    public var isGeneric: Bool { vendorIds.isEmpty && chargePointVendors.isEmpty && models.isEmpty }

    /// Every entry once (an entry with aliases is indexed under several keys), in file order.
    public var allEntries: [CatalogEntry] {
        var seen = Set<String>()
        return entries.values.flatMap { $0 }.filter { seen.insert($0.location).inserted }.sorted { Self.position($0) < Self.position($1) }
    }

    /// (line, column) of an entry's `file:line:col` location, for file order.
    static func position(_ entry: CatalogEntry) -> (line: Int, column: Int) {
        let parts = entry.location.split(separator: ":").suffix(2).map { Int($0) ?? 0 }
        return parts.count == 2 ? (parts[0], parts[1]) : (0, 0)
    }

    public func key(for code: String) -> String? { codeFormat.key(for: code, prefixes: codePrefixes) }

    /// Every entry of `code`, whatever the model: the vendor-wide one (if any) first, then the
    /// family-limited ones in file order. For an operator asking about a code without a model.
    public func allEntries(code: String) -> [CatalogEntry] {
        guard let key = key(for: code), let candidates = entries[key] else { return [] }
        return candidates.filter(\.families.isEmpty) + candidates.filter { !$0.families.isEmpty }
    }

    /// The family with this id, if the file defines it.
    public func family(id: String) -> ModelFamily? { families.first { $0.id == id } }

    /// The entry for `code` on this station: one limited to a matching family wins over a
    /// vendor-wide one; entries limited to other families do not apply.
    public func entry(code: String, model: String?, firmware: String?) -> CatalogEntry? {
        guard let key = key(for: code), let candidates = entries[key] else { return nil }
        let matchingFamilies = Set(families.filter { $0.matches(model: model, firmware: firmware) }.map(\.id))
        if let specific = candidates.first(where: { !$0.families.isEmpty && !matchingFamilies.isDisjoint(with: $0.families) }) {
            return specific
        }
        return candidates.first { $0.families.isEmpty }
    }
}
