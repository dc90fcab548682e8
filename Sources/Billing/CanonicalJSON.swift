import Foundation

extension JSONEncoder {
    /// The canonical form of tariffs and CDRs: keys sorted, no whitespace, slashes not
    /// escaped, UTF-8. What is hashed is exactly this text.
    static var canonical: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}
