import Transport

/// Serves the dashboard: `GET /` redirects to `/dashboard/`, `GET /dashboard` (with or
/// without the slash) is the page, `GET /dashboard/{asset}` its scripts and style sheets.
/// Every answer carries `headers`: a Content-Security-Policy allowing only this origin (no
/// inline script or style, no framing, no plugins), `nosniff`, no referrer (the page's URL
/// never leaves with a request), and `Cache-Control: no-cache` with an ETag, so a browser
/// revalidates each time and gets 304 while the binary is the same.
public enum DashboardRoutes {
    /// The policy: everything from this origin only; images also as `data:` (none used yet).
    public static let contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        + "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

    /// Headers on every dashboard answer.
    public static var headers: HTTPHeaders {
        ["Content-Security-Policy": contentSecurityPolicy, "X-Content-Type-Options": "nosniff",
         "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY"]
    }

    public static func route(_ router: inout Router, assets: DashboardAssets = .shared) {
        router.on("GET", "/") { _ in
            var response = HTTPResponse.text(HTTPStatus(code: 302, reason: "Found"), "the dashboard is at /dashboard/", headers: headers)
            response.headers.set("Location", "/dashboard/")
            return response
        }
        router.on("GET", "/dashboard") { request in answer(request, with: assets.page) }
        router.on("GET", "/dashboard/{asset}") { request in
            guard let name = request.pathParameters["asset"], let asset = assets.asset(named: name) else {
                var response = HTTPResponse.text(.notFound, "no dashboard file \(request.pathParameters["asset"] ?? "")")
                for (name, value) in headers { response.headers.set(name, value) }
                return response
            }
            return answer(request, with: asset)
        }
    }

    /// The asset, or 304 when the request's `If-None-Match` names its ETag (or is `*`).
    static func answer(_ request: HTTPRequest, with asset: DashboardAsset) -> HTTPResponse {
        var response = HTTPResponse(status: .ok, headers: headers, body: asset.body)
        response.headers.set("Content-Type", asset.contentType)
        response.headers.set("ETag", asset.etag)
        response.headers.set("Cache-Control", "no-cache")
        if let match = request.headers["If-None-Match"],
           match.split(separator: ",").contains(where: { tag in
               let tag = tag.trimmingCharacters(in: " \t")
               return tag == "*" || tag == asset.etag || tag == "W/" + asset.etag
           }) {
            response.status = HTTPStatus(code: 304, reason: "Not Modified")
            response.body = []
        }
        return response
    }
}

extension Substring {
    func trimmingCharacters(in set: String) -> Substring {
        var text = self
        while let first = text.first, set.contains(first) { text.removeFirst() }
        while let last = text.last, set.contains(last) { text.removeLast() }
        return text
    }
}
