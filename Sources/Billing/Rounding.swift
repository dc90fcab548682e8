/// The one rounding rule of billing: an exact quotient rounded half away from zero
/// (2.5 → 3, −2.5 → −3). Each line item is rounded once, to the currency's minor unit, from
/// its exact value; the net total is the sum of the rounded lines; VAT is computed on that
/// rounded net total and rounded the same way (docs/billing.md).
public enum Rounding {
    /// `numerator / denominator` rounded half away from zero; `denominator` must be positive.
    public static func halfAwayFromZero(_ numerator: Int128, _ denominator: Int128) -> Int128 {
        precondition(denominator > 0, "a rounding denominator is a positive constant")
        let quotient = numerator / denominator
        let remainder = numerator % denominator
        guard remainder.magnitude * 2 >= denominator.magnitude else { return quotient }
        return numerator < 0 ? quotient - 1 : quotient + 1
    }

    /// 10^exponent for the small exponents of currencies (0…3) and units.
    static func power(_ exponent: Int) -> Int128 {
        var value: Int128 = 1
        for _ in 0..<exponent { value *= 10 }
        return value
    }
}
