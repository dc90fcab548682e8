/// How serious something is — the one scale of Vigil: a catalogue entry's fault (from the
/// vendor's wording), a rule's alert, an alert route's minimum and a silence's scope.
public enum Severity: String, Sendable, CaseIterable, Comparable {
    case info, minor, major, critical, safety

    public var rank: Int {
        switch self {
        case .info: return 0
        case .minor: return 1
        case .major: return 2
        case .critical: return 3
        case .safety: return 4
        }
    }

    public static func < (a: Severity, b: Severity) -> Bool { a.rank < b.rank }
}

/// What kind of fault it is.
public enum FaultCategory: String, Sendable, CaseIterable {
    case electrical, thermal, communication, metering, mechanical, reader, software, vehicle, grid
}

/// The remedy the manufacturer's guidance points to.
public enum Remedy: String, Sendable, CaseIterable {
    case none, waitForRecovery, softReset, hardReset, unlockConnector, disableConnector, userAction, technician

    public var isReset: Bool { self == .softReset || self == .hardReset }
}

/// Whether Vigil may ever reset a station on its own for a code. `never` marks the faults a
/// remote reset must not clear without someone on site: ground faults, insulation and earth
/// faults, welded contactors, overtemperature, emergency stop, surge arresters, tilt, flood
/// and an open case (the rule is in docs/vendor-codes.md). `allowed` leaves it to the rules.
public enum AutoReset: String, Sendable, CaseIterable {
    case never, allowed
}

/// Where an entry's remedy comes from: the cited source's own guidance (`manufacturer`), or
/// Vigil's reading of a source that gives the meaning only (`inferred`). A reset remedy marked
/// `inferred` is a guess that a reset helps, not the manufacturer's advice.
public enum RemedySource: String, Sendable, CaseIterable {
    case manufacturer, inferred
}

/// Where an entry's facts come from.
public struct CatalogSource: Sendable, Equatable {
    public var key: String
    public var title: String
    public var version: String?
    public var url: String?
    public var page: String?

    /// E.g. `Terra AC manual (2022-03), p. 54, https://…`.
    public var citation: String {
        var text = title
        if let version { text += " (\(version))" }
        if let page { text += ", p. \(page)" }
        if let url { text += ", \(url)" }
        return text
    }
}

/// One documented code of one vendor: what it means and what to do about it.
public struct CatalogEntry: Sendable, Equatable {
    public var vendor: String
    public var code: String
    public var aliases: [String]
    /// Family ids this entry is limited to; empty means every model of the vendor.
    public var families: [String]
    public var ocppErrorCode: String?
    public var title: String
    public var meaning: String
    public var severity: Severity
    public var category: FaultCategory
    public var remedy: Remedy
    public var autoReset: AutoReset
    public var remedySource: RemedySource
    public var onCall: [String]
    public var technician: [String]
    public var source: CatalogSource
    /// Where the entry is defined, for messages.
    public var location: String

    /// True for a fault Vigil must never reset on its own (`autoReset: never`).
    public var neverAutoReset: Bool { autoReset == .never }

    /// The on-call guidance as one text, for alert templates (`{{guidance}}`).
    public var guidance: String {
        onCall.enumerated().map { "\($0.offset + 1). \($0.element)" }.joined(separator: "\n")
    }
}
