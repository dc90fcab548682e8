import OCPP
import Testing
@testable import Billing

/// The price a station is shown (TransactionEvent `totalCost`, CostUpdated `totalCost`) goes on
/// the wire as the CDR's decimal, not as a neighbouring double's long expansion.
@Suite struct MajorUnitsTests {
    @Test(arguments: [(357, 2, "3.57"), (1_428, 2, "14.28"), (1_071, 2, "10.71"), (536, 2, "5.36"), (1, 2, "0.01"), (0, 2, "0"),
                      (1_500, 0, "1500"), (1_234, 3, "1.234"), (-50, 2, "-0.5"), (999_999_999_999_999, 2, "9999999999999.99")])
    func theWireShowsTheDecimal(minor: Int, exponent: Int, text: String) {
        #expect(JSONNumber(BillingService.majorUnits(minor, exponent: exponent)).text == text)
    }
}
