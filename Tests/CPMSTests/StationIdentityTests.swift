import Testing
@testable import CPMS

/// One canonical form for station ids: ASCII letters, digits and `* - _ = : + | @ .`, 1 to 48
/// of them; look-alikes, other normalisation forms and control characters are refused.
@Suite struct StationIdentityTests {
    @Test(arguments: ["CP-1", "cp-1", "KEBA-1", "GRS-0001", "a", "Station_7.2", "op@site:north+1|x*y=z", "...", ".a",
                      String(repeating: "x", count: 48)])
    func accepts(id: String) {
        #expect(StationIdentity.problem(with: id) == nil)
    }

    @Test(arguments: [
        ("", "a station id must not be empty"),
        ("\u{212A}EBA-1", "non-ASCII byte 0xE2 (look-alike letters and accents are not allowed) at byte 1"),   // KELVIN SIGN
        ("CAF\u{00C9}-1", "non-ASCII byte 0xC3 (look-alike letters and accents are not allowed) at byte 4"),    // É, composed
        ("CAFE\u{0301}-1", "non-ASCII byte 0xCC (look-alike letters and accents are not allowed) at byte 5"),   // E + combining acute
        ("CP\n1", "control character 0xA at byte 3"),
        ("CP-1\r", "control character 0xD at byte 5"),
        ("CP 1", "\" \" at byte 3"),
        ("CP/1", "\"/\" at byte 3"),
        ("CP%2D1", "\"%\" at byte 3"),
        (String(repeating: "x", count: 49), "a station id has at most 48 characters, got 49 bytes"),
        (".", "must not be \".\" (a path segment"),
        ("..", "must not be \"..\" (a path segment"),
    ])
    func refuses(id: String, problem: String) {
        let found = StationIdentity.problem(with: id)
        #expect(found?.contains(problem) == true, "\(id.debugDescription): \(found ?? "accepted")")
    }

    @Test func lookAlikesAreDifferentBytesThoughSwiftCallsThemEqual() {
        // Why the registry keys by bytes: String equality is canonical equivalence.
        #expect("\u{212A}EBA-1" == "KEBA-1")
        #expect(Array("\u{212A}EBA-1".utf8) != Array("KEBA-1".utf8))
        #expect(!StationIdentity.isValid("\u{212A}EBA-1") && StationIdentity.isValid("KEBA-1"))
    }
}
