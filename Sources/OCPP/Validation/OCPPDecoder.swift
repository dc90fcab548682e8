/// The context for decoding payloads: which deviations from the schemas to tolerate, and a
/// record of each deviation actually tolerated. Create one per message (or reuse one and
/// read `applied` after each), pass it `inout` to `init(json:at:decoder:)`.
///
/// A decoder is strict by default (`leniency` empty). It reports the first violation only.
public struct OCPPDecoder: Sendable {
    /// The deviations this decoder tolerates.
    public var leniency: OCPPLeniency
    /// Every deviation tolerated so far, in the order met.
    public private(set) var applied: [AppliedLeniency] = []

    /// Tolerances of a station's quirk profile, each limited to its fields (already filtered
    /// to the action being decoded); consulted when `leniency` does not allow a deviation.
    public var tolerances: [StationQuirks.Tolerance]

    public init(leniency: OCPPLeniency = [], tolerances: [StationQuirks.Tolerance] = []) {
        self.leniency = leniency
        self.tolerances = tolerances
    }

    /// Forgets the recorded deviations, to reuse the decoder for the next message.
    public mutating func clearApplied() { applied.removeAll(keepingCapacity: true) }

    /// Whether `option` is tolerated at `path` (without recording it).
    func allows(_ option: OCPPLeniency, at path: String) -> Bool {
        leniency.contains(option) || tolerances.contains { $0.option == option && $0.covers(path) }
    }

    /// True, and records the deviation, when `option` is tolerated here: everywhere by
    /// `leniency`, or at `path` by a quirk's tolerance.
    mutating func tolerate(_ option: OCPPLeniency, at path: String, original: JSONValue) -> Bool {
        if leniency.contains(option) {
            applied.append(AppliedLeniency(path: path, leniency: option, original: original))
            return true
        }
        guard let tolerance = tolerances.first(where: { $0.option == option && $0.covers(path) }) else { return false }
        applied.append(AppliedLeniency(path: path, leniency: option, original: original, quirk: tolerance.quirk))
        return true
    }
}

// MARK: - Objects and their members, as called by the generated payload types

extension OCPPDecoder {
    /// The object at `path`, after checking that it has no member outside `properties` unless
    /// `allowsAdditional` (the schema's `additionalProperties`) is true. A payload root that is
    /// not an object is a formation violation; a nested one is a type violation.
    mutating func object(_ json: JSONValue, at path: String, properties: [String],
                         allowsAdditional: Bool = false) throws(OCPPViolation) -> JSONObject {
        guard case .object(let object) = json else {
            if path.isEmpty {
                throw OCPPViolation(kind: .formation, path: path,
                                    message: "payload must be a JSON object, got \(OCPPViolation.describe(json))")
            }
            throw .type(expected: "object", got: json, at: path)
        }
        guard !allowsAdditional else { return object }
        for member in object.members where !properties.contains(member.key) {
            let memberPath = OCPPPath.member(path, member.key)
            if tolerate(.unknownProperties, at: memberPath, original: member.value) { continue }
            let valid = properties.isEmpty ? "this object has no properties" : "expected one of " + properties.joined(separator: ", ")
            throw .property(at: memberPath, "unknown property; \(valid)")
        }
        return object
    }

    /// The member `key` of `object`, decoded with `codec`; missing is an occurrence violation.
    mutating func required<Codec: OCPPCodec>(_ object: JSONObject, _ key: String, at path: String,
                                             _ codec: Codec) throws(OCPPViolation) -> Codec.Value {
        // The member's path is built only when needed: for an error, or by a nested object.
        guard let value = object[key] else { throw .missing(at: OCPPPath.member(path, key)) }
        return try codec.decode(value, at: { OCPPPath.member(path, key) }, decoder: &self)
    }

    /// The member `key` of `object` decoded with `codec`, or nil when absent. An explicit
    /// `null` is not absent: the schemas give no optional field a null type.
    mutating func optional<Codec: OCPPCodec>(_ object: JSONObject, _ key: String, at path: String,
                                             _ codec: Codec) throws(OCPPViolation) -> Codec.Value? {
        guard let value = object[key] else { return nil }
        return try codec.decode(value, at: { OCPPPath.member(path, key) }, decoder: &self)
    }

    /// The members of `object` not named in `properties`, kept by types whose schema allows
    /// additional properties (2.0.1 `customData`) so that they survive a round trip.
    func additionalProperties(of object: JSONObject, excluding properties: [String]) -> JSONObject {
        JSONObject(object.members.filter { !properties.contains($0.key) })
    }
}

extension JSONObject {
    /// Appends `value` encoded with `codec`; the counterpart of `OCPPDecoder.required`.
    mutating func encode<Codec: OCPPCodec>(_ key: String, _ value: Codec.Value, _ codec: Codec) {
        append(key, codec.encode(value))
    }

    /// Appends `value` encoded with `codec` unless it is nil: absent optionals are omitted.
    mutating func encodeIfPresent<Codec: OCPPCodec>(_ key: String, _ value: Codec.Value?, _ codec: Codec) {
        if let value { append(key, codec.encode(value)) }
    }

    /// Appends the members kept by `OCPPDecoder.additionalProperties(of:excluding:)`, except
    /// any whose key is already present, so a hand-built value cannot produce a duplicate key.
    mutating func append(contentsOf other: JSONObject) {
        for member in other.members where self[member.key] == nil { members.append(member) }
    }
}
