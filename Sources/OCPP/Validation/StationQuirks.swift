/// How Vigil bends for one station whose firmware is known to deviate from OCPP: decoder
/// tolerances (optionally only at listed fields of listed actions), values substituted before
/// validation, textual repairs of frames that are not valid JSON, delays before certain
/// replies, and command defaults. The CPMS builds it from the vendor catalogue's quirk
/// profiles; the OCPP layer applies it per message and reports every use as `AppliedQuirk`.
/// The empty value (the default) is the strict, by-the-schema behaviour.
public struct StationQuirks: Sendable, Equatable {
    /// A decoder tolerance granted by quirk `quirk`: for the actions listed (all when empty)
    /// and the field paths listed (everywhere when empty).
    public struct Tolerance: Sendable, Equatable {
        public var quirk: String
        public var option: OCPPLeniency
        public var actions: [String]
        public var fields: [String]

        public init(quirk: String, option: OCPPLeniency, actions: [String] = [], fields: [String] = []) {
            self.quirk = quirk
            self.option = option
            self.actions = actions
            self.fields = fields.map(StationQuirks.normalisedPath)
        }

        func applies(to action: String) -> Bool { actions.isEmpty || actions.contains(action) }

        func covers(_ path: String) -> Bool { fields.isEmpty || fields.contains(StationQuirks.normalisedPath(path)) }
    }

    /// A string value the firmware sends where OCPP wants another (e.g. `errorCode: "Error"`
    /// for `OtherError`), replaced before validation at `field` of `action` (any action when nil).
    public struct Substitution: Sendable, Equatable {
        public var quirk: String
        public var action: String?
        public var field: String
        public var from: String
        public var to: String

        public init(quirk: String, action: String?, field: String, from: String, to: String) {
            self.quirk = quirk
            self.action = action
            self.field = StationQuirks.normalisedPath(field)
            self.from = from
            self.to = to
        }
    }

    /// A literal text repair of an incoming frame, applied before JSON parsing, for firmware
    /// that sends frames that are not JSON (e.g. `"configurationKey":]`).
    public struct FrameRepair: Sendable, Equatable {
        public var quirk: String
        public var from: String
        public var to: String

        public init(quirk: String, from: String, to: String) {
            self.quirk = quirk
            self.from = from
            self.to = to
        }
    }

    /// A wait before answering `action`, for firmware that mishandles a reply arriving too fast.
    public struct ReplyDelay: Sendable, Equatable {
        public var quirk: String
        public var action: String
        public var delay: Duration

        public init(quirk: String, action: String, delay: Duration) {
            self.quirk = quirk
            self.action = action
            self.delay = delay
        }
    }

    public var tolerances: [Tolerance] = []
    public var substitutions: [Substitution] = []
    public var repairs: [FrameRepair] = []
    public var replyDelays: [ReplyDelay] = []
    /// The quirk that makes remote starts name a connector (connector 1 when the operator
    /// gave none), for firmware that rejects RemoteStartTransaction without `connectorId`.
    public var remoteStartNeedsConnector: String?

    public init(tolerances: [Tolerance] = [], substitutions: [Substitution] = [], repairs: [FrameRepair] = [],
                replyDelays: [ReplyDelay] = [], remoteStartNeedsConnector: String? = nil) {
        self.tolerances = tolerances
        self.substitutions = substitutions
        self.repairs = repairs
        self.replyDelays = replyDelays
        self.remoteStartNeedsConnector = remoteStartNeedsConnector
    }

    public var isEmpty: Bool {
        tolerances.isEmpty && substitutions.isEmpty && repairs.isEmpty && replyDelays.isEmpty && remoteStartNeedsConnector == nil
    }

    /// The delay before answering `action`, and the quirk that asks for it.
    public func replyDelay(for action: String) -> ReplyDelay? {
        replyDelays.first { $0.action == action }
    }

