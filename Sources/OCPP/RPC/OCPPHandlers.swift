/// The typed handlers of one OCPP version, turned into the raw handlers an `OCPPConnection`
/// runs. Each CALL is validated against its schema before the handler sees it: a violation is
/// answered with the version's CallError naming the field path, a known action without a
/// handler with `NotSupported`, and an action the version does not define falls through to
/// the connection's `NotImplemented`.
public struct OCPPHandlers: Sendable {
    /// A registered handler, applied with the settings in force when `connectionHandlers()` runs.
    typealias TypedHandler = @Sendable (_ payload: JSONObject, _ connection: OCPPConnection, _ leniency: OCPPLeniency,
                                        _ bootQuirks: (@Sendable (JSONObject) async -> StationQuirks?)?) async throws -> JSONObject

    public let version: OCPPVersion
    /// The lenient decoding allowed for every station. Per station, the connection's
    /// `StationQuirks` add tolerances (limited to their fields), substitutions and the rest.
    public var leniency: OCPPLeniency
    /// The quirk profile for a BootNotification, from the vendor, model and firmware in its
    /// raw payload: a station's first boot (or one after a firmware change) may itself need
    /// its vendor's tolerance, before the registry knows who it is. Nil keeps the connection's.
    public var bootQuirks: (@Sendable (_ payload: JSONObject) async -> StationQuirks?)?
    private var typed: [String: TypedHandler] = [:]

    public init(version: OCPPVersion, leniency: OCPPLeniency = []) {
        self.version = version
        self.leniency = leniency
    }

    /// Registers the handler for `Request`'s action. It receives a validated, typed request
    /// and returns the typed response, or throws a `CallError`.
    public mutating func on<Request: OCPPRequest>(
        _ type: Request.Type,
        _ handler: @escaping @Sendable (Request, OCPPConnection) async throws -> Request.Response
    ) {
        let version = self.version
        typed[Request.action] = { payload, connection, leniency, bootQuirks in
            var quirks = await connection.quirks
            if Request.action == "BootNotification", let forBoot = await bootQuirks?(payload) { quirks = forBoot }
            var payload = payload
            var applied: [AppliedQuirk] = []
            if !quirks.substitutions.isEmpty {
                (payload, applied) = quirks.substitute(payload, action: Request.action)
            }
            var decoder = OCPPDecoder(leniency: leniency, tolerances: quirks.tolerances.filter { $0.applies(to: Request.action) })
            let request: Request
            do throws(OCPPViolation) {
                request = try Request(json: .object(payload), at: "", decoder: &decoder)
            } catch {
                throw CallError(violation: error, version: version)
            }
            if let violation = request.rangeViolation {
                throw CallError(violation: violation, version: version)
            }
            applied += decoder.applied.map { $0.applied(action: Request.action) }
            if !applied.isEmpty { connection.recordQuirks(applied) }   // the connection's quirk log records them
            let response = try await handler(request, connection)
            guard case .object(let object) = response.json() else { return JSONObject() }
            return object
        }
    }

    /// Every action of the version: typed handlers where registered, `NotSupported` for the
    /// rest. Actions outside the version are absent (the connection answers NotImplemented).
    /// The leniency and boot-quirk settings are taken as they are now.
    public func connectionHandlers() -> [String: OCPPConnection.Handler] {
        var handlers: [String: OCPPConnection.Handler] = [:]
        let (leniency, bootQuirks) = (self.leniency, self.bootQuirks)
        for action in version.requestTypes.keys {
            guard let handler = typed[action] else {
                handlers[action] = { _, _ in throw CallError(.notSupported, "\(action) is not supported by this central system") }
                continue
            }
            handlers[action] = { payload, connection in try await handler(payload, connection, leniency, bootQuirks) }
        }
        return handlers
    }
}

extension CallError {
    /// The CALLERROR for a schema violation, in `version`'s spelling, with the field path in
    /// the description and in `details.path`.
    public init(violation: OCPPViolation, version: OCPPVersion) {
        let code: CallErrorCode
        switch violation.kind {
        case .formation: code = .formation(version)
        case .typeConstraint: code = .typeConstraintViolation
        case .occurrenceConstraint: code = .occurrence(version)
        case .propertyConstraint: code = .propertyConstraintViolation
        }
        self.init(code, violation.description, details: JSONObject([("path", .string(violation.path))]))
    }
}

extension OCPPConnection {
    /// Sends a typed CALL and returns the validated, typed response. A response that breaks
    /// its schema fails with `OCPPCallFailure.invalidResponse` naming the field.
    public func call<Request: OCPPRequest>(_ request: Request, timeout: Duration = .seconds(30)) async throws -> Request.Response {
        guard case .object(let payload) = request.json() else { throw OCPPCallFailure.invalidResponse("request did not encode to an object") }
        let result = try await call(Request.action, payload, timeout: timeout)
        do throws(OCPPViolation) {
            return try Request.Response(json: .object(result))
        } catch {
            throw OCPPCallFailure.invalidResponse(error.description)
        }
    }
}
