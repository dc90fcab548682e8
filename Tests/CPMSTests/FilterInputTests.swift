import CPMS
import Testing

/// The one strict reader of CLI filter values: offsets honoured, fractions kept to the store's
/// millisecond, anything unreadable refused with the option, the value and what is valid.
@Suite struct FilterInputTests {
    @Test(arguments: [
        // (given, lower bound in the stored form, upper bound in the stored form)
        ("2026-12-03T19:26:00+01:00", "2026-12-03T18:26:00.000Z", "2026-12-03T18:26:00.000Z"),
        ("2026-12-03T18:26:00Z", "2026-12-03T18:26:00.000Z", "2026-12-03T18:26:00.000Z"),
        ("2026-12-03t18:26:00z", "2026-12-03T18:26:00.000Z", "2026-12-03T18:26:00.000Z"),
        ("2026-12-03T18:26:00.5Z", "2026-12-03T18:26:00.500Z", "2026-12-03T18:26:00.500Z"),
        ("2026-12-03T18:26:00.250-05:30", "2026-12-03T23:56:00.250Z", "2026-12-03T23:56:00.250Z"),
        // finer than a millisecond: rounded inwards, so the range takes in nothing outside it
        ("2026-12-03T18:26:00.0001Z", "2026-12-03T18:26:00.001Z", "2026-12-03T18:26:00.000Z"),
        ("2026-12-03T18:26:59.9999Z", "2026-12-03T18:27:00.000Z", "2026-12-03T18:26:59.999Z"),
        // across midnight and a year
        ("2027-01-01T00:30:00+01:00", "2026-12-31T23:30:00.000Z", "2026-12-31T23:30:00.000Z"),
    ])
    func timesBecomeTheStoredForm(given: String, lower: String, upper: String) throws {
        #expect(try FilterInput.time(given, option: "from", bound: .lower) == lower)
        #expect(try FilterInput.time(given, option: "to", bound: .upper) == upper)
    }

    @Test func theStoredFormComparesAsTheInstantDoes() throws {
        // An entry stored at 18:30Z is after 19:26+01:00 (18:26Z), though "18:30" < "19:26" as text.
        let bound = try FilterInput.time("2026-12-03T19:26:00+01:00", option: "from")
        #expect("2026-12-03T18:30:00.000Z" >= bound)
        #expect("2026-12-03T18:20:00.000Z" < bound)
    }

    @Test(arguments: [
        ("yesterday", nil as String?),
        ("", nil),
        ("2026-12-03", nil),
        ("2026-12-03 18:26:00Z", nil),
        ("2026-12-03T18:26Z", nil),
        ("2026-12-03T18:26:00.Z", nil),
        ("2026-12-03T18:26:00+0100", nil),
        ("2026-12-03T18:26:00", "it has no zone: add Z for UTC or an offset such as +01:00"),
        ("2026-13-03T18:26:00Z", "month 13 is out of range"),
        ("2026-02-30T18:26:00Z", "day 30 is out of range"),
        ("2026-12-03T24:00:00Z", "hour 24 is out of range"),
        ("2026-12-03T18:26:00+24:00", "offset hour 24 is out of range"),
    ])
    func unreadableTimesAreRefused(given: String, problem: String?) {
        #expect(throws: FilterInputError.badTime(option: "from", value: given, problem: problem)) {
            try FilterInput.time(given, option: "from")
        }
    }

    @Test func aTimeRefusalNamesTheOptionTheValueAndAnExample() {
        let error = FilterInputError.badTime(option: "from", value: "yesterday", problem: nil)
        #expect(error.description == "--from \"yesterday\" is not an RFC 3339 time with a zone, such as "
            + "2026-12-03T18:26:00Z or 2026-12-03T19:26:00.250+01:00")
    }

    /// A `+` offset sent unencoded in a query string arrives as a space: the refusal says so.
    @Test func anOffsetWhosePlusBecameASpaceIsNamed() {
        #expect(throws: FilterInputError.badTime(option: "from", value: "2026-12-08T04:00:00 01:00",
                                                 problem: "in a URL's query a + reads as a space: send the offset's + as %2B")) {
            try FilterInput.instant("2026-12-08T04:00:00 01:00", option: "from")
        }
        #expect(throws: FilterInputError.badTime(option: "from", value: "2026 12 08", problem: nil)) {
            try FilterInput.instant("2026 12 08", option: "from")
        }
    }

    @Test func aChoiceMustBeSpelledAsListed() throws {
        let valid = ["accepted", "rejected", "timedOut"]
        #expect(try FilterInput.choice("rejected", option: "status", among: valid) == "rejected")
        #expect(throws: FilterInputError.unknownValue(option: "status", value: "bogus", valid: valid)) {
            try FilterInput.choice("bogus", option: "status", among: valid)
        }
        #expect(throws: FilterInputError.unknownValue(option: "status", value: "Rejected", valid: valid)) {
            try FilterInput.choice("Rejected", option: "status", among: valid)
        }
        #expect(throws: FilterInputError.unknownValue(option: "status", value: "", valid: valid)) {
            try FilterInput.choice("", option: "status", among: valid)
        }
    }

    @Test func aChoiceRefusalListsTheValidValues() {
        let valid = ["accepted", "rejected", "timedOut"]
        #expect(FilterInputError.unknownValue(option: "outcome", value: "bogus", valid: valid).description
            == "--outcome \"bogus\" is not one of: accepted, rejected, timedOut")
        #expect(FilterInputError.unknownValue(option: "outcome", value: "TimedOut", valid: valid).description
            == "--outcome \"TimedOut\" is not one of: accepted, rejected, timedOut (did you mean \"timedOut\"?)")
    }
}
