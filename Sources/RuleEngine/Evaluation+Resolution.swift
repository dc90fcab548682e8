import Foundation
import VendorCatalog

/// Turning a rung into a concrete action: the catalogue's remedy chosen, safety faults kept
/// from being reset, alert templates filled with the event, the guidance and the history.
extension Evaluation {
    /// The catalogue entry for the event's fault (`VendorCatalog.faultEntry`: a vendor "no
    /// error" entry gives way to the OCPP error code's generic one).
    func catalogueMatch(for event: DomainEvent) -> CatalogMatch? {
        guard let catalog = engine.catalog else { return nil }
        return catalog.faultEntry(CatalogQuery(vendorId: event.fields["vendorId"]?.description, chargePointVendor: event.vendor,
                                               model: event.model, firmware: event.firmware,
                                               vendorErrorCode: event.fields["vendorErrorCode"]?.description,
                                               ocppErrorCode: event.ocppErrorCode?.rawValue))
    }

    /// The action to take (carrying the catalogue entry's severity, which the executor checks
    /// again), and a note when the catalogue changed or chose it. One catalogue lookup.
    func resolve(_ rung: Rung, rule: Rule, ladder: Ladder, at time: Date) -> (DecidedAction, String?) {
        let match = catalogueMatch(for: ladder.event)
        var (action, note) = resolve(rung, rule: rule, ladder: ladder, match: match, at: time)
        action.catalogueSeverity = match?.entry.severity.rawValue
        // A substitute disable for a never-reset fault the station has open keeps its mark.
        action.neverReset = action.neverReset == true || match?.entry.neverAutoReset == true
        if ladder.event.kind == .statusChanged, ladder.event.isSuperseded { action.onSupersededReport = true }
        return (action, note)
    }

