/// Something a vendor's firmware is known to do differently from the OCPP specification, and
/// the tolerance Vigil applies to stations it matches (all of the vendor's models, or those
/// given, optionally only in a firmware range). Tolerances are named by the OCPP layer's
/// leniency options; the catalogue checks the names but does not depend on that layer.
public struct VendorQuirk: Sendable, Equatable {
    /// The decoder tolerances the OCPP layer understands (`OCPPLeniency`).
    public static let knownLeniencies = ["numbersAsStrings", "caseInsensitiveEnums", "missingTimeZone", "unknownProperties"]

    public var id: String
    public var description: String
    public var models: [Glob]
    public var firmware: FirmwareRange?
    public var leniency: [String]
    public var source: CatalogSource

    /// Whether the quirk applies to a station of this vendor with `model` and `firmware`.
    public func applies(model: String?, firmware version: String?) -> Bool {
        if !models.isEmpty {
            guard let model, models.contains(where: { $0.matches(model) }) else { return false }
        }
        if let firmware {
            guard let version, firmware.contains(version) else { return false }
        }
        return true
    }
}

extension VendorCatalog {
    /// The quirks that apply to a station, and the union of their tolerances.
    public func quirks(for query: CatalogQuery) -> [VendorQuirk] {
        guard let vendor = vendor(for: query) else { return [] }
        return vendor.quirks.filter { $0.applies(model: query.model, firmware: query.firmware) }
    }
}
