@testable import API
import Foundation
import Testing
import Transport

/// The API's error codes are a contract: the table in docs/security.md and `APIError.Code`
/// must list the same codes with the same statuses, and an error body never carries more than
/// the text, the code and (on a 500) the request id.
@Suite struct APIErrorTests {
    /// `| \`code\` | status | meaning |` rows of the "Errors" table.
    static func documentedCodes() throws -> [String: Int] {
        let docs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("docs/security.md")
        let text = try String(contentsOf: docs, encoding: .utf8)
        var codes: [String: Int] = [:]
        for line in text.split(separator: "\n") where line.hasPrefix("| `") {
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count >= 2, let status = Int(cells[1]) else { continue }
            codes[cells[0].trimmingCharacters(in: CharacterSet(charactersIn: "`"))] = status
        }
        return codes
    }

    @Test func everyCodeIsDocumentedWithItsStatus() throws {
        let documented = try Self.documentedCodes()
        let built = Dictionary(uniqueKeysWithValues: APIError.Code.allCases.map { ($0.rawValue, $0.status.code) })
        #expect(documented == built)
    }

    @Test func aBodyHasTheTextAndTheCodeOnly() {
        let response = APIError(.safetyFaultOpen, "CP-1 has a ground fault open").response
        #expect(response.status.code == 409)
        #expect(String(decoding: response.body, as: UTF8.self) == #"{"error":"CP-1 has a ground fault open","code":"safety_fault_open"}"#)
    }

    @Test func transportErrorsGetTheJSONShapeAndKeepTheirHeaders() {
        var plain = HTTPResponse(status: .methodNotAllowed, headers: ["Content-Type": "text/plain; charset=utf-8", "Allow": "GET"],
                                 body: Array("method not allowed\n".utf8))
        plain.headers.add("X-Other", "1")
        let shaped = APIError.jsonShaped(plain)
        #expect(shaped.status.code == 405)
        #expect(shaped.headers["Allow"] == "GET")
        #expect(String(decoding: shaped.body, as: UTF8.self) == #"{"error":"method not allowed","code":"method_not_allowed"}"#)
    }
}
