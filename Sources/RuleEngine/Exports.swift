// Rule authors' tools and the engine speak in domain events; re-export them so users of
// RuleEngine need one import.
@_exported import DomainEvents
