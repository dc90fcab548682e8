import DomainEvents
import VendorCatalog

/// How unknown stations are treated when they boot (`--unknown-stations`).
public enum RegistrationPolicy: String, Sendable, CaseIterable {
    /// Register and accept them.
    case accept
    /// Register them as pending: the Boot is answered Pending until an operator accepts.
    case pending
    /// Answer Rejected and do not register them.
    case reject
}

/// A station as the registry knows it.
public struct StationRecord: Sendable, Equatable {
    public var id: String
    public var vendor: String?
    public var model: String?
    public var serial: String?
    public var firmware: String?
    public var ocppVersion: String?
    public var registration: String
    public var isOnline: Bool
    public var firstSeen: String?
    public var lastSeen: String?
    public var lastBoot: String?
    /// The site (location) the station belongs to, when an operator set one.
    public var site: String?
    /// The OCPP security profile its last boot came over: 3 TLS with a client certificate,
    /// 2 TLS with HTTP Basic credentials, 1 Basic credentials without TLS, 0 neither.
    public var securityProfile: Int? = nil
    public var connectors: [ConnectorRecord]
}

/// A connector's live status.
public struct ConnectorRecord: Sendable, Equatable {
    public var evse: Int
    public var connector: Int
    public var status: ConnectorStatus
    public var errorCode: OCPPErrorCode?
    public var vendorErrorCode: String?
    public var info: String?
    public var updatedAt: String
}

/// A status report from a charger, version-neutral.
public struct StatusReport: Sendable, Equatable {
    public var evse: Int
    public var connector: Int
    public var status: ConnectorStatus
    public var errorCode: OCPPErrorCode?
    public var vendorId: String?
    public var vendorErrorCode: String?
    public var info: String?
    public var chargerTime: String?

    /// The catalogue lookup for its codes, on the station `record` (vendor, model, firmware).
    func catalogQuery(_ record: StationRecord?, vendorErrorCode: String?) -> CatalogQuery {
        CatalogQuery(vendorId: vendorId, chargePointVendor: record?.vendor, model: record?.model, firmware: record?.firmware,
                     vendorErrorCode: vendorErrorCode, ocppErrorCode: errorCode?.rawValue)
    }

    /// Whether it reports a fault: Faulted, or an error code other than NoError.
    public var carriesFault: Bool {
        status == .faulted || (errorCode.map { $0.rawValue != "NoError" } ?? false)
    }
}

/// A vendor code seen from chargers that the catalogue does not document.
public struct CatalogGap: Sendable, Equatable {
    public var vendor: String
    public var code: String
    public var count: Int
    public var firstSeen: String
    public var lastSeen: String
    public var exampleStation: String?
}

/// Which catalogue gap a report counts toward: the vendor, the code as reported, and the key it
/// is counted under (the vendor profile's normal form of the code).
public struct CatalogGapKey: Sendable, Equatable {
    public var vendor: String
    public var code: String
    public var key: String

    public init(vendor: String, code: String, key: String) {
        self.vendor = vendor
        self.code = code
        self.key = key
    }
}
