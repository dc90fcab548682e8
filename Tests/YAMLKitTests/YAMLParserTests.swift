import Testing
@testable import YAMLKit

@Suite struct YAMLParserTests {
    @Test func nodesCarryOneBasedPositions() throws {
        let text = """
        - id: soft-reset
          when:
            event: statusChanged
          labels: [a, "b"]
        """
        let root = try #require(try YAMLParser.parse(text, file: "Rules/resets.yaml"))
        let rule = try #require(root.sequence?.first)
        #expect(rule.mark == YAMLMark(file: "Rules/resets.yaml", line: 1, column: 3))
        #expect(rule["id"]?.scalar == "soft-reset")
        let event = try #require(rule["when"]?["event"])
        #expect(event.mark.description == "Rules/resets.yaml:3:12")
        let labels = try #require(rule["labels"]?.sequence)
        #expect(labels.map(\.value) == [.scalar("a", isQuoted: false), .scalar("b", isQuoted: true)])
    }

    @Test func anchorsAndAliasesAreResolved() throws {
        let text = """
        defaults: &limits
          cooldown: 30m
          maxAttempts: 3
        rule:
          limits: *limits
        """
        let root = try #require(try YAMLParser.parse(text, file: "f.yaml"))
        #expect(root["rule"]?["limits"]?["cooldown"]?.scalar == "30m")
        #expect(root["rule"]?["limits"]?["maxAttempts"]?.scalar == "3")
    }

    @Test func duplicateKeysAreRejectedWithBothLines() {
        let text = "id: a\nwhen: x\nid: b\n"
        #expect(throws: YAMLError(mark: YAMLMark(file: "f.yaml", line: 3, column: 1), problem: #"duplicate key "id" (first at line 1)"#)) {
            try YAMLParser.parse(text, file: "f.yaml")
        }
    }

    @Test func syntaxErrorsPointAtFileLineColumn() {
        do {
            _ = try YAMLParser.parse("a: [1, 2\nb: 3\n", file: "bad.yaml")
            Issue.record("expected a syntax error")
        } catch {
            #expect(error.mark.file == "bad.yaml")
            #expect(error.mark.line == 2)
            #expect(error.description.hasPrefix("bad.yaml:2:"))
        }
    }

    @Test func billionLaughsIsBounded() {
        var text = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        for level in 1...8 { text += "a\(level): &a\(level) [" + Array(repeating: "*a\(level - 1)", count: 10).joined(separator: ", ") + "]\n" }
        #expect(throws: YAMLError.self) { try YAMLParser.parse(text, file: "lol.yaml") }
    }

    @Test func nullsQuotingTagsAndMultipleDocuments() throws {
        let root = try #require(try YAMLParser.parse("a: ~\nb: 'null'\nc:\nd: !!int 12\n", file: "f.yaml"))
        #expect(root["a"]?.isNull == true)
        #expect(root["b"]?.isNull == false)
        #expect(root["c"]?.isNull == true)
        #expect(root["d"]?.tag == "!!int")
        #expect(try YAMLParser.parse("", file: "empty.yaml") == nil)
        #expect(throws: YAMLError(mark: YAMLMark(file: "two.yaml", line: 3, column: 1), problem: "a second YAML document ('---'); one document per file")) {
            try YAMLParser.parse("a: 1\n---\nb: 2\n", file: "two.yaml")
        }
        #expect(try YAMLParser.parseDocuments("a: 1\n---\nb: 2\n", file: "two.yaml").count == 2)
    }

    @Test func deepNestingIsBounded() {
        let text = String(repeating: "[", count: 70) + String(repeating: "]", count: 70)
        #expect(throws: YAMLError.self) { try YAMLParser.parse(text, file: "deep.yaml") }
    }
}
