import CPMS
import ServiceLog

/// A session record as the API and `vigil sessions --json` show it (JSONSerialization's
/// objects; the meter samples only when asked for).
public enum SessionJSON {
    public static func object(_ session: SessionRecord, samples: [MeterSample]?) -> [String: Any] {
        var object: [String: Any] = ["id": session.id, "station": session.station, "evse": session.evse, "connector": session.connector,
                                     "transactionRef": session.transactionRef, "startTime": session.startTime, "active": session.isActive,
                                     "anomalies": session.anomalies, "errors": session.errors]
        object["idToken"] = session.idToken
        object["authorization"] = session.authorization
        object["stopTime"] = session.stopTime
        object["meterStartWh"] = session.meterStartWh
        object["meterStopWh"] = session.meterStopWh
        object["energyWh"] = session.energyWh
        object["stopReason"] = session.stopReason
        if let samples {
            object["samples"] = samples.map { sample -> [String: Any] in
                var entry: [String: Any] = ["at": sample.at, "measurand": sample.measurand, "value": sample.value]
                entry["unit"] = sample.unit
                entry["phase"] = sample.phase
                entry["context"] = sample.context
                return entry
            }
        }
        return object
    }
}
