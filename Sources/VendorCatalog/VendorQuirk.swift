/// Something a vendor's firmware is known to do differently from the OCPP specification, and
/// how Vigil bends for stations it matches (all of the vendor's models, or those given,
/// optionally only in a firmware range): decoder tolerances (optionally limited to actions and
/// field paths), substitute values, frame repairs, reply delays and command defaults. Names
/// of tolerances are the OCPP layer's leniency options; the catalogue checks them but does
/// not depend on that layer. Every quirk carries its source.
public struct VendorQuirk: Sendable, Equatable {
    /// The decoder tolerances the OCPP layer understands (`OCPPLeniency`).
    public static let knownLeniencies = ["numbersAsStrings", "caseInsensitiveEnums", "missingTimeZone", "unknownProperties",
                                         "overlongStrings"]

    /// A value replaced before validation: `from` at `field` (a path such as `errorCode` or
    /// `meterValue[].sampledValue[].measurand`) of `action` (every action when nil) becomes `to`.
    public struct Substitution: Sendable, Equatable {
        public var action: String?
        public var field: String
        public var from: String
        public var to: String
    }

    /// A literal text repair applied to an incoming frame before JSON parsing.
    public struct FrameRepair: Sendable, Equatable {
        public var from: String
        public var to: String
    }

    /// A wait before Vigil answers `action`.
    public struct ReplyDelay: Sendable, Equatable {
        public var action: String
        public var milliseconds: Int
    }

    public var id: String
    public var description: String
    public var models: [Glob]
    public var firmware: FirmwareRange?
    /// Tolerances, limited to `actions` and `fields` when those are given.
    public var leniency: [String]
    public var actions: [String] = []
    public var fields: [String] = []
    public var substitutions: [Substitution] = []
    public var repairs: [FrameRepair] = []
    public var replyDelays: [ReplyDelay] = []
    /// RemoteStartTransaction always names a connector for these stations.
    public var remoteStartNeedsConnector = false
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
    /// The quirks of the station's vendor that apply to its model and firmware.
    public func quirks(for query: CatalogQuery) -> [VendorQuirk] {
        guard let vendor = vendor(for: query) else { return [] }
        return vendor.quirks.filter { $0.applies(model: query.model, firmware: query.firmware) }
    }
}
