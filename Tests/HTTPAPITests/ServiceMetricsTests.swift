@testable import API
import Testing

/// `/metrics` text: every family described even before its first sample, every connector and
/// delivery status present, label values escaped.
@Suite struct ServiceMetricsTests {
    @Test func theExpositionIsWellFormed() {
        var metrics = ServiceMetrics()
        metrics.connected = 2
        metrics.connectors = ["Faulted": 1, "Available": 3]
        metrics.commands = [(action: "reset", status: "accepted", count: 4)]
        let text = metrics.text
        #expect(text.contains("# TYPE vigil_stations_connected gauge\nvigil_stations_connected 2\n"))
        #expect(text.contains("vigil_connectors{status=\"Available\"} 3\nvigil_connectors{status=\"Charging\"} 0\nvigil_connectors{status=\"Faulted\"} 1\n"))
        #expect(text.contains("vigil_commands{action=\"reset\",outcome=\"accepted\"} 4\n"))
        #expect(text.contains("vigil_alert_deliveries{status=\"dead\"} 0\n"))   // every status, at zero too
        #expect(text.contains("# TYPE vigil_ocpp_calls_sent_total counter\n") == false)   // no traffic counts given: no family
        #expect(text.contains("# TYPE vigil_commands gauge\nvigil_commands{"))
        #expect(ServiceMetrics.escaped("a\"b\\c\nd") == "a\\\"b\\\\c\\nd")
    }
}
