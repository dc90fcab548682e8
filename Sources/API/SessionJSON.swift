import CPMS
import Foundation
import ServiceLog

/// A session record as the API and `vigil sessions --json` show it (JSONSerialization's
/// objects; the meter samples only when asked for).
public enum SessionJSON {
    public static func object(_ session: SessionRecord, samples: [MeterSample]?) -> [String: Any] {
        var object: [String: Any] = ["id": session.id, "station": session.station, "evse": session.evse, "connector": session.connector,
                                     "transactionRef": session.transactionRef, "startTime": session.startTime, "active": session.isActive,
                                     "anomalies": session.anomalies, "errors": session.errors]
        // Every field present, `null` when unknown (as the OpenAPI schema says): a nil assigned
        // to a dictionary removed the key, so a running session had no stopTime at all.
        let optionals: [(String, Any?)] = [("idToken", session.idToken), ("authorization", session.authorization),
                                           ("stopTime", session.stopTime), ("meterStartWh", session.meterStartWh),
                                           ("meterStopWh", session.meterStopWh), ("energyWh", session.energyWh),
                                           ("stopReason", session.stopReason)]
        for (name, value) in optionals { object[name] = value ?? NSNull() }
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
