/// One update for live subscribers (the API's event stream): what happened, as JSON ready to
/// send. `kind` says what `json` holds — `event` (a committed `DomainEvent` with its sequence),
/// `decision` (a rule decision as recorded) or `alert` (an alert raised, repeated or resolved)
/// — and `id` names the thing within its kind.
public struct LiveUpdate: Sendable, Equatable {
    public var kind: String
    public var id: String
    public var json: String

    public init(kind: String, id: String, json: String) {
        self.kind = kind
        self.id = id
        self.json = json
    }

    /// A committed event: `{"sequence":N,"event":{…stored form…}}`.
    public static func event(_ event: SequencedEvent) -> LiveUpdate {
        LiveUpdate(kind: "event", id: String(event.sequence),
                   json: "{\"sequence\":\(event.sequence),\"event\":" + event.event.storageJSON + "}")
    }
}
