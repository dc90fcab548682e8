// INTERIM until the catalogue branch (autoReset) is merged; delete then.
extension CatalogEntry {
    public var neverAutoReset: Bool { severity == .safety || ocppErrorCode == "GroundFailure" }
}