    /// `meterValue[3].sampledValue[0].measurand` → `meterValue[].sampledValue[].measurand`;
    /// `[*]` is written as `[]` too.
    public static func normalisedPath(_ path: String) -> String {
        guard path.contains("[") else { return path }
        var result = ""
        var inIndex = false
        for character in path {
            if character == "[" { inIndex = true; result.append("["); continue }
            if character == "]" { inIndex = false; result.append("]"); continue }
            if !inIndex { result.append(character) }
        }
        return result
    }

    // MARK: - Applying

    /// The frame with every repair applied, and what was repaired.
    public func repair(_ text: String) -> (text: String, applied: [AppliedQuirk]) {
        var text = text
        var applied: [AppliedQuirk] = []
        for repair in repairs where text.contains(repair.from) {
            text = text.replacing(repair.from, with: repair.to)
            applied.append(AppliedQuirk(quirk: repair.quirk, kind: "repairFrame", action: "", path: "",
                                        original: repair.from, replacement: repair.to))
        }
        return (text, applied)
    }

    /// The payload of `action` with every matching substitution made, and what was replaced.
    public func substitute(_ payload: JSONObject, action: String) -> (payload: JSONObject, applied: [AppliedQuirk]) {
        var applied: [AppliedQuirk] = []
        var payload = payload
        for substitution in substitutions where substitution.action == nil || substitution.action == action {
            let segments = substitution.field.split(separator: ".").map(String.init)
            payload = Self.replace(in: payload, segments: segments[...], path: "", substitution, action: action, applied: &applied)
        }
        return (payload, applied)
    }

    private static func replace(in object: JSONObject, segments: ArraySlice<String>, path: String, _ substitution: Substitution,
                                action: String, applied: inout [AppliedQuirk]) -> JSONObject {
        guard let segment = segments.first else { return object }
        let isArray = segment.hasSuffix("[]")
        let key = isArray ? String(segment.dropLast(2)) : segment
        var object = object
        guard let index = object.members.firstIndex(where: { $0.key == key }) else { return object }
        let memberPath = path.isEmpty ? key : path + "." + key
        let rest = segments.dropFirst()
        func visit(_ value: JSONValue, at valuePath: String) -> JSONValue {
            if rest.isEmpty {
                guard case .string(substitution.from) = value else { return value }
                applied.append(AppliedQuirk(quirk: substitution.quirk, kind: "substitute", action: action, path: valuePath,
                                            original: substitution.from, replacement: substitution.to))
                return .string(substitution.to)
            }
            guard case .object(let nested) = value else { return value }
            return .object(replace(in: nested, segments: rest, path: valuePath, substitution, action: action, applied: &applied))
        }
        let value = object.members[index].value
        if isArray {
            guard case .array(let elements) = value else { return object }
            object.members[index].value = .array(elements.enumerated().map { visit($1, at: "\(memberPath)[\($0)]") })
        } else {
            object.members[index].value = visit(value, at: memberPath)
        }
        return object
    }
}

/// One use of a station's quirk profile: which quirk, what kind of bending (a tolerance name
/// such as `numbersAsStrings`, or `substitute`, `repairFrame`, `replyDelay`), the action and
/// field, and the value as received. Recorded so that nothing is accepted silently.
public struct AppliedQuirk: Sendable, Equatable, CustomStringConvertible {
    /// The quirk id from the catalogue; nil for a tolerance configured for every station.
    public var quirk: String?
    public var kind: String
    public var action: String
    public var path: String
    public var original: String
    public var replacement: String?

    public init(quirk: String?, kind: String, action: String, path: String, original: String, replacement: String? = nil) {
        self.quirk = quirk
        self.kind = kind
        self.action = action
        self.path = path
        self.original = original
        self.replacement = replacement
    }

    /// E.g. `StatusNotification errorCode: "Error" → "OtherError" (substitute, quirk legrand-error-code)`.
    public var description: String {
        var text = action.isEmpty ? "" : action + " "
        text += path.isEmpty ? "frame" : path
        text += ": " + original.prefix(OCPPViolation.quoteLimit)
        if let replacement { text += " → " + replacement.prefix(OCPPViolation.quoteLimit) }
        text += " (\(kind)" + (quirk.map { ", quirk \($0)" } ?? "") + ")"
        return text
    }
}
