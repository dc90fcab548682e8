import Digests

/// One file of the dashboard, embedded in the binary: its name under `/dashboard/`, its
/// `Content-Type`, its bytes and a strong ETag (the first 32 hex digits of their SHA-256,
/// so it changes exactly when the file does).
public struct DashboardAsset: Sendable {
    public let name: String
    public let contentType: String
    public let body: [UInt8]
    public let etag: String

    public init(name: String, contentType: String, text: String) {
        self.name = name
        self.contentType = contentType
        self.body = Array(text.utf8)
        self.etag = "\"" + Digests.sha256Hex(body).prefix(32) + "\""
    }

    static func script(_ name: String, _ text: String) -> DashboardAsset {
        DashboardAsset(name: name, contentType: "text/javascript; charset=utf-8", text: text)
    }

    static func styleSheet(_ name: String, _ text: String) -> DashboardAsset {
        DashboardAsset(name: name, contentType: "text/css; charset=utf-8", text: text)
    }
}
