import DomainEvents
import Foundation
import Testing
@testable import Fraud

/// Each session check with a case that fires and one that must not, on hand-built facts.
@Suite struct FraudDetectorTests {
    static let t0 = Date(timeIntervalSince1970: 1_796_000_000)
    static func at(_ seconds: Double) -> Date { t0.addingTimeInterval(seconds) }
    let detector = FraudDetector()

    static func session(_ id: Int, station: String = "CP-1", connector: Int = 1, token: String? = "TAG", authorization: String = "accepted",
                        start: Double = 0, stop: Double? = nil, meterStart: Double? = 1_000, meterStop: Double? = nil,
                        samples: Int? = nil, register: [(Double, Double)] = [], late: Bool = false) -> SessionFacts {
        SessionFacts(id: id, station: station, connector: connector, transactionId: String(id), idTag: token, authorization: authorization,
                     start: at(start), stop: stop.map(at), meterStartWh: meterStart, meterStopWh: meterStop,
                     sampleCount: samples ?? register.count,
                     register: register.map { SessionFacts.RegisterReading(at: at($0.0), wh: $0.1) }, startReportedLate: late)
    }

    func kinds(_ signals: [FraudSignal]) -> [FraudSignal.Kind] { signals.map(\.kind) }

    // 1. Concurrent use

    @Test func aTokenChargingAtAnotherStationIsConcurrentUse() {
        let running = Self.session(1, station: "CP-2", start: -600)
        let found = detector.atStart(Self.session(2, start: 0), others: [running], token: nil, site: nil, previous: nil, now: Self.at(1))
        #expect(kinds(found) == [.concurrentUse])
        #expect(found.first?.key == "concurrentUse:2")
        #expect(found.first?.detail["otherStation"] == .string("CP-2"))
    }

    @Test func everyOverlappingPairIsReported() {
        let early = Self.session(1, station: "CP-2", start: -7_200)
        let recent = Self.session(3, station: "CP-3", start: -600)
        let found = detector.atStart(Self.session(4, start: 0), others: [recent, early], token: nil, site: nil, previous: nil, now: Self.at(1))
        #expect(found.map(\.key) == ["concurrentUse:4", "concurrentUse:4:3"])   // it named the earliest only
        #expect(found.map { $0.detail["otherStation"] } == [.string("CP-2"), .string("CP-3")])
        #expect(found.allSatisfy { $0.detail["overlapping"] == .number(2) })
    }

    @Test func aSessionEndedBeforeTheStartOrAtTheSameStationIsNotConcurrentUse() {
        let ended = Self.session(1, station: "CP-2", start: -3_600, stop: -60)
        let sameStation = Self.session(3, station: "CP-1", connector: 2, start: -600)
        let abandoned = Self.session(4, station: "CP-3", start: -200_000)
        let otherToken = Self.session(5, station: "CP-4", token: "OTHER", start: -600)
        // The pair is reported at the later start only: this one started first.
        let later = Self.session(6, station: "CP-5", start: 60)
        let found = detector.atStart(Self.session(2, start: 0), others: [ended, sameStation, abandoned, otherToken, later], token: nil, site: nil,
                                     previous: nil, now: Self.at(1))
        #expect(found.isEmpty)
    }

    // 2. Site not allowed

    @Test func aTokenAtASiteOutsideItsListIsFlagged() {
        let found = detector.atStart(Self.session(1), others: [], token: .init(sites: ["north", "south"]), site: "east", previous: nil,
                                     now: Self.at(1))
        #expect(kinds(found) == [.siteNotAllowed])
        #expect(found.first?.detail["site"] == .string("east"))
    }

    @Test func aTokenAtOneOfItsSitesOrWithoutALimitIsNotFlagged() {
        #expect(detector.atStart(Self.session(1), others: [], token: .init(sites: ["North"]), site: "north", previous: nil, now: Self.at(1)).isEmpty)
        #expect(detector.atStart(Self.session(1), others: [], token: .init(sites: []), site: "east", previous: nil, now: Self.at(1)).isEmpty)
        #expect(detector.atStart(Self.session(1), others: [], token: nil, site: "east", previous: nil, now: Self.at(1)).isEmpty)
    }

    // 3. Offline start with a bad token

    @Test func aStartQueuedOfflineWithABlockedOrUnknownTokenIsFlagged() {
        let late = detector.atStart(Self.session(1, authorization: "blocked", start: 0), others: [], token: nil, site: nil, previous: nil,
                                    now: Self.at(3_600))
        #expect(kinds(late) == [.offlineStartBadToken])
        #expect(late.first?.detail["delaySeconds"] == .number(3_600))
        let flagged = detector.atStart(Self.session(1, authorization: "unknown", late: true), others: [], token: nil, site: nil,
                                       previous: nil, now: Self.at(10))
        #expect(kinds(flagged) == [.offlineStartBadToken])
    }

