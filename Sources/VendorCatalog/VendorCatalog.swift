import Foundation
import YAMLKit

/// What is known about the station and the fault, as far as the charger told us.
public struct CatalogQuery: Sendable, Equatable {
    public var vendorId: String?
    public var chargePointVendor: String?
    public var model: String?
    public var firmware: String?
    /// `vendorErrorCode` (1.6) or `techCode` (2.0.1).
    public var vendorErrorCode: String?
    /// The OCPP `errorCode` (1.6) or the component/variable of a 2.0.1 fault.
    public var ocppErrorCode: String?

    public init(vendorId: String? = nil, chargePointVendor: String? = nil, model: String? = nil, firmware: String? = nil,
                vendorErrorCode: String? = nil, ocppErrorCode: String? = nil) {
        self.vendorId = vendorId
        self.chargePointVendor = chargePointVendor
        self.model = model
        self.firmware = firmware
        self.vendorErrorCode = vendorErrorCode
        self.ocppErrorCode = ocppErrorCode
    }
}

/// The answer to a lookup, with how it was found (for the alert and the audit trail).
public struct CatalogMatch: Sendable, Equatable {
    public enum Basis: String, Sendable {
        /// The vendor's own entry for its code.
        case vendorCode
        /// No vendor entry: the generic guidance for the OCPP error code.
        case genericErrorCode
    }

    public var entry: CatalogEntry
    public var basis: Basis
}

/// The loaded `VendorCodes/` directory: vendors, their codes, and the generic OCPP entries.
/// Lookups follow the order in docs/vendor-codes.md: vendor by vendorId, then by
/// chargePointVendor, then by model; the code among that vendor's entries (family-specific
/// first); else the generic entry for the OCPP error code.
public struct VendorCatalog: Sendable {
    public let vendors: [VendorProfile]
    public let generic: VendorProfile?

    public init(vendors: [VendorProfile]) {
        self.vendors = vendors.filter { !$0.isGeneric }.sorted { $0.name < $1.name }
        generic = vendors.first { $0.isGeneric }
    }

    /// Loads and validates every `*.yaml` file of `directory`; throws every problem found.
    public static func load(directory: String) throws(CatalogLoadError) -> VendorCatalog {
        let files: [String]
        do {
            files = try FileManager.default.contentsOfDirectory(atPath: directory)
                .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted()
        } catch {
            throw CatalogLoadError(errors: [.unreadableDirectory(directory, what: "vendor catalogue",
                                                                 hint: "name the catalogue's directory, or run from the directory that holds VendorCodes/", error: error)])
        }
        var sources: [(file: String, text: String)] = []
        var errors: [YAMLError] = []
        for name in files {
            let path = (directory as NSString).appendingPathComponent(name)
            guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
                errors.append(YAMLError(mark: YAMLMark(file: path, line: 0, column: 0), problem: "cannot read the file as UTF-8"))
                continue
            }
            sources.append((path, text))
        }
        let result = load(files: sources)
        switch result {
        case .success(let catalog) where errors.isEmpty: return catalog
        case .success: throw CatalogLoadError(errors: errors)
        case .failure(let failure): throw CatalogLoadError(errors: errors + failure.errors)
        }
    }

    /// Loads catalogue files given as (path, text); every error of every file is reported.
    public static func load(files: [(file: String, text: String)]) -> Result<VendorCatalog, CatalogLoadError> {
        var profiles: [VendorProfile] = []
        var errors: [YAMLError] = []
        for file in files {
            switch VendorFileReader.read(file.text, file: file.file) {
            case .success(let profile): profiles.append(profile)
            case .failure(let failure): errors += failure.errors
            }
        }
        var seen: [String: String] = [:]
        for profile in profiles {
            if let other = seen[profile.name.lowercased()] {
                errors.append(YAMLError(mark: YAMLMark(file: profile.file, line: 1, column: 1),
                                        problem: "vendor \"\(profile.name)\" is also defined in \(other)"))
            }
            seen[profile.name.lowercased()] = profile.file
        }
        if profiles.filter(\.isGeneric).count > 1 {
            errors.append(YAMLError(mark: YAMLMark(file: profiles.filter(\.isGeneric)[1].file, line: 1, column: 1),
                                    problem: "a second generic file (one whose recognise lists are all empty)"))
        }
        return errors.isEmpty ? .success(VendorCatalog(vendors: profiles)) : .failure(CatalogLoadError(errors: errors))
    }

    /// The vendor a station belongs to, by the order above.
    public func vendor(for query: CatalogQuery) -> VendorProfile? {
        if let id = query.vendorId, !id.isEmpty, let match = vendors.first(where: { $0.vendorIds.contains { $0.matches(id) } }) {
            return match
        }
        if let name = query.chargePointVendor, !name.isEmpty,
           let match = vendors.first(where: { $0.chargePointVendors.contains { $0.matches(name) } }) {
            return match
        }
        if let model = query.model, !model.isEmpty, let match = vendors.first(where: { $0.models.contains { $0.matches(model) } }) {
            return match
        }
        return nil
    }

    /// The best entry for a fault, or nil (a catalogue gap).
    public func lookup(_ query: CatalogQuery) -> CatalogMatch? {
        if let code = query.vendorErrorCode, !code.trimmingWhitespace().isEmpty, let vendor = vendor(for: query),
           let entry = vendor.entry(code: code, model: query.model, firmware: query.firmware) {
            return CatalogMatch(entry: entry, basis: .vendorCode)
        }
        if let errorCode = query.ocppErrorCode, let generic,
           let entry = generic.entry(code: errorCode, model: query.model, firmware: query.firmware) {
            return CatalogMatch(entry: entry, basis: .genericErrorCode)
        }
        return nil
    }

    /// The entry that describes a reported fault: `lookup`, except that a vendor entry saying
    /// "no error" (some chargers send 0x0000 with a real fault) gives way to the OCPP error
    /// code's generic entry when that code is a fault. The rule engine and the executor's
    /// never-reset gate both class faults through it, so they always agree.
    public func faultEntry(_ query: CatalogQuery) -> CatalogMatch? {
        let match = lookup(query)
        guard let found = match, found.basis == .vendorCode, found.entry.ocppErrorCode == "NoError",
              let code = query.ocppErrorCode, !code.isEmpty, code != "NoError" else { return match }
        var generic = query
        generic.vendorErrorCode = nil
        return lookup(generic)
    }
}

/// Every problem found while loading the catalogue, each as `file:line:col: message`.
public struct CatalogLoadError: Error, Sendable, CustomStringConvertible {
    public var errors: [YAMLError]
    public var description: String { errors.map(\.description).joined(separator: "\n") }
}
