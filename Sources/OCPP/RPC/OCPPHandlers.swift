/// The typed handlers of one OCPP version, turned into the raw handlers an `OCPPConnection`
/// runs. Each CALL is validated against its schema before the handler sees it: a violation is
/// answered with the version's CallError naming the field path, a known action without a
/// handler with `NotSupported`, and an action the version does not define falls through to
/// the connection's `NotImplemented`.
public struct OCPPHandlers: Sendable {
    public let version: OCPPVersion
    /// The lenient decoding allowed for this charger (from its vendor quirk profile).
    public var leniency: OCPPLeniency
    /// Told of every leniency actually applied, with the action, so it can be recorded.
    public var onLeniency: (@Sendable (_ action: String, _ applied: [AppliedLeniency]) -> Void)?
    private var typed: [String: OCPPConnection.Handler] = [:]

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
        let leniency = self.leniency
        let onLeniency = self.onLeniency
        typed[Request.action] = { payload, connection in
            var decoder = OCPPDecoder(leniency: leniency)
            let request: Request
            do throws(OCPPViolation) {
                request = try Request(json: .object(payload), at: "", decoder: &decoder)
            } catch {
                throw CallError(violation: error, version: version)
            }
            if !decoder.applied.isEmpty { onLeniency?(Request.action, decoder.applied) }
            let response = try await handler(request, connection)
            guard case .object(let object) = response.json() else { return JSONObject() }
            return object
        }
    }

    /// Every action of the version: typed handlers where registered, `NotSupported` for the
    /// rest. Actions outside the version are absent (the connection answers NotImplemented).
    public func connectionHandlers() -> [String: OCPPConnection.Handler] {
        var handlers: [String: OCPPConnection.Handler] = [:]
        for action in version.requestTypes.keys {
            handlers[action] = typed[action] ?? { _, connection in
                throw CallError(.notSupported, "\(action) is not supported by this central system")
            }
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
