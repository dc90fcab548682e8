import YAMLKit

/// Reads the config file's `fraud:` section into `FraudThresholds`, reporting every mistake at
/// its `file:line:col` — unknown keys (with a "did you mean"), a number that is not a positive
/// number, a count that is not a whole number of at least 2, a window that is not a duration —
/// so `vigil config check` shows them all. Keys left out keep their defaults.
///
/// ```yaml
/// fraud:
///   registerToleranceWh: 500
///   registerTolerancePercent: 2
///   maxPowerKW: 350
///   stationMaxPowerKW: {CP-HOME-1: 11}
///   noMeterValuesMinDuration: 5m
///   offlineStartDelay: 5m
///   burstCount: 5
///   burstWindow: 60s
///   probeRun: 3
///   probeWindow: 10m
///   backwardsToleranceWh: 1
/// ```
public enum FraudConfigReader {
    static let numberKeys = ["registerToleranceWh", "registerTolerancePercent", "maxPowerKW", "backwardsToleranceWh"]
    static let countKeys = ["burstCount", "probeRun"]
    static let durationKeys = ["noMeterValuesMinDuration", "offlineStartDelay", "burstWindow", "probeWindow", "abandonedSessionAfter"]
    /// Every key `fraud:` accepts.
    public static let keys = (numberKeys + countKeys + durationKeys + ["stationMaxPowerKW"]).sorted()

    /// The thresholds of `node` (the value of `fraud:`) and every problem found; a bad value
    /// keeps its default.
    public static func read(_ node: YAMLNode) -> (FraudThresholds, [YAMLError]) {
        var thresholds = FraudThresholds()
        var reader = YAMLFieldReader(node, context: "config fraud", allowed: keys)
        guard node.mapping != nil else { return (thresholds, reader.errors) }
        for key in numberKeys {
            guard let text = reader.string(key, required: false), let valueNode = node[key] else { continue }
            guard let value = Double(text), value.isFinite, value > 0 || (value == 0 && key != "maxPowerKW") else {
                reader.fail(valueNode, "\"\(key)\" must be a \(key == "maxPowerKW" ? "positive" : "non-negative") number, got \"\(text)\"")
                continue
            }
            switch key {
            case "registerToleranceWh": thresholds.registerToleranceWh = value
            case "registerTolerancePercent": thresholds.registerTolerancePercent = value
            case "maxPowerKW": thresholds.maxPowerKW = value
            default: thresholds.backwardsToleranceWh = value
            }
        }
        for key in countKeys {
            guard let text = reader.string(key, required: false), let valueNode = node[key] else { continue }
            guard let value = Int(text), value >= 2, value <= 1_000 else {
                reader.fail(valueNode, "\"\(key)\" must be a whole number from 2 to 1000, got \"\(text)\"")
                continue
            }
            if key == "burstCount" { thresholds.burstCount = value } else { thresholds.probeRun = value }
        }
        for key in durationKeys {
            guard let text = reader.string(key, required: false), let valueNode = node[key] else { continue }
            guard let seconds = DurationText.seconds(text, allowBareNumber: true), seconds > 0 || key == "noMeterValuesMinDuration" else {
                reader.fail(valueNode, "\"\(key)\" must be a duration such as 60s or 5m, got \"\(text)\"")
                continue
            }
            switch key {
            case "noMeterValuesMinDuration": thresholds.noMeterValuesMinDuration = seconds
            case "offlineStartDelay": thresholds.offlineStartDelay = seconds
            case "burstWindow": thresholds.burstWindow = seconds
            case "probeWindow": thresholds.probeWindow = seconds
            default: thresholds.abandonedSessionAfter = seconds
            }
        }
        if let map = reader.field("stationMaxPowerKW", required: false) {
            if let pairs = map.mapping {
                for pair in pairs {
                    let station = pair.key.scalar ?? ""
                    if let text = pair.value.scalar, let value = Double(text), value.isFinite, value > 0 {
                        thresholds.stationMaxPowerKW[station] = value
                    } else {
                        reader.fail(pair.value, "\"stationMaxPowerKW\" of station \"\(station)\" must be a positive number of kW, got \"\(pair.value.scalar ?? pair.value.kindName)\"")
                    }
                }
            } else {
                reader.fail(map, "\"stationMaxPowerKW\" must be a mapping of station id to kW, such as {CP-1: 22}, got a \(map.kindName)")
            }
        }
        return (thresholds, reader.errors)
    }
}
