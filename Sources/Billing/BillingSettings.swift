import YAMLKit

/// The config file's `billing:` section: how pricing behaves in `vigil serve` beside the
/// tariffs themselves. Read with `read(_:)`, which reports every mistake at its
/// `file:line:col` (unknown keys with a "did you mean"); a key left out keeps its default.
///
/// ```yaml
/// billing:
///   costUpdatedInterval: 5m     # or off
/// ```
public struct BillingSettings: Sendable, Equatable {
    /// The shortest time between two running-cost messages (2.0.1 `CostUpdated`) for one
    /// session; nil (`off`): none is sent. Default 5 minutes: a display that changes every few
    /// minutes is current enough, and each message occupies the station's one outstanding call
    /// from Vigil until it answers.
    public var costUpdatedInterval: Duration? = .seconds(300)

    public init(costUpdatedInterval: Duration? = .seconds(300)) {
        self.costUpdatedInterval = costUpdatedInterval
    }

    /// Every key `billing:` accepts.
    public static let keys = ["costUpdatedInterval"]
    /// The bounds of `costUpdatedInterval`: below 10 s the messages would crowd out Vigil's
    /// other calls to the station; beyond a day a session would hardly see one.
    public static let intervalRange: ClosedRange<Double> = 10...86_400

    /// The settings of `node` (the value of `billing:`) and every problem found.
    public static func read(_ node: YAMLNode) -> (BillingSettings, [YAMLError]) {
        var settings = BillingSettings()
        var reader = YAMLFieldReader(node, context: "config billing", allowed: keys)
        guard node.mapping != nil else { return (settings, reader.errors) }
        if let text = reader.string("costUpdatedInterval", required: false), let valueNode = node["costUpdatedInterval"] {
            if text == "off" {
                settings.costUpdatedInterval = nil
            } else if let seconds = DurationText.seconds(text, allowBareNumber: true), intervalRange.contains(seconds) {
                settings.costUpdatedInterval = .milliseconds(Int64((seconds * 1_000).rounded()))
            } else {
                reader.fail(valueNode, "\"costUpdatedInterval\" must be a duration from 10s to 24h, such as 5m, or off, got \"\(text)\"")
            }
        }
        return (settings, reader.errors)
    }
}
