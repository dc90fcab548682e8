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

    @Test func aKeyPastItsFailuresWaitsUntilTheOldestLeavesTheWindow() {
        let clock = Clock()
        var limits = LoginThrottle.Limits()
        limits.failures = 3
        let throttle = LoginThrottle(limits: limits, now: { clock.now() })
        let keys = LoginThrottle.keys(station: "CP-1", remoteHost: "10.0.0.9")
        #expect(keys == ["station CP-1", "address 10.0.0.9"])
        #expect(LoginThrottle.keys(station: "CP-1", remoteHost: "127.0.0.1") == ["station CP-1"])   // behind a proxy: the station only
        for second in 0..<3 {
            #expect(throttle.retryAfter(keys) == nil)
            throttle.recordFailure(keys)
            clock.advance(.seconds(second == 2 ? 0 : 10))
        }
        #expect(throttle.retryAfter(keys) == 40)                                   // the first failure leaves at 60 s
        #expect(throttle.retryAfter(["address 10.0.0.9"]) == 40)                   // another station from that address
        #expect(throttle.retryAfter(["station CP-1", "address 10.0.0.7"]) == 40)   // that station from another address
        #expect(throttle.retryAfter(["station CP-2", "address 10.0.0.7"]) == nil)
        clock.advance(.seconds(40))
        #expect(throttle.retryAfter(keys) == nil)
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

    @Test func theTrackedKeysAreBounded() {
        var limits = LoginThrottle.Limits()
        limits.maximumKeys = 10
        let throttle = LoginThrottle(limits: limits)
        for index in 0..<100 { throttle.recordFailure(["station CP-\(index)"]) }
        #expect(throttle.trackedKeys <= 10)
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
