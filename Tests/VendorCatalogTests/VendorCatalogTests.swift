import Foundation
import Testing
import YAMLKit
@testable import VendorCatalog

@Suite struct VendorCatalogTests {
    static let abb = """
    vendor: ABB
    recognise:
      vendorIds: ["ABB"]
      chargePointVendors: ["ABB*"]
      models: ["CDT_TACW*"]
    codeFormat: hex
    families:
      - id: terra-ac
        name: Terra AC
        models: ["CDT_TACW*"]
        firmware: ">=1.6.0"
    sources:
      m1: {title: Terra AC manual, version: "2022", page: "54"}
    codes:
      - code: "0x0002"
        title: Residual current
        meaning: Leakage current in the charging circuit.
        severity: major
        category: electrical
        remedy: technician
        autoReset: never
        remedySource: manufacturer
        onCall: [Check whether it repeats with other vehicles.]
        source: m1
      - code: "0x0080"
        families: [terra-ac]
        title: Too hot
        meaning: Internal temperature above its limit.
        severity: minor
        category: thermal
        remedy: waitForRecovery
        autoReset: never
        remedySource: inferred
        source: m1
    """

    static let alfen = """
    vendor: Alfen
    recognise: {chargePointVendors: ["Alfen*"]}
    codeFormat: decimal
    codePrefixes: ["E"]
    sources:
      kb: {title: Alfen error list, url: "https://example.invalid/alfen"}
    codes:
      - code: "12"
        aliases: ["E012"]
        title: Lock failure
        meaning: The socket lock did not engage.
        severity: minor
        category: mechanical
        remedy: unlockConnector
        autoReset: allowed
        remedySource: manufacturer
        source: kb
    """

    static let generic = """
    vendor: Generic OCPP
    recognise: {vendorIds: [], chargePointVendors: []}
    codeFormat: text
    sources:
      spec: {title: OCPP 1.6 specification, version: "1.6 edition 2", page: "7.6"}
    codes:
      - code: GroundFailure
        ocppErrorCode: GroundFailure
        title: Ground failure
        meaning: The charger detected a ground fault.
        severity: safety
        category: electrical
        remedy: disableConnector
        autoReset: never
        remedySource: inferred
        onCall: [Keep the connector disabled and send a technician.]
        source: spec
    """

    func catalog() throws -> VendorCatalog {
        try VendorCatalog.load(files: [("ABB.yaml", Self.abb), ("Alfen.yaml", Self.alfen), ("Generic.yaml", Self.generic)]).get()
    }

    @Test(arguments: [
        (CodeFormat.hex, "0x000C", "#12"), (.hex, "000c", "#12"), (.hex, " C ", "#12"), (.hex, "0X0c", "#12"),
        (.decimal, "012", "#12"), (.decimal, "E12", "#12"), (.decimal, "0x000C", "#12"), (.text, "Err_Lock ", "t:err_lock"),
    ])
    func normalisation(format: CodeFormat, code: String, key: String) {
        #expect(format.key(for: code, prefixes: format == .decimal ? ["E"] : []) == key)
    }

    @Test func invalidCodesForTheFormatHaveNoKey() {
        #expect(CodeFormat.hex.key(for: "xyz") == nil)
        #expect(CodeFormat.decimal.key(for: "12a") == nil)
        #expect(CodeFormat.text.key(for: "  ") == nil)
    }

    @Test func lookupFollowsTheDocumentedOrder() throws {
        let catalog = try catalog()
        // Vendor by vendorId, code in another spelling.
        #expect(try #require(catalog.lookup(CatalogQuery(vendorId: "abb", vendorErrorCode: "2"))).entry.title == "Residual current")
        // Vendor by chargePointVendor glob, decimal code with prefix and leading zero.
        let alfen = try #require(catalog.lookup(CatalogQuery(chargePointVendor: "Alfen BV", vendorErrorCode: "E012")))
        #expect(alfen.entry.title == "Lock failure" && alfen.basis == .vendorCode)
        // Vendor by model; family entry needs a matching model and firmware.
        #expect(catalog.lookup(CatalogQuery(model: "CDT_TACW22", firmware: "TAC3Z::V1.8.21", vendorErrorCode: "0x80"))?.entry.title == "Too hot")
        #expect(catalog.lookup(CatalogQuery(model: "CDT_TACW22", firmware: "V1.5.0", vendorErrorCode: "0x80")) == nil)
        // Unknown vendor code falls back to the generic OCPP entry.
        let fallback = try #require(catalog.lookup(CatalogQuery(vendorId: "ABB", vendorErrorCode: "0x9999", ocppErrorCode: "GroundFailure")))
        #expect(fallback.basis == .genericErrorCode)
        #expect(fallback.entry.remedy == .disableConnector)
        #expect(catalog.lookup(CatalogQuery(vendorId: "Nobody", vendorErrorCode: "1")) == nil)
    }

