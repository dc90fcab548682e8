import OCPP

/// A 1.6 sampled value as the session checks it: its text, whether it is signed data (not a
/// number by design), and its measurand (`StationHandlers.noteUnreadable`).
typealias RawReading = (value: String, signed: Bool, measurand: String?)

/// The meter values a 1.6 message carries, as session samples (numbers only: `MeterSample.ocpp16`)
/// and as the raw readings whose non-numbers are noted on the session. One mapping per message
/// type (their sampled values are distinct generated types).
extension V16.MeterValuesRequest {
    var samples: [MeterSample] {
        meterValue.flatMap { value in
            value.sampledValue.compactMap { sample in
                MeterSample.ocpp16(at: value.timestamp, value: sample.value, isSigned: sample.format == .signedData,
                                   measurand: sample.measurand?.rawValue, unit: sample.unit?.rawValue,
                                   phase: sample.phase?.rawValue, context: sample.context?.rawValue)
            }
        }
    }

    var readings: [RawReading] {
        meterValue.flatMap { $0.sampledValue.map { ($0.value, $0.format == .signedData, $0.measurand?.rawValue) } }
    }
}

extension V16.StopTransactionRequest {
    /// `transactionData` as session samples.
    var samples: [MeterSample] {
        (transactionData ?? []).flatMap { value in
            value.sampledValue.compactMap { sample in
                MeterSample.ocpp16(at: value.timestamp, value: sample.value, isSigned: sample.format == .signedData,
                                   measurand: sample.measurand?.rawValue, unit: sample.unit?.rawValue,
                                   phase: sample.phase?.rawValue, context: sample.context?.rawValue)
            }
        }
    }

    var readings: [RawReading] {
        (transactionData ?? []).flatMap { $0.sampledValue.map { ($0.value, $0.format == .signedData, $0.measurand?.rawValue) } }
    }
}
