import VendorCatalog

/// A two-entry vendor catalogue for remedy and safety tests.
struct VendorCatalogStub {
    let catalog: VendorCatalog

    init() throws {
        let yaml = """
        vendor: "Acme"
        recognise:
          vendorIds: ["Acme"]
          chargePointVendors: ["Acme*"]
          models: []
        codeFormat: text
        sources:
          manual: { title: "Acme wallbox manual", version: "1.0", page: "42" }
        codes:
          - code: "E12"
            title: "Control board hung"
            meaning: "The control board stopped answering."
            severity: major
            category: software
            remedy: softReset
            autoReset: allowed
            remedySource: manufacturer
            onCall: ["Reset it remotely.", "If it repeats, send a technician."]
            source: manual
          - code: "E40"
            title: "Welded contactor"
            meaning: "The contactor did not open."
            severity: safety
            category: electrical
            remedy: technician
            autoReset: never
            remedySource: manufacturer
            onCall: ["Keep the connector out of service.", "Send a technician today."]
            technician: ["Replace the contactor."]
            source: manual
        """
        switch VendorCatalog.load(files: [("Acme.yaml", yaml)]) {
        case .success(let catalog): self.catalog = catalog
        case .failure(let error): throw error
        }
    }
}
