import Testing
@testable import Transport

@Suite struct UTF8ValidatorTests {
    @Test(arguments: [
        ([0x41, 0x42], true),
        ([0xC3, 0xA9], true),                       // é
        ([0xF0, 0x9F, 0x94, 0x8C], true),           // 🔌
        ([0xF4, 0x8F, 0xBF, 0xBF], true),           // U+10FFFF, the last code point
        ([0xC0, 0xAF], false),                      // overlong "/"
        ([0xE0, 0x80, 0xAF], false),                // overlong, three bytes
        ([0xED, 0xA0, 0x80], false),                // surrogate U+D800
        ([0xF4, 0x90, 0x80, 0x80], false),          // above U+10FFFF
        ([0xFF], false),
        ([0x80], false),                            // lone continuation byte
    ] as [([UInt8], Bool)])
    func validatesWholeSequences(bytes: [UInt8], valid: Bool) {
        var validator = UTF8Validator()
        let ok = validator.validate(bytes)
        #expect((ok && validator.isComplete) == valid)
    }

    @Test func stateCarriesAcrossChunksAndLongASCIIRunsUseTheFastPath() {
        var validator = UTF8Validator()
        let text = Array((String(repeating: "charger ", count: 50) + "Größe 🔌").utf8)
        for byte in text {
            let ok = validator.validate([byte])
            #expect(ok)
        }
        #expect(validator.isComplete)
        var whole = UTF8Validator()
        let wholeOK = whole.validate(text)
        #expect(wholeOK && whole.isComplete)
        var broken = UTF8Validator()
        let brokenOK = broken.validate(Array(String(repeating: "a", count: 30).utf8) + [0xFE])
        #expect(!brokenOK)
    }
}
