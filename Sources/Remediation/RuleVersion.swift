import Foundation
import RuleEngine

/// The text of a rule as it was when it decided something, stored once per hash
/// (`rule_versions`) the first time that version decides: the canonical text the hash is taken
/// over (so anyone can check `sha256(canonical) == hash`) and the same rule as block YAML for
/// people to read. `vigil rules show-version HASH` prints it; decisions, commands, outcomes and
/// verifications on the audit trail name the hash.
public struct RuleVersion: Sendable, Equatable {
    public var hash: String
    public var rule: String
    public var canonical: String
    public var yaml: String
    /// When this version first decided something (RFC 3339, UTC).
    public var firstDecidedAt: String

    public init(hash: String, rule: String, canonical: String, yaml: String, firstDecidedAt: String) {
        (self.hash, self.rule, self.canonical, self.yaml, self.firstDecidedAt) = (hash, rule, canonical, yaml, firstDecidedAt)
    }

    /// The version of a loaded rule; nil for a rule built without its YAML (tests, generated rules).
    public init?(_ rule: Rule, at time: String) {
        guard let source = rule.source else { return nil }
        self.init(hash: rule.hash, rule: rule.id, canonical: RuleHash.canonicalText(source), yaml: source.blockText,
                  firstDecidedAt: time)
    }

    /// Whether the stored canonical text still hashes to the stored hash, and the YAML shown to
    /// people still renders to that canonical text (an edit of either column shows here).
    public var isIntact: Bool {
        RuleHash.matches(canonical, hash: hash) && RuleHash.canonicalText(ofYAML: yaml) == canonical
    }
}
