import Testing
import YAMLKit

/// Merge keys: `<<: *defaults` copies the anchored mapping's entries into the mapping that
/// names it; explicit entries win, an earlier merged mapping wins over a later one, merged
/// values keep the line they were written on, and a merge of a non-mapping is an error there.
@Suite struct YAMLMergeKeyTests {
    @Test func mergedEntriesFillInAndExplicitOnesWin() throws {
        let text = """
            defaults: &defaults { route: oncall, severity: major }
            quiet: &quiet { severity: info, repeat: 1h }
            alert:
              <<: [*defaults, *quiet]
              severity: critical
              title: x
            """
        let root = try #require(try YAMLParser.parse(text, file: "f.yaml"))
        let alert = try #require(root["alert"])
        #expect(alert["severity"]?.scalar == "critical")
        #expect(alert["route"]?.scalar == "oncall")
        #expect(alert["repeat"]?.scalar == "1h")
        #expect(alert["route"]?.mark.line == 1)     // where it was written
        #expect(alert.mapping?.map { $0.key.scalar } == ["severity", "title", "route", "repeat"])
    }

    @Test func mergingAScalarIsAnErrorAtItsLine() {
        #expect(throws: YAMLError.self) { try YAMLParser.parse("a: &x 3\nb:\n  <<: *x\n", file: "f.yaml") }
        do {
            _ = try YAMLParser.parse("a: &x 3\nb:\n  <<: *x\n", file: "f.yaml")
        } catch {
            #expect(error.description.contains("f.yaml:3:"))   // the line of the <<, not of the anchor
            #expect(error.description.contains("merge key << takes a mapping"))
        }
    }

    @Test func aQuotedLessThanPairIsAnOrdinaryKey() throws {
        let root = try #require(try YAMLParser.parse("m:\n  \"<<\": 1\n", file: "f.yaml"))
        #expect(root["m"]?["<<"]?.scalar == "1")
    }
}
