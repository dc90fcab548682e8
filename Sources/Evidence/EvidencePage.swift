import OCPP

/// The printable page of an evidence pack: one self-contained HTML file (inline style sheet,
/// no scripts, no external resources) with the same content as the JSON and the content hash
/// printed, for a dispute handler to print or save as PDF. It carries the pack itself in a
/// `<script type="application/json">` data block (never executed; `<` written as `\u003c`, so
/// the block cannot end early), which `vigil sessions evidence --verify` reads.
public enum EvidencePage {
    public static func html(_ pack: EvidencePack) throws(EvidenceCanonicalForm.Problem) -> String {
        // Rendered from the canonical text (numbers spelt as it spells them), its objects put
        // back in the builder's order, so the page made from the block it embeds is this page,
        // byte for byte (`EvidenceCheck.verifyPage`) — and the page earlier versions made from
        // the builder's own contents, which verify the same way.
        let block = try pack.text()
        var contents = pack.contents
        if case .object(let canonical)? = try? JSONParser.parse(block, maxDepth: 32), case .object(let ordered) = inBuilderOrder(.object(canonical)) {
            contents = ordered
        }
        return render(pack, contents: contents, block: block)
    }

    /// The page of `pack` showing `contents` (its members in the order they are to appear).
    static func render(_ pack: EvidencePack, contents: JSONObject, block: String) -> String {
        let session = object(contents["session"])
        let id = string(session["id"])
        var page = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8">
            <title>Evidence pack — session \(escape(id))</title>
            <style>\(style)</style></head><body>
            <h1>Evidence pack — session \(escape(id)) on \(escape(string(session["station"])))</h1>
            <p class="hash">Content hash (SHA-256): <code>\(escape(pack.contentHash))</code></p>
            <p>Made \(escape(string(contents["producedAt"]))) · \(pack.isComplete ? "complete: the session had ended" : "<strong>not complete: the session was still running</strong>") ·
            window \(escape(string(object(contents["window"])["from"]))) … \(escape(string(object(contents["window"])["to"])))</p>

            """
        page += section("Session", table(keyed: session))
        page += section("Authorisation", table(keyed: object(contents["authorization"])))
        page += section("Billing", billing(object(contents["billing"])))
        page += section("Meter samples", table(rows: array(contents["meterSamples"]), columns: ["at", "measurand", "phase", "value", "unit", "context"]))
        page += section("Status changes", table(rows: array(contents["statusChanges"]),
                                                columns: ["receivedAt", "chargerTime", "evse", "status", "errorCode", "vendorErrorCode", "info"]))
        page += section("Faults", table(rows: array(contents["faults"]), columns: ["at", "source", "evse", "code", "status", "vendorErrorCode", "raised"]))
        let remediation = object(contents["remediation"])
        page += section("Remediation decisions", table(rows: array(remediation["decisions"]),
                                                       columns: ["id", "at", "rule", "kind", "target", "action", "reason", "auditEntryId", "trailFindings"]))
        page += section("Remediation commands", table(rows: array(remediation["commands"]),
                                                      columns: ["id", "createdAt", "action", "argument", "connector", "status", "verified", "auditEntryIds", "trailFindings"]))
        page += section("Audit entries cited", table(rows: array(remediation["auditEntries"]),
                                                     columns: ["id", "at", "kind", "actor", "action", "outcome", "hash", "previousHash"]))
        let audit = object(contents["audit"])
        page += section("Audit chain", "<h3>Head</h3>" + table(keyed: object(audit["head"])) + "<h3>Newest checkpoint</h3>" + table(keyed: object(audit["checkpoint"])))
        let frames = object(contents["frames"])
        let cut = frames["truncated"] == .bool(true) ? "<p><strong>Only the newest \(escape(string(frames["limit"]))) frames of the window are included.</strong></p>" : ""
        page += section("OCPP frames (secrets masked)", cut + table(rows: array(frames["items"]), columns: ["id", "at", "direction", "text"], code: ["text"]))
        page += section("Section hashes", table(keyed: object(contents["sectionHashes"])))
        page += """
            <p class="verify">To verify: save this file and run <code>vigil sessions evidence --verify FILE</code>, or recompute the SHA-256
            of the embedded JSON's canonical form without <code>contentHash</code> (docs/billing.md, "Evidence pack").</p>
            <script type="application/json" id="\(EvidenceCheck.htmlBlockId)">\(block.replacingOccurrences(of: "<", with: "\\u003c"))</script>
            </body></html>

            """
        return page
    }

    static let style = """
        body{font:10pt/1.35 system-ui,sans-serif;margin:1.5cm;color:#111}h1{font-size:15pt}h2{font-size:12pt;border-bottom:1px solid #999;\
        margin-top:1.2em}h3{font-size:10pt}table{border-collapse:collapse;width:100%;margin:.3em 0}th,td{border:1px solid #bbb;padding:2px 4px;\
        text-align:left;vertical-align:top}th{background:#eee}code,.code{font-family:ui-monospace,monospace;font-size:8.5pt;word-break:break-all}\
        .hash code{font-size:10pt}section{page-break-inside:auto}tr{page-break-inside:avoid}.none{color:#666}
        """

    static func section(_ title: String, _ body: String) -> String { "<section><h2>\(escape(title))</h2>\n\(body)</section>\n" }

    static func billing(_ billing: JSONObject) -> String {
        guard billing["priced"] == .bool(true) else { return "<p>Not priced: \(escape(string(billing["reason"])))</p>" }
        var html = "<h3>Charge detail record</h3>" + table(keyed: object(billing["cdr"]), code: ["document", "contentHash"])
        html += "<h3>Tariff version</h3>" + table(keyed: object(billing["tariffVersion"]), code: ["canonicalJSON", "hash"])
        return html
    }

    /// The member order of each object the pack builder makes (`EvidencePack+Building`), by the
    /// key it sits under: the canonical text sorts keys, and a page shows them as built (the
    /// session's id first, the audit head's entry first). Keys not named keep their place after.
    static let builderOrder: [String: [String]] = [
        "session": ["id", "station", "evse", "connector", "transactionRef", "idToken", "active", "startTime", "stopTime", "meterStartWh",
                    "meterStopWh", "energyWh", "stopReason", "anomalies", "errors"],
        "authorization": ["idToken", "group", "verdict", "decidedAt", "authorizeFrameIds", "token", "tokenRecordInForceAtStart", "note"],
        "token": ["token", "status", "expiry", "parent", "note", "sites", "createdAt", "updatedAt"],
        "billing": ["priced", "cdr", "tariffVersion", "reason"],
        "cdr": ["id", "createdAt", "contentHash", "document"],
        "tariffVersion": ["tariffId", "version", "hash", "validFrom", "canonicalJSON"],
        "audit": ["head", "checkpoint"],
        "head": ["entryId", "hash", "at"],
        "checkpoint": ["sequence", "entryId", "hash", "at", "signature", "version"],
        "sectionHashes": EvidencePack.sections,
    ]

    /// `value` with every object under a key of `builderOrder` in that order, at any depth.
    static func inBuilderOrder(_ value: JSONValue, under key: String? = nil) -> JSONValue {
        switch value {
        case .object(let object):
            var members = object.members.map { (key: $0.key, value: inBuilderOrder($0.value, under: $0.key)) }
            if let key, let order = builderOrder[key] {
                let rank = Dictionary(uniqueKeysWithValues: order.enumerated().map { ($0.element, $0.offset) })
                members = members.enumerated().sorted { first, second in
                    let a = rank[first.element.key] ?? Int.max, b = rank[second.element.key] ?? Int.max
                    return a != b ? a < b : first.offset < second.offset
                }.map(\.element)
            }
            return .object(JSONObject(members))
        case .array(let items):
            return .array(items.map { inBuilderOrder($0, under: key) })
        default:
            return value
        }
    }

    static func table(keyed object: JSONObject, code: Set<String> = []) -> String {
        guard !object.members.isEmpty else { return "<p class=\"none\">none</p>" }
        let members = object.members
        return "<table>" + members.map { member in
            let cell = code.contains(member.key) ? "<code>\(escape(string(member.value)))</code>" : escape(string(member.value))
            return "<tr><th>\(escape(member.key))</th><td>\(cell)</td></tr>"
        }.joined() + "</table>\n"
    }

    static func table(rows: [JSONValue], columns: [String], code: Set<String> = []) -> String {
        guard !rows.isEmpty else { return "<p class=\"none\">none</p>" }
        var html = "<table><tr>" + columns.map { "<th>\(escape($0))</th>" }.joined() + "</tr>"
        for row in rows {
            let fields = object(row)
            html += "<tr>" + columns.map { column in
                let text = escape(string(fields[column]))
                return code.contains(column) ? "<td class=\"code\">\(text)</td>" : "<td>\(text)</td>"
            }.joined() + "</tr>"
        }
        return html + "</table>\n"
    }

    static func object(_ value: JSONValue?) -> JSONObject {
        if case .object(let object)? = value { return object }
        return JSONObject()
    }

    static func array(_ value: JSONValue?) -> [JSONValue] {
        if case .array(let items)? = value { return items }
        return []
    }

    /// A value as a cell shows it: text as is, `null` as "-", lists joined.
    static func string(_ value: JSONValue?) -> String {
        switch value {
        case nil, .null?: return "-"
        case .string(let text)?: return text
        case .array(let items)?: return items.isEmpty ? "-" : items.map { string($0) }.joined(separator: ", ")
        case let other?: return JSONWriter.string(other)
        }
    }

    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(character)
            }
        }
        return out
    }
}