    func resolve(_ rung: Rung, rule: Rule, ladder: Ladder, match: CatalogMatch?, at time: Date) -> (DecidedAction, String?) {
        let entryName = match.map { "\($0.entry.vendor) \($0.entry.code)" }
        // A fault the catalogue says is never reset automatically overrides the rule — this
        // event's fault, or one still open on any connector of the station. A code that a
        // reset merely does not help is the operator's call (sent, with the catalogue's view noted).
        let isNeverReset = match.map { $0.entry.neverAutoReset } ?? false
        let resetUnhelpful = match.map { !$0.entry.remedy.isReset && !$0.entry.neverAutoReset } ?? false
        let connectorKnown = ladder.target.connector != nil
        let alreadyDisabled = ladder.tried.contains { $0.hasPrefix(ActionType.disableConnector.rawValue) }
        switch rung.action {
        case .reset(let kind):
            if (isNeverReset || state.stations[ladder.target.station ?? ""]?.neverResetFaults[ladder.target.connector ?? -1] != nil),
               connectorKnown, alreadyDisabled {
                return (DecidedAction(type: .none, catalogueEntry: entryName),
                        "a never-reset fault is open on this connector, which this ladder already took out of service: reset \(kind.rawValue) not sent, nothing more to send")
            }
            if isNeverReset, let entryName {
                if connectorKnown {
                    return (DecidedAction(type: .disableConnector, allowDuringSession: rung.allowDuringSession, catalogueEntry: entryName),
                            "the catalogue says \(entryName) is never reset automatically: disabling the connector instead")
                }
                return (alertAction(rule.ladderFallback, rule: rule, ladder: ladder, match: match, at: time, severity: "safety",
                                    instead: Self.resetNotSent(kind.rawValue, because: "\(entryName) is never reset automatically")),
                        "the catalogue says \(entryName) is never reset automatically: alerting instead")
            }
            if let station = ladder.target.station, let (connector, other) = state.stations[station]?.neverResetFaults.min(by: { $0.key < $1.key }) {
                let place = connector == 0 ? "the station itself" : "connector \(connector)"
                if connectorKnown && ladder.target.connector == connector {
                    var disable = DecidedAction(type: .disableConnector, allowDuringSession: rung.allowDuringSession, catalogueEntry: other)
                    disable.neverReset = true
                    return (disable, "\(station) has \(other) open on \(place), never reset automatically: disabling the connector instead")
                }
                return (alertAction(rule.ladderFallback, rule: rule, ladder: ladder, match: match, at: time, severity: "safety",
                                    instead: Self.resetNotSent(kind.rawValue, because: "\(station) has \(other) open on \(place)")),
                        "\(station) has \(other) open on \(place), never reset automatically: alerting instead of reset \(kind.rawValue)")
            }
            return (DecidedAction(type: .reset, resetType: kind.rawValue, allowDuringSession: rung.allowDuringSession,
                                  catalogueEntry: entryName),
                    resetUnhelpful ? "the catalogue does not expect a reset to clear \(entryName ?? "this code") (remedy \(match?.entry.remedy.rawValue ?? "-"))" : nil)
        case .disableConnector:
            return (DecidedAction(type: .disableConnector, allowDuringSession: rung.allowDuringSession, catalogueEntry: entryName), nil)
        case .enableConnector:
            return (DecidedAction(type: .enableConnector, catalogueEntry: entryName), nil)
        case .unlockConnector:
            return (DecidedAction(type: .unlockConnector, allowDuringSession: rung.allowDuringSession, catalogueEntry: entryName), nil)
        case .triggerMessage(let message):
            return (DecidedAction(type: .triggerMessage, message: message), nil)
        case .alert(let spec):
            return (alertAction(spec, rule: rule, ladder: ladder, match: match, at: time), nil)
        case .approve(let approval):
            return (DecidedAction(type: .approve, role: approval.role), nil)
        case .blockToken:
            // The token of the event that started the ladder; an event without one blocks nothing.
            guard let token = ladder.event.value(of: "idTag")?.description, !token.isEmpty else {
                return (DecidedAction(type: .blockToken), "the triggering \(ladder.event.kind.rawValue) event names no idTag: nothing to block")
            }
            var action = DecidedAction(type: .blockToken)
            action.token = token
            return (action, nil)
        case .record(let title):
            let values = placeholderValues(rule: rule, ladder: ladder, match: match, at: time)
            return (DecidedAction(type: .record, title: title.render { values[$0] }), nil)
        case .catalogueRemedy(let fallback):
            guard let match else {
                return (alertAction(fallback, rule: rule, ladder: ladder, match: nil, at: time),
                        "no catalogue entry for this code: alerting route \(fallback.route)")
            }
            let entry = match.entry
            let name = "\(entry.vendor) \(entry.code)"
            if isNeverReset {
                if connectorKnown {
                    return (DecidedAction(type: .disableConnector, catalogueEntry: name),
                            "catalogue: \(name) is never reset automatically: disable the connector, then a technician")
                }
                return (alertAction(fallback, rule: rule, ladder: ladder, match: match, at: time, severity: "safety",
                                    instead: Self.resetNotSent(nil, because: "\(name) is never reset automatically")),
                        "catalogue: \(name) is never reset automatically: technician")
            }
            switch entry.remedy {
            case .softReset, .hardReset:
                if let station = ladder.target.station, let (connector, other) = state.stations[station]?.neverResetFaults.min(by: { $0.key < $1.key }) {
                    let severity = max(entry.severity, fallback.severity).rawValue
                    let place = connector == 0 ? "the station itself" : "connector \(connector)"
                    return (alertAction(fallback, rule: rule, ladder: ladder, match: match, at: time, severity: severity,
                                        instead: Self.resetNotSent(entry.remedy == .softReset ? "soft" : "hard", because: "\(station) has \(other) open on \(place)")),
                            "catalogue: \(name) → \(entry.remedy.rawValue), but \(station) has \(other) open on \(place), never reset automatically: alerting instead")
                }
                let kind = entry.remedy == .softReset ? "soft" : "hard"
                return (DecidedAction(type: .reset, resetType: kind, allowDuringSession: rung.allowDuringSession, catalogueEntry: name),
                        "catalogue: \(name) → \(entry.remedy.rawValue)\(entry.remedySource == .inferred ? " (Vigil's inference, not the manufacturer's words)" : "")")
            case .unlockConnector where connectorKnown:
                return (DecidedAction(type: .unlockConnector, allowDuringSession: rung.allowDuringSession, catalogueEntry: name),
                        "catalogue: \(name) → unlockConnector")
            case .disableConnector where connectorKnown:
                return (DecidedAction(type: .disableConnector, allowDuringSession: rung.allowDuringSession, catalogueEntry: name),
                        "catalogue: \(name) → disableConnector")
            case .none, .waitForRecovery:
                // A vendor code the catalogue does not know, answered only by the generic entry of
                // its OCPP code: a gap, not the manufacturer saying "nothing to do" — on-call hears.
                if match.basis == .genericErrorCode, let code = ladder.event.value(of: "vendorErrorCode")?.description, !code.isEmpty {
                    return (alertAction(fallback, rule: rule, ladder: ladder, match: match, at: time),
                            "no catalogue entry for vendor code \(code) (the generic \(name) entry says \(entry.remedy.rawValue)): alerting route \(fallback.route)")
                }
                return (DecidedAction(type: .none, catalogueEntry: name), "catalogue: \(name) → \(entry.remedy.rawValue), no command")
            default:
                let severity = max(entry.severity, fallback.severity).rawValue
                return (alertAction(fallback, rule: rule, ladder: ladder, match: match, at: time, severity: severity),
                        "catalogue: \(name) → \(entry.remedy.rawValue)")
            }
        }
    }