    /// Some chargers send their "no error" code with a real fault: the rule engine and the
    /// never-reset gate class the fault by its OCPP code then, through one method.
    @Test func aVendorNoErrorEntryGivesWayToTheFaultsOCPPCode() throws {
        let quiet = """
        vendor: Quiet
        recognise: {vendorIds: ["Quiet"]}
        codeFormat: hex
        sources:
          m: {title: Manual, page: "3"}
        codes:
          - code: "0x0000"
            ocppErrorCode: NoError
            title: No error
            meaning: Nothing to report.
            severity: info
            category: software
            remedy: none
            autoReset: allowed
            remedySource: manufacturer
            source: m
        """
        let catalog = try VendorCatalog.load(files: [("Quiet.yaml", quiet), ("Generic.yaml", Self.generic)]).get()
        let withFault = CatalogQuery(vendorId: "Quiet", vendorErrorCode: "0x0000", ocppErrorCode: "GroundFailure")
        #expect(catalog.lookup(withFault)?.entry.title == "No error")
        let fault = try #require(catalog.faultEntry(withFault))
        #expect(fault.basis == .genericErrorCode && fault.entry.neverAutoReset)
        // No fault reported: the vendor's own entry stands.
        #expect(catalog.faultEntry(CatalogQuery(vendorId: "Quiet", vendorErrorCode: "0x0000", ocppErrorCode: "NoError"))?.entry.title == "No error")
        #expect(catalog.faultEntry(CatalogQuery(vendorId: "Quiet", vendorErrorCode: "0x0000"))?.entry.title == "No error")
    }

    @Test func guidanceAndCitation() throws {
        let entry = try #require(try catalog().lookup(CatalogQuery(vendorId: "ABB", vendorErrorCode: "0x0002"))).entry
        #expect(entry.guidance == "1. Check whether it repeats with other vehicles.")
        #expect(entry.source.citation == "Terra AC manual (2022), p. 54")
        #expect(entry.location == "ABB.yaml:15:5")
    }

