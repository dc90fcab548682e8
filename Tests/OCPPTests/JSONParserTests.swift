import Testing
@testable import OCPP

@Suite struct JSONParserTests {
    @Test func parsesAnOCPPCallAndKeepsNumberLiterals() throws {
        let value = try JSONParser.parse(#"[2, "19223201", "MeterValues", {"connectorId": 1, "meterValue": [{"value": "12.50", "n": 1.50, "e": -3E2}]}]"#)
        guard case .array(let frame) = value, case .object(let payload) = frame[3] else {
            Issue.record("expected an array with an object")
            return
        }
        #expect(frame[0] == .integer(2))
        #expect(frame[1] == .string("19223201"))
        #expect(payload["connectorId"] == .integer(1))
        guard case .array(let samples) = payload["meterValue"], case .object(let sample) = samples[0],
              case .number(let n) = sample["n"], case .number(let e) = sample["e"] else {
            Issue.record("expected samples")
            return
        }
        #expect(n.text == "1.50" && !n.isInteger && n.intValue == nil)
        #expect(e.intValue == -300)
        #expect(JSONWriter.string(value) == #"[2,"19223201","MeterValues",{"connectorId":1,"meterValue":[{"value":"12.50","n":1.50,"e":-3E2}]}]"#)
    }

    @Test func escapesAndUnicodeRoundTrip() throws {
        let value = try JSONParser.parse(#"{"info":"line\nbreak \"quoted\" \u00e9 \ud83d\udd0c tab\t","raw":"Größe"}"#)
        guard case .object(let object) = value else { Issue.record("expected an object"); return }
        #expect(object["info"] == .string("line\nbreak \"quoted\" é 🔌 tab\t"))
        #expect(object["raw"] == .string("Größe"))
        #expect(try JSONParser.parse(JSONWriter.string(value)) == value)
        #expect(JSONWriter.string(.string("\u{01}")) == #""\u0001""#)
        // Short (inline) and long strings, with and without something to escape.
        #expect(JSONWriter.string(.string("a\\b\"c")) == #""a\\b\"c""#)
        #expect(JSONWriter.string(.string("Faulted")) == #""Faulted""#)
        let long = String(repeating: "Größe 🔌 ", count: 20)
        #expect(JSONWriter.string(.string(long)) == "\"" + long + "\"")
        #expect(JSONWriter.string(.string(long + "\n")) == "\"" + long + "\\n\"")
    }

    @Test(arguments: [
        ("", 0, "unexpected end of input"),
        ("[1,]", 3, "unexpected character ']'"),
        ("{\"a\":1,}", 7, "expected a string key"),
        ("[01]", 2, "leading zeros are not allowed"),
        ("[1.]", 3, "expected a digit after '.'"),
        ("{\"a\":1,\"a\":2}", 7, "duplicate key \"a\""),
        ("[\"\\ud800\"]", 8, "lone high surrogate \\uD800"),
        ("[\"\\x\"]", 4, "invalid escape \\'x'"),
        ("[\"a\nb\"]", 3, "raw control character in string"),
        ("[tru]", 1, "invalid literal, expected true"),
        ("[1] x", 4, "unexpected data after the JSON value"),
        ("// c\n[]", 0, "unexpected character '/'"),
    ])
    func rejectsMalformedText(text: String, offset: Int, reason: String) {
        #expect(throws: JSONParseError(offset: offset, reason: reason)) { try JSONParser.parse(text) }
    }

    @Test func rejectsInvalidUTF8AndDeepNesting() {
        #expect(throws: JSONParseError(offset: 2, reason: "string is not valid UTF-8")) { try JSONParser.parse([0x5B, 0x22, 0xC0, 0xAF, 0x22, 0x5D]) }
        let deep = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        #expect(throws: JSONParseError(offset: 64, reason: "nesting deeper than 64 levels")) { try JSONParser.parse(deep) }
        let ok = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        #expect((try? JSONParser.parse(ok)) != nil)
    }

    /// ASCII strings take a path without validation; a byte at or above 0x80 anywhere in a
    /// string sends it through UTF-8 validation.
    @Test func stringsPastASCIIAreValidatedAndKept() throws {
        #expect(try JSONParser.parse(Array(#"["Zürich","ok"]"#.utf8)) == .array([.string("Zürich"), .string("ok")]))
        #expect(throws: JSONParseError(offset: 2, reason: "string is not valid UTF-8")) {
            try JSONParser.parse([0x5B, 0x22, 0x61, 0x62, 0xC0, 0xAF, 0x22, 0x5D])   // ["ab<overlong '/'>"]
        }
    }

    @Test func objectEqualityIgnoresKeyOrder() throws {
        #expect(try JSONParser.parse(#"{"a":1,"b":[true,null]}"#) == (try JSONParser.parse(#"{"b":[true,null],"a":1}"#)))
        #expect(try JSONParser.parse(#"{"a":1}"#) != (try JSONParser.parse(#"{"a":2}"#)))
    }
}
