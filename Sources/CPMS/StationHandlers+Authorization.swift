import OCPP

/// Authorization with the registry's rules on top of the token's own status: a token limited
/// to some sites is refused elsewhere (2.0.1 NotAtThisLocation, 1.6 Invalid), and a token
/// already charging is refused a second session (ConcurrentTx) unless concurrent use is allowed.
extension StationHandlers {
    /// `transactionRef`: the session being started or continued, which does not count as
    /// concurrent with itself; `evse` (1.6: the connector) where it starts, when known — a
    /// session of the token still open there is superseded, not concurrent.
    /// `concurrency: false` leaves concurrent use out (a stop's answer: the session is ending).
    func authorize(_ token: String, station: String, now: OCPPDateTime, transactionRef: String? = nil,
                   evse: Int? = nil, concurrency: Bool = true) async throws -> AuthorizationDecision {
        let record = try await store.token(token)
        var decision = AuthorizationDecision.decide(record, now: now)
        guard decision.outcome == .accepted, let record else { return decision }
        if !record.sites.isEmpty {
            let site = try await store.station(station)?.site
            if !record.sites.contains(where: { $0.caseInsensitiveCompare(site ?? "") == .orderedSame }) {
                decision.outcome = .notAtThisLocation
                return decision
            }
        }
        if concurrency, concurrentUse == .reject,
           try await store.hasActiveSession(token: token, excludingRef: transactionRef, station: station, evse: evse, now: now.rfc3339) {
            decision.outcome = .concurrentTx
        }
        return decision
    }
}