    /// The alert a rung (or a fallback) sends. `instead`: the engine sends it in place of a reset
    /// it will not decide — its title and first lines say so and why, ahead of the rule's own text.
    func alertAction(_ spec: AlertSpec, rule: Rule, ladder: Ladder, match: CatalogMatch?, at time: Date,
                     severity: String? = nil, instead: (title: String, text: String)? = nil) -> DecidedAction {
        var values = placeholderValues(rule: rule, ladder: ladder, match: match, at: time)
        // A page sent instead of a reset (a never-reset fault is open) never tells on-call to
        // reset: the code's own guidance may (an InternalError's "try a soft reset first"). A
        // never-reset entry's own steps ("do not reset remotely; send a technician") stay.
        if instead != nil, match?.entry.remedy.isReset == true {
            values["guidance"] = "Do not reset this station remotely while the fault named above is open: a reset does not clear it "
                + "and may re-energise a faulty circuit."
        }
        var text = spec.text.render { values[$0] }
        var title = spec.title.render { values[$0] }
        // The default title and text speak of a fault's code and guidance; an alert of a rule on
        // another event (fraud, authorization, a transaction …) says what happened instead.
        let event = ladder.event
        if ![.statusChanged, .faultCleared].contains(event.kind) {
            let about = event.station.isEmpty ? "" : " at \(event.station)\(event.connector.map { " connector \($0)" } ?? "")"
            if spec.title.source == RuleReader.defaultTitle { title = "\(rule.id): \(event.kind.rawValue)\(about)" }
            if spec.text.source == RuleReader.defaultText {
                let facts = event.fields.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value.description)" }.joined(separator: " ")
                text = (rule.description.isEmpty ? "" : rule.description + "\n") + "\(event.kind.rawValue)\(about)"
                    + (facts.isEmpty ? "" : ": \(facts)") + "\nTried: \(values["attempts"] ?? "nothing")"
            }
        }
        if instead == nil, let entry = match?.entry, entry.remedy.isReset, entry.remedySource == .inferred {
            // On-call must know whether "reset it" is the manufacturer's advice or Vigil's guess.
            text += "\nNote: the \(entry.remedy.rawValue) remedy for \(entry.vendor) \(entry.code) is Vigil's inference, not the manufacturer's guidance."
        }
        if let instead {
            title = "\(ladder.target.key): \(instead.title)"
            text = instead.text + "\n\n" + text
        }
        var action = DecidedAction(type: .alert, route: spec.route, severity: severity ?? spec.severity.rawValue,
                                   title: title, text: text,
                                   catalogueEntry: match.map { "\($0.entry.vendor) \($0.entry.code)" })
        action.trigger = ladder.event.kind
        return action
    }

    /// The title and first lines of an alert sent instead of a reset the engine will not decide.
    static func resetNotSent(_ kind: String?, because why: String) -> (title: String, text: String) {
        let reset = kind.map { "reset \($0)" } ?? "reset"
        return ("\(reset) not sent — \(why)",
                "Vigil did not send a \(reset): \(why). A reset does not clear such a fault and may re-energise a faulty circuit, "
                + "so Vigil never sends one while it is open. Nothing was tried for it. Check the station on site; an operator can still "
                + "reset it by hand with --force and a reason.")
    }

    func placeholderValues(rule: Rule, ladder: Ladder, match: CatalogMatch?, at time: Date) -> [String: String] {
        let event = ladder.event
        var values: [String: String] = [:]
        for name in EventKind.commonFields + event.kind.fields { values[name] = event.value(of: name)?.description }
        values["rule"] = rule.id
        // `{{group.NAME}}`: each part of the rule's grouping, for this target.
        for (name, value) in rule.pattern.by.values(for: event) { values["group.\(name)"] = value }
        values["description"] = rule.description
        values["target"] = ladder.target.key
        values["time"] = Self.format(time)
        values["eventKind"] = event.kind.rawValue
        values["count"] = String(ladder.eventIds.count)
        values["firstSeen"] = Self.format(ladder.firstSeen)
        values["lastSeen"] = Self.format(event.time)
        values["attempts"] = ladder.tried.isEmpty ? "nothing yet" : ladder.tried.joined(separator: "; ")
        if let entry = match?.entry {
            values["guidance"] = entry.onCall.isEmpty ? "No steps documented; see the source." : entry.guidance
            values["technicianGuidance"] = entry.technician.enumerated().map { "\($0.offset + 1). \($0.element)" }.joined(separator: "\n")
            values["title"] = entry.title
            values["meaning"] = entry.meaning
            values["severity"] = entry.severity.rawValue
            values["remedy"] = entry.remedy.rawValue
            values["remedySource"] = entry.remedySource.rawValue
            values["autoReset"] = entry.autoReset.rawValue
            values["source"] = entry.source.citation
            values["vendorName"] = entry.vendor
        } else {
            values["guidance"] = "No catalogue entry for this code: check the station's log and the manufacturer's manual."
            values["title"] = event.fields["ocppErrorCode"]?.description ?? event.kind.rawValue
            values["meaning"] = "not in the vendor catalogue"
        }
        return values
    }
}

extension Rule {
    /// The alert used when a reset must be replaced because the fault is unsafe to reset.
    var ladderFallback: AlertSpec {
        for rung in ladder {
            if case .alert(let spec) = rung.action { return spec }
            if case .catalogueRemedy(let fallback) = rung.action { return fallback }
        }
        return AlertSpec(route: "oncall", severity: .safety, title: Template(RuleReader.defaultTitle), text: Template(RuleReader.defaultText))
    }
}
