import Foundation
import RuleEngine
import Testing

/// Every rule shown in docs/rules.md (each ```yaml block that starts with "- id:") loads as it
/// stands — a rule author copies them — and the shipped rules and fixtures the cookbook names
/// exist. A reference to another rule counts as valid when a shipped rule has that id.
@Suite struct DocumentedRuleTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func blocks() throws -> [String] {
        let text = try String(contentsOf: root.appendingPathComponent("docs/rules.md"), encoding: .utf8)
        return text.components(separatedBy: "```yaml\n").dropFirst().compactMap { chunk in
            let block = chunk.components(separatedBy: "```").first ?? ""
            return block.hasPrefix("- id:") ? block : nil
        }
    }

    @Test func everyDocumentedRuleLoads() throws {
        let shipped = try RuleSet.load(directory: Self.root.appendingPathComponent("Rules").path)
        let shippedIds = Set(shipped.rules.map(\.id))
        let blocks = try Self.blocks()
        #expect(blocks.count >= 18)
        for (index, block) in blocks.enumerated() {
            let found = problems(block, file: "docs-block-\(index + 1).yaml").filter { problem in
                guard let range = problem.range(of: "refers to rule \"") else { return true }
                let name = problem[range.upperBound...].prefix { $0 != "\"" }
                return !shippedIds.contains(String(name))
            }
            #expect(found.isEmpty, "docs/rules.md yaml block \(index + 1): \(found)\n\(block)")
        }
    }

    @Test func theCookbookNamesShippedFixtures() throws {
        let text = try String(contentsOf: Self.root.appendingPathComponent("docs/rules.md"), encoding: .utf8)
        let recipes = try #require(text.components(separatedBy: "### Recipes from a real network").last?
            .components(separatedBy: "### From Prometheus rules").first)
        let names = recipes.components(separatedBy: "`").filter { $0.hasSuffix(".yaml") && !$0.contains("/") && !$0.contains(" ") }
        #expect(names.count >= 12)
        for name in names {
            #expect(FileManager.default.fileExists(atPath: Self.root.appendingPathComponent("Rules/tests/\(name)").path), "\(name)")
        }
    }
}
