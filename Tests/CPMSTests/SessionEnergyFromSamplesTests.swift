@testable import CPMS
import StoreTesting
import Testing

/// A 2.0.1 Ended may carry no meter value (the field is optional): the session's energy comes
/// from its register samples, as billing prices it, so the record, the metrics and the CDR
/// agree — with an anomaly saying where the figure came from.
@Suite struct SessionEnergyFromSamplesTests {
    @Test(arguments: TestEngine.all) func anEndWithoutAReadingEndsAtTheLastRegisterSample(engine: TestEngine) async throws {
        let test = try TestDatabase(engine, name: "energy")
        defer { test.remove() }
        let store = try StationStore(location: test.location)
        _ = try await store.declareStation(id: "CS-1")
        let now = "2026-12-01T10:00:00.000Z"
        let session = try await store.startSession(station: "CS-1", evse: 1, connector: 1, transactionRef: "T-1", idToken: "CARD",
                                                   authorization: "accepted", startTime: now, meterStartWh: 10_000, now: now)
        try await store.addSamples(session: session, [
            MeterSample(at: "2026-12-01T10:10:00.000Z", measurand: "Energy.Active.Import.Register", value: 15, unit: "kWh", phase: nil, context: nil),
            MeterSample(at: "2026-12-01T10:20:00.000Z", measurand: "Energy.Active.Import.Register", value: 20_000, unit: "Wh", phase: nil, context: nil),
            MeterSample(at: "2026-12-01T10:20:00.000Z", measurand: "Energy.Active.Import.Register", value: 7_000, unit: "Wh", phase: "L1", context: nil),
            MeterSample(at: "2026-12-01T10:21:00.000Z", measurand: "Power.Active.Import", value: 11_000, unit: "W", phase: nil, context: nil),
        ])
        #expect(try await store.stopSession(id: session, stopTime: "2026-12-01T10:30:00.000Z", meterStopWh: nil, reason: "Local", now: now))
        let record = try #require(try await store.session(session))
        #expect(record.energyWh == 10_000)
        #expect(record.meterStopWh == 20_000)
        #expect(record.anomalies == ["no meter reading at the stop: the last register sample (20000 Wh at 2026-12-01T10:20:00.000Z) taken"])

        // Neither reading: both ends from the samples.
        let bare = try await store.startSession(station: "CS-1", evse: 1, connector: 1, transactionRef: "T-2", idToken: nil,
                                                authorization: "none", startTime: now, meterStartWh: nil, now: now)
        try await store.addSamples(session: bare, [
            MeterSample(at: "2026-12-01T11:00:00.000Z", measurand: "Energy.Active.Import.Register", value: 1_000, unit: "Wh", phase: nil, context: nil),
            MeterSample(at: "2026-12-01T11:30:00.000Z", measurand: "Energy.Active.Import.Register", value: 3_000, unit: "Wh", phase: nil, context: nil),
        ])
        #expect(try await store.stopSession(id: bare, stopTime: "2026-12-01T11:40:00.000Z", meterStopWh: nil, reason: "Local", now: now))
        #expect(try await store.session(bare)?.energyWh == 2_000)
        #expect(try await store.session(bare)?.meterStartWh == 1_000)

        // No samples at all: the energy stays unknown.
        let empty = try await store.startSession(station: "CS-1", evse: 1, connector: 1, transactionRef: "T-3", idToken: nil,
                                                 authorization: "none", startTime: now, meterStartWh: 5, now: now)
        #expect(try await store.stopSession(id: empty, stopTime: "2026-12-01T12:00:00.000Z", meterStopWh: nil, reason: "Local", now: now))
        #expect(try await store.session(empty)?.energyWh == nil)
        #expect(try await store.session(empty)?.anomalies == [])
    }
}