    @Test func anOnlineStartOrAGoodTokenIsNotFlagged() {
        #expect(detector.atStart(Self.session(1, authorization: "blocked"), others: [], token: nil, site: nil, previous: nil,
                                 now: Self.at(5)).isEmpty)
        #expect(detector.atStart(Self.session(1, authorization: "accepted", late: true), others: [], token: nil, site: nil, previous: nil,
                                 now: Self.at(3_600)).isEmpty)
    }

    // 4. Register mismatch

    @Test func samplesBeyondTheReportedRegisterAreAMismatch() {
        // Reports 10 kWh, but the register was sampled at 31 kWh: the tolerance is max(500 Wh, 2 % of 10 kWh) = 500 Wh.
        let session = Self.session(1, stop: 3_600, meterStart: 1_000, meterStop: 11_000, register: [(600, 5_000), (3_000, 31_000)])
        let found = detector.atEnd(session, now: Self.at(3_601))
        #expect(kinds(found) == [.registerMismatch])
        #expect(found.first?.detail["sampledMaxWh"] == .number(31_000))
        #expect(found.first?.detail["toleranceWh"] == .number(500))
    }

    @Test func samplesWithinTheToleranceAreNoMismatch() {
        // 400 Wh past meterStop is within the 500 Wh floor; 2 % of 100 kWh (2 kWh) covers 1.5 kWh.
        let small = Self.session(1, stop: 3_600, meterStart: 1_000, meterStop: 11_000, register: [(600, 5_000), (3_500, 11_400)])
        #expect(detector.atEnd(small, now: Self.at(3_601)).isEmpty)
        let large = Self.session(2, stop: 3_600, meterStart: 0, meterStop: 100_000, register: [(600, 50_000), (3_500, 101_500)])
        #expect(detector.atEnd(large, now: Self.at(3_601)).isEmpty)
    }

    // 5. Energy above power

    @Test func moreEnergyThanTheConnectorCanDeliverIsFlagged() {
        var thresholds = FraudThresholds()
        thresholds.stationMaxPowerKW = ["CP-1": 22]
        // 22 kW for one hour allows 22 kWh (+ 500 Wh); 30 kWh reported.
        let session = Self.session(1, stop: 3_600, meterStart: 0, meterStop: 30_000, samples: 3)
        let found = FraudDetector(thresholds: thresholds).atEnd(session, now: Self.at(3_601))
        #expect(kinds(found) == [.energyAbovePower])
        #expect(found.first?.detail["maxPowerKW"] == .number(22))
        #expect(found.first?.detail["impliedPowerKW"] == .number(30))
    }

    @Test func energyWithinThePowerIsNotFlagged() {
        var thresholds = FraudThresholds()
        thresholds.stationMaxPowerKW = ["CP-1": 22]
        let session = Self.session(1, stop: 3_600, meterStart: 0, meterStop: 22_000, samples: 3)
        #expect(FraudDetector(thresholds: thresholds).atEnd(session, now: Self.at(3_601)).isEmpty)
        // The fleet default (350 kW) allows 30 kWh in an hour.
        #expect(detector.atEnd(Self.session(2, stop: 3_600, meterStart: 0, meterStop: 30_000, samples: 3), now: Self.at(3_601)).isEmpty)
    }

    // 6. No meter values

    @Test func aLongSessionWithoutMeterValuesIsFlagged() {
        let found = detector.atEnd(Self.session(1, stop: 1_800, meterStart: 0, meterStop: 5_000, samples: 0), now: Self.at(1_801))
        #expect(kinds(found) == [.noMeterValues])
        #expect(found.first?.detail["durationSeconds"] == .number(1_800))
    }

    @Test func aShortSessionOrOneWithSamplesIsNotFlagged() {
        #expect(detector.atEnd(Self.session(1, stop: 120, meterStart: 0, meterStop: 100, samples: 0), now: Self.at(121)).isEmpty)
        #expect(detector.atEnd(Self.session(2, stop: 1_800, meterStart: 0, meterStop: 5_000, samples: 1), now: Self.at(1_801)).isEmpty)
    }

    // 8. Register backwards

    @Test func aRegisterGoingBackwardsWithinASessionIsFlagged() {
        let readings = Self.session(1, stop: 3_600, meterStart: 1_000, meterStop: 5_000, register: [(600, 3_000), (1_200, 2_000), (3_000, 4_900)])
        let found = detector.atEnd(readings, now: Self.at(3_601))
        #expect(kinds(found) == [.registerBackwards])
        #expect(found.first?.key == "registerBackwards:1:session")
        #expect(found.first?.detail["toWh"] == .number(2_000))
        let stopBelowStart = Self.session(2, stop: 3_600, meterStart: 9_000, meterStop: 8_000, samples: 1)
        #expect(kinds(detector.atEnd(stopBelowStart, now: Self.at(3_601))) == [.registerBackwards])
    }

    @Test func aRegisterGoingBackwardsBetweenSessionsOfAConnectorIsFlagged() {
        let previous = Self.session(1, start: -7_200, stop: -3_600, meterStart: 1_000, meterStop: 20_000)
        let found = detector.atStart(Self.session(2, meterStart: 12_000), others: [], token: nil, site: nil, previous: previous,
                                     now: Self.at(1))
        #expect(kinds(found) == [.registerBackwards])
        #expect(found.first?.key == "registerBackwards:2:previous")
    }

    @Test func aRisingRegisterIsNotFlagged() {
        let previous = Self.session(1, start: -7_200, stop: -3_600, meterStart: 1_000, meterStop: 20_000)
        #expect(detector.atStart(Self.session(2, meterStart: 20_000), others: [], token: nil, site: nil, previous: previous,
                                 now: Self.at(1)).isEmpty)
        let rising = Self.session(3, stop: 3_600, meterStart: 1_000, meterStop: 5_000, register: [(600, 2_000), (1_200, 2_000), (3_000, 4_900)])
        #expect(detector.atEnd(rising, now: Self.at(3_601)).isEmpty)
    }
}
