import Dashboard
import Foundation
import Testing
import Transport

/// The dashboard's files: types, a strict CSP on every answer, ETag and 304, and a page that
/// loads only files the binary has, with no inline script or style for the CSP to refuse.
@Suite struct DashboardRoutesTests {
    let router: Router = {
        var router = Router()
        DashboardRoutes.route(&router)
        return router
    }()

    func get(_ path: String, headers: HTTPHeaders = HTTPHeaders()) async -> HTTPResponse {
        guard case .handler(let handler, let parameters) = router.resolve(method: "GET", rawPath: path) else {
            return HTTPResponse(status: .notFound)
        }
        var request = HTTPRequest(method: "GET", target: path, headers: headers)
        request.pathParameters = parameters
        return await handler(request)
    }

    @Test func theRootRedirectsToTheDashboard() async {
        let response = await get("/")
        #expect(response.status.code == 302 && response.headers["Location"] == "/dashboard/")
    }

    @Test(arguments: [("/dashboard", "text/html; charset=utf-8"), ("/dashboard/", "text/html; charset=utf-8"),
                      ("/dashboard/app.js", "text/javascript; charset=utf-8"), ("/dashboard/base.css", "text/css; charset=utf-8")])
    func eachFileHasItsTypeAStrictPolicyAndAnETag(path: String, type: String) async {
        let response = await get(path)
        #expect(response.status == .ok && response.headers["Content-Type"] == type && !response.body.isEmpty)
        let policy = response.headers["Content-Security-Policy"] ?? ""
        #expect(policy.contains("default-src 'self'") && policy.contains("script-src 'self'") && !policy.contains("unsafe-inline"))
        #expect(policy.contains("frame-ancestors 'none'"))
        #expect(response.headers["X-Content-Type-Options"] == "nosniff" && response.headers["Referrer-Policy"] == "no-referrer")
        #expect(response.headers["Cache-Control"] == "no-cache")
        #expect(response.headers["ETag"]?.count == 34)
    }

    @Test func aMatchingETagIs304WithoutABody() async throws {
        let first = await get("/dashboard/util.js")
        let etag = try #require(first.headers["ETag"])
        var headers = HTTPHeaders()
        headers.add("If-None-Match", "\"other\", \(etag)")
        let again = await get("/dashboard/util.js", headers: headers)
        #expect(again.status.code == 304 && again.body.isEmpty && again.headers["ETag"] == etag)
        #expect(again.headers["Content-Security-Policy"] != nil)
        var stale = HTTPHeaders()
        stale.add("If-None-Match", "\"0123\"")
        #expect(await get("/dashboard/util.js", headers: stale).status == .ok)
    }

    @Test func anUnknownFileIs404() async {
        #expect(await get("/dashboard/secrets.js").status == .notFound)
    }

    @Test func everyFileThePageLoadsExistsAndNothingIsInline() throws {
        let assets = DashboardAssets.shared
        let page = String(decoding: assets.page.body, as: UTF8.self)
        let regex = try NSRegularExpression(pattern: #"(?:src|href)="/dashboard/([^"]+)""#)
        let names = regex.matches(in: page, range: NSRange(page.startIndex..., in: page)).compactMap { match in
            Range(match.range(at: 1), in: page).map { String(page[$0]) }
        }
        #expect(Set(names) == Set(assets.files.keys), "the page loads exactly the files the binary serves")
        // CSP refuses inline code: every script has a src, and no element carries style or on… attributes.
        #expect(page.components(separatedBy: "<script").count - 1 == names.filter { $0.hasSuffix(".js") }.count)
        #expect(!page.contains("<style") && !page.contains(" style=") && page.range(of: #"\son[a-z]+="#, options: .regularExpression) == nil)
        for (name, asset) in assets.files where name.hasSuffix(".js") {
            let text = String(decoding: asset.body, as: UTF8.self)
            // Data is always set as text: no HTML parsing of what the API returns, no eval.
            #expect(!text.contains("innerHTML") && !text.contains("eval(") && !text.contains("new Function"), "\(name)")
        }
    }

    @Test func noAssetIsOverSixHundredLines() {
        for (name, asset) in DashboardAssets.shared.files {
            #expect(asset.body.filter { $0 == 0x0A }.count <= 600, "\(name)")
        }
    }
}
