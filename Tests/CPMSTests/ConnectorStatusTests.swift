import DomainEvents
import Foundation
import OCPP
import Testing

/// `ConnectorStatus` is the one status type past the OCPP edge: it must name every status
/// either version's schema allows, in the schema's spelling, and events must read as it.
@Suite struct ConnectorStatusTests {
    @Test func everyStatusOfBothVersionsHasACase() {
        let v16 = V16.StatusNotificationRequest.Status.allCases.map(\.rawValue)
        let v201 = V201.ConnectorStatusEnumType.allCases.map(\.rawValue)
        #expect(Set(v16 + v201) == Set(ConnectorStatus.allCases.map(\.rawValue)))
    }

    @Test func decodedStatusesConvertInTheirOwnSpelling() {
        for status in V16.StatusNotificationRequest.Status.allCases { #expect(ConnectorStatus(status).rawValue == status.rawValue) }
        for status in V201.ConnectorStatusEnumType.allCases { #expect(ConnectorStatus(status).rawValue == status.rawValue) }
        #expect("\(ConnectorStatus.suspendedEV)" == "SuspendedEV")   // text built from a status reads as OCPP spells it
    }

    @Test func errorCodesOfBothVersions() {
        #expect(OCPPErrorCode.groundFailure.isFault && !OCPPErrorCode.noError.isFault && !OCPPErrorCode("").isFault)
        #expect(OCPPErrorCode.groundFailure.componentAndVariable == nil)
        let problem = OCPPErrorCode("ConnectorPlugRetentionLock/Problem")
        #expect(problem.isFault && problem.componentAndVariable?.component == "ConnectorPlugRetentionLock"
                && problem.componentAndVariable?.variable == "Problem")
        #expect(OCPPErrorCode(nil as String?) == nil)
        for code in V16.StatusNotificationRequest.ErrorCode.allCases {
            #expect(OCPPErrorCode(code.rawValue).isFault == (code != .noError))
        }
        let event = DomainEvent(id: "e1", kind: .statusChanged, time: Date(timeIntervalSince1970: 0), station: "CP-1", connector: 1,
                                fields: ["ocppErrorCode": .string("GroundFailure")])
        #expect(event.ocppErrorCode == .groundFailure)
    }

    @Test func eventsReadTheirReportedStatus() {
        func event(_ fields: [String: FieldValue]) -> DomainEvent {
            DomainEvent(id: "e1", kind: .statusChanged, time: Date(timeIntervalSince1970: 0), station: "CP-1", connector: 1, fields: fields)
        }
        #expect(event(["to": .string("Faulted")]).statusTo == .faulted)
        #expect(event(["to": .string("faulted")]).statusTo == nil)   // the schemas' spelling only
        #expect(event([:]).statusTo == nil)
        #expect(ConnectorStatus.unavailable.isOutOfService && ConnectorStatus.faulted.isOutOfService)
        #expect(!ConnectorStatus.available.isOutOfService && ConnectorStatus.suspendedEV.isInSession)
    }
}
