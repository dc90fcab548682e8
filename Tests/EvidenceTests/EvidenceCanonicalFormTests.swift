@testable import Evidence
import OCPP
import Testing

/// The canonical form is what Python's `json.dumps(sort_keys=True, separators=(",", ":"),
/// ensure_ascii=False)` writes: one row per rule, the expected text written out.
@Suite struct EvidenceCanonicalFormTests {
    @Test(arguments: [
        (#"{"b":1,"a":[true,false,null],"c":{"z":"y","y":"z"}}"#, #"{"a":[true,false,null],"b":1,"c":{"y":"z","z":"y"}}"#),
        (#"{"é":1,"z":2,"Z":3}"#, #"{"Z":3,"z":2,"é":1}"#),                                  // code point order
        (#"["a\"b\\c/d"]"#, #"["a\"b\\c/d"]"#),                                               // slash not escaped
        (#"["\u0008\u0009\u000a\u000c\u000d\u0001\u001f\u007f"]"#, "[\"\\b\\t\\n\\f\\r\\u0001\\u001f\u{7F}\"]"),
        (#"["\u00e9\u20ac\ud83d\ude00"]"#, "[\"é€😀\"]"),                                     // non-ASCII as UTF-8
        (#"[-12, 0, 9007199254740993]"#, "[-12,0,9007199254740993]"),
    ])
    func canonicalText(_ input: String, _ expected: String) throws {
        #expect(try EvidenceCanonicalForm.text(try JSONParser.parse(input)) == expected)
    }

    @Test(arguments: ["1.5", "1e3", "-0", "1.0"])
    func aNumberThatIsNotAPlainIntegerIsRefusedWithItsPath(_ number: String) throws {
        #expect(throws: EvidenceCanonicalForm.Problem(path: "meterSamples[0].value", text: number)) {
            try EvidenceCanonicalForm.bytes(try JSONParser.parse(#"{"meterSamples":[{"value":"# + number + "}]}"))
        }
    }
}
