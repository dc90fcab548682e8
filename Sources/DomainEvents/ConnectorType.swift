/// The physical type of a connector, in OCPP 2.0.1's `ConnectorEnumType` vocabulary and
/// spelling (`cCCS2`, `sType2`, …): a `c` prefix is a cable fixed to the station, an `s` prefix
/// a socket the driver plugs a cable into, a `w` prefix wireless. It is the one canonical form
/// Vigil keeps: the config file's station connectors and a tariff's `connectorType` are both
/// read through `init?(parsing:)`, so `CCS2`, `ccs2` and `cCCS2` compare equal.
///
/// Friendly aliases (case-insensitive): `CCS1` → `cCCS1`, `CCS2` → `cCCS2`, `CHAdeMO` →
/// `cG105`, `Tesla` → `cTesla`, `Type1` → `cType1` (a Type 1 connector is always on a cable),
/// `Type2` → `sType2` (the untethered Type 2 socket of most public AC posts; write `cType2`
/// for a Type 2 cable fixed to the station — the two are different types to the matcher),
/// `Type3` → `sType3`, `Schuko` → `sCEE-7-7`. A bare `CCS` is refused as ambiguous.
/// `Undetermined` and `Unknown` are spec values that mean the type is not known (`isKnown`).
public enum ConnectorType: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    case cCCS1, cCCS2, cG105, cTesla, cType1, cType2
    case s309_1P_16A = "s309-1P-16A", s309_1P_32A = "s309-1P-32A", s309_3P_16A = "s309-3P-16A", s309_3P_32A = "s309-3P-32A"
    case sBS1361, sCEE_7_7 = "sCEE-7-7", sType2, sType3
    case other1PhMax16A = "Other1PhMax16A", other1PhOver16A = "Other1PhOver16A", other3Ph = "Other3Ph"
    case pan = "Pan", wInductive, wResonant
    case undetermined = "Undetermined", unknown = "Unknown"

    /// The friendly names accepted besides the spec's (matched ignoring case), with what they stand for.
    public static let aliases: [(name: String, type: ConnectorType)] = [
        ("CCS1", .cCCS1), ("CCS2", .cCCS2), ("CHAdeMO", .cG105), ("Tesla", .cTesla),
        ("Type1", .cType1), ("Type2", .sType2), ("Type3", .sType3), ("Schuko", .sCEE_7_7),
    ]

    /// `text` as a spec value or an alias, ignoring case; nil for anything else.
    public init?(parsing text: String) {
        let folded = text.lowercased()
        if let exact = Self.allCases.first(where: { $0.rawValue.lowercased() == folded }) {
            self = exact
        } else if let alias = Self.aliases.first(where: { $0.name.lowercased() == folded }) {
            self = alias.type
        } else {
            return nil
        }
    }

    /// False for `Undetermined` and `Unknown`: the station does not know the type either.
    public var isKnown: Bool { self != .undetermined && self != .unknown }

    public var description: String { rawValue }

    /// Why `text` is not a connector type, for a config error; it follows the name of what
    /// was given (`connector 1 `, `"connectorType" `) and says what would be valid.
    public static func problem(with text: String) -> String {
        if text.lowercased() == "ccs" { return "is \"\(text)\", which is ambiguous: write CCS1 (Combo 1) or CCS2 (Combo 2)" }
        if let type = ConnectorType(parsing: text), !type.isKnown {
            return "is \"\(text)\", which says the type is not known: name a known type, or leave it out"
        }
        return "must be a connector type — \(aliases.map(\.name).joined(separator: ", ")) or an OCPP 2.0.1 ConnectorEnumType value "
            + "(\(allCases.filter(\.isKnown).map(\.rawValue).joined(separator: ", "))) — got \"\(text)\""
    }
}
