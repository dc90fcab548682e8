@testable import CPMS
import Foundation
import Synchronization
import Testing

/// Failed station logins are counted per station and per (non-loopback) address: past the
/// limit an attempt is refused until the oldest failure leaves the window; the equalizing key
/// derivations have a budget of their own.
@Suite struct LoginThrottleTests {
    final class Clock: Sendable {
        let origin = ContinuousClock.now
        let offset = Mutex(Duration.zero)
        func now() -> ContinuousClock.Instant { origin + offset.withLock { $0 } }
        func advance(_ duration: Duration) { offset.withLock { $0 += duration } }
    }

    @Test func aStationFromAnAddressPastItsFailuresWaitsUntilTheOldestLeavesTheWindow() {
        let clock = Clock()
        var limits = LoginThrottle.Limits()
        limits.failures = 3
        limits.addressFailures = 5
        let throttle = LoginThrottle(limits: limits, now: { clock.now() })
        let attempt = throttle.attempt(station: "CP-1", remoteHost: "10.0.0.9")
        #expect(attempt.keys.map(\.key) == ["station CP-1 from 10.0.0.9", "address 10.0.0.9"])
        // Behind a proxy (loopback, also mapped into IPv6) the address says nothing: the station's key only.
        #expect(throttle.attempt(station: "CP-1", remoteHost: "127.0.0.1").keys.map(\.key) == ["station CP-1 from loopback"])
        #expect(throttle.attempt(station: "CP-1", remoteHost: "::ffff:127.0.0.1").keys.map(\.key) == ["station CP-1 from loopback"])
        for second in 0..<3 {
            #expect(throttle.begin(attempt) == nil)                          // reserved: a failure unless given back
            clock.advance(.seconds(second == 2 ? 0 : 10))
        }
        #expect(throttle.begin(attempt) == 40)                                // the first failure leaves at 60 s
        // The same station from another address, and another station from this one, still may.
        let elsewhere = throttle.attempt(station: "CP-1", remoteHost: "10.0.0.7")
        #expect(throttle.begin(elsewhere) == nil)
        throttle.succeeded(elsewhere)
        let other = throttle.attempt(station: "CP-2", remoteHost: "10.0.0.9")
        #expect(throttle.begin(other) == nil)
        throttle.succeeded(other)
        // The address alone has its own, higher limit: 3 failures of CP-1 and 2 more of others.
        for station in ["CP-3", "CP-4"] { #expect(throttle.begin(throttle.attempt(station: station, remoteHost: "10.0.0.9")) == nil) }
        #expect(throttle.begin(throttle.attempt(station: "CP-5", remoteHost: "10.0.0.9")) == 40)
        clock.advance(.seconds(40))
        #expect(throttle.begin(attempt) == nil)
    }

    /// A login that succeeds gives its reservation back; parallel attempts count before any ends.
    @Test func parallelAttemptsCountAndSuccessesGiveTheirReservationBack() {
        var limits = LoginThrottle.Limits()
        limits.failures = 2
        let throttle = LoginThrottle(limits: limits)
        let attempt = throttle.attempt(station: "CP-1", remoteHost: "127.0.0.1")
        for _ in 0..<20 {
            #expect(throttle.begin(attempt) == nil)
            throttle.succeeded(attempt)                                       // a charger reconnecting with its password
        }
        #expect(throttle.begin(attempt) == nil && throttle.begin(attempt) == nil)   // two in flight at once
        #expect(throttle.begin(attempt) != nil)                               // the third waits for them
    }

    @Test func equalizingHasABudgetPerWindowAcrossKeys() {
        let clock = Clock()
        var limits = LoginThrottle.Limits()
        limits.equalizedPerWindow = 2
        let throttle = LoginThrottle(limits: limits, now: { clock.now() })
        #expect(throttle.mayEqualize() && throttle.mayEqualize() && !throttle.mayEqualize())
        clock.advance(.seconds(60))
        #expect(throttle.mayEqualize())
    }

    /// The table is bounded, and a flood of made-up keys never evicts a live one (it would reset
    /// a station's count).
    @Test func theTrackedKeysAreBoundedWithoutEvictingLiveOnes() {
        var limits = LoginThrottle.Limits()
        limits.maximumKeys = 10
        limits.failures = 3
        let throttle = LoginThrottle(limits: limits)
        let target = throttle.attempt(station: "CP-7", remoteHost: "127.0.0.1")
        for _ in 0..<3 { _ = throttle.begin(target) }
        for index in 0..<100 { _ = throttle.begin(throttle.attempt(station: "FAKE-\(index)", remoteHost: "127.0.0.1")) }
        #expect(throttle.trackedKeys <= 10)
        #expect(throttle.begin(target) != nil)
    }

    /// A refusal that needs no key derivation runs one when allowed (equal time); a wrong
    /// password's runs its own and takes none from the budget.
    @Test func refusalsWithoutAPasswordToCheckAreEqualized() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-throttle-\(UUID().uuidString).sqlite").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let store = try StationStore(path: path)
        _ = try await store.declareStation(id: "CP-PW")
        _ = try await store.declareStation(id: "CP-NONE")
        _ = try await store.setStationPassword(id: "CP-PW", "0123456789abcdef")
        let basic = "Basic " + Data("CP-NONE:guess-guess-guess".utf8).base64EncodedString()
        let asked = Mutex(0)
        let equalize: @Sendable () -> Bool = { asked.withLock { $0 += 1 }; return true }
        let none = try await StationCredentials.authenticate(station: "CP-NONE", authorization: basic, clientCertificateSubject: nil,
                                                             policy: .required, equalize: equalize, store: store)
        #expect(none.check != .allowed && asked.withLock { $0 } == 1)
        let wrong = "Basic " + Data("CP-PW:guess-guess-guess".utf8).base64EncodedString()
        let refused = try await StationCredentials.authenticate(station: "CP-PW", authorization: wrong, clientCertificateSubject: nil,
                                                                policy: .required, equalize: equalize, store: store)
        #expect(refused.check == .refused("wrong password for station CP-PW") && asked.withLock { $0 } == 1)
    }
}