    static let broken: [(String, String, [String])] = [
        ("unknown key with hint", Self.abb.replacingOccurrences(of: "    title: Residual current", with: "    titel: Residual current"),
         [#"ABB.yaml:15:5: vendor "ABB" code "0x0002": missing required key "title""#,
          #"ABB.yaml:16:5: vendor "ABB" code "0x0002": unknown key "titel" (did you mean "title"?)"#]),
        ("bad enum value", Self.abb.replacingOccurrences(of: "remedy: technician", with: "remedy: reboot"),
         [#"ABB.yaml:20:13: vendor "ABB" code "0x0002": "remedy" must be one of none, waitForRecovery, softReset, hardReset, unlockConnector, disableConnector, userAction, technician, got "reboot""#]),
        ("unknown source", Self.abb.replacingOccurrences(of: "    source: m1\n  - code", with: "    source: m2\n  - code"),
         [#"ABB.yaml:24:13: vendor "ABB" code "0x0002": unknown source "m2"; define it under "sources""#]),
        ("duplicate code after normalisation", Self.abb.replacingOccurrences(of: "code: \"0x0080\"\n    families: [terra-ac]", with: "code: \"2\""),
         [#"ABB.yaml:25:5: vendor "ABB" code "2" is the same code as "0x0002" at ABB.yaml:15:5"#]),
        ("resetSafe refused with a pointer", Self.abb.replacingOccurrences(of: "autoReset: never\n    remedySource: manufacturer", with: "resetSafe: false\n    remedySource: manufacturer"),
         [#"ABB.yaml:21:5: vendor "ABB" code "0x0002": "resetSafe" was replaced by "autoReset: never | allowed" (see docs/vendor-codes.md)"#]),
        ("safety fault allowed to be reset", Self.generic.replacingOccurrences(of: "autoReset: never", with: "autoReset: allowed"),
         [#"Generic.yaml:14:16: vendor "Generic OCPP" code "GroundFailure": a safety fault must have "autoReset: never", got "allowed""#]),
        ("safety fault with a reset", Self.generic.replacingOccurrences(of: "remedy: disableConnector", with: "remedy: hardReset"),
         [#"Generic.yaml:13:13: vendor "Generic OCPP" code "GroundFailure": "autoReset: never" forbids a hardReset remedy; use disableConnector, technician, waitForRecovery or userAction"#]),
        ("never-reset code with a reset remedy", Self.abb.replacingOccurrences(of: "remedy: technician", with: "remedy: softReset"),
         [#"ABB.yaml:20:13: vendor "ABB" code "0x0002": "autoReset: never" forbids a softReset remedy; use disableConnector, technician, waitForRecovery or userAction"#]),
        ("never-reset code whose page asks for a reset",
         Self.abb.replacingOccurrences(of: "onCall: [Check whether it repeats with other vehicles.]",
                                       with: "onCall: [Do not reset remotely., \"Try one hard reset; then book service.\"]"),
         [#"ABB.yaml:23:38: vendor "ABB" code "0x0002": onCall step 2 advises a reset ("Try one hard reset; then book service."), which an "autoReset: never" code must not; say what to do instead (set the connector Inoperative, dispatch an electrician) and put on-site resets under "technician""#]),
        ("old resetSafe and no autoReset or remedySource", Self.abb.replacingOccurrences(of: "autoReset: never\n    remedySource: inferred", with: "resetSafe: true"),
         [#"ABB.yaml:25:5: vendor "ABB" code "0x0080": missing required key "remedySource""#,
          #"ABB.yaml:32:5: vendor "ABB" code "0x0080": "resetSafe" was replaced by "autoReset: never | allowed" (see docs/vendor-codes.md)"#]),
        ("not a hex code", Self.abb.replacingOccurrences(of: "code: \"0x0002\"", with: "code: \"E-2\""),
         [#"ABB.yaml:15:5: vendor "ABB" code "E-2": "E-2" is not a valid hex code"#]),
        ("unknown quirk leniency", Self.alfen + "\nquirks:\n  - {id: q, description: d, leniency: [skipValidation], source: kb}\n",
         [#"ABB.yaml:19:39: vendor "Alfen" quirk: unknown leniency "skipValidation"; known: numbersAsStrings, caseInsensitiveEnums, missingTimeZone, unknownProperties, overlongStrings"#]),
        ("quirk that changes nothing", Self.alfen + "\nquirks:\n  - {id: q, description: d, source: kb}\n",
         [#"ABB.yaml:19:5: vendor "Alfen" quirk: quirk "q" changes nothing; give leniency, substitute, repairFrame, replyDelay or remoteStartNeedsConnector"#]),
        ("fields without a leniency", Self.alfen + "\nquirks:\n  - {id: q, description: d, fields: [x], remoteStartNeedsConnector: true, source: kb}\n",
         [#"ABB.yaml:19:37: vendor "Alfen" quirk: "actions" and "fields" limit a leniency; this quirk has none"#]),
        ("substitute to the same value", Self.alfen + "\nquirks:\n  - id: q\n    description: d\n    substitute: {field: errorCode, from: Error, to: Error}\n    source: kb\n",
         [#"ABB.yaml:21:17: vendor "Alfen" quirk substitute: from and to are the same ("Error")"#]),
        ("reply delay out of range", Self.alfen + "\nquirks:\n  - id: q\n    description: d\n    replyDelay: {action: StartTransaction, milliseconds: 60000}\n    source: kb\n",
         [#"ABB.yaml:21:58: vendor "Alfen" quirk replyDelay: milliseconds must be a whole number from 1 to 10000, got "60000""#]),
        ("duplicate quirk id", Self.alfen + "\nquirks:\n  - {id: q, description: d, remoteStartNeedsConnector: true, source: kb}\n  - {id: q, description: e, remoteStartNeedsConnector: true, source: kb}\n",
         [#"ABB.yaml:20:10: vendor "Alfen" quirk: duplicate quirk id "q""#]),
        ("yaml syntax", "vendor: [ABB\n", [#"ABB.yaml:2:1: did not find expected ',' or ']' while parsing a flow sequence"#]),
    ]

    @Test(arguments: broken.map { ($0.0, $0.1, $0.2) })
    func brokenFilesGetExactMessages(name: String, text: String, expected: [String]) {
        let file = text.hasPrefix("vendor: Generic") ? "Generic.yaml" : "ABB.yaml"
        switch VendorCatalog.load(files: [(file, text)]) {
        case .success: Issue.record("\(name): loaded, expected errors")
        case .failure(let failure): #expect(failure.errors.map(\.description) == expected, "\(name)")
        }
    }

    /// The on-call reset check of docs/vendor-codes.md, one row per case it has to tell apart.
    @Test(arguments: [
        ("Try a soft reset.", true), ("Try one remote hard reset.", true), ("Reboot the charger.", true),
        ("Restart the charge point (soft reset first, then hard).", true), ("Power-cycle the unit (10 s off).", true),
        ("Ask the owner to power cycle it at the breaker.", true), ("Ask the site owner to reset the RCD once.", true),
        ("Dispatch an electrician, or ask the site owner to reset the RCD once.", true),
        ("Set the connector Inoperative; then reset it.", true), ("Do not keep resetting remotely.", false),
        ("Do not reset remotely: it does not fix a ground fault.", false), ("Set the connector Inoperative; do not reset remotely.", false),
        ("Never reboot it from here.", false), ("Don\u{2019}t restart it; dispatch an electrician.", false),
        ("No remote reset: dispatch an electrician.", false), ("Set the connector Inoperative and dispatch an electrician.", false),
        ("Ask the driver to unplug and start a new session.", false),
    ])
    func onCallResetAdvice(step: String, advises: Bool) {
        #expect(ResetAdvice.advisesReset(step) == advises, "\(step)")
    }
}
