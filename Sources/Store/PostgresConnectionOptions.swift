import CLibPQ

/// The options libpq read from a connection URL (`PQconninfoParse`: only those the URL sets),
/// and the URL shown back from them without its secrets: scheme, user, hosts and ports,
/// database, then the other options in libpq's order. A secret — `password`, `sslpassword`,
/// any option libpq marks for hidden display (`dispchar` `*`) — shows as `***`.
struct PostgresConnectionOptions {
    /// (keyword, value) in libpq's order, for the options the URL sets.
    let values: [(keyword: String, value: String)]
    /// The keywords whose values are secrets.
    let secretKeywords: Set<String>

    init(_ options: UnsafeMutablePointer<PQconninfoOption>) {
        var values: [(String, String)] = []
        var secrets: Set<String> = ["password", "sslpassword"]
        var option = options
        while let keyword = option.pointee.keyword {
            let name = String(cString: keyword)
            if let dispchar = option.pointee.dispchar, String(cString: dispchar) == "*" { secrets.insert(name) }
            if let value = option.pointee.val { values.append((name, String(cString: value))) }
            option += 1
        }
        self.values = values
        self.secretKeywords = secrets
    }

    func value(_ keyword: String) -> String? { values.first { $0.keyword == keyword }?.value }

    /// The values of the secret options the URL sets.
    var secretValues: [String] { values.filter { secretKeywords.contains($0.keyword) }.map(\.value) }

    /// `scheme://user:***@host:port,…/dbname?option=value&…` without any secret.
    func display(scheme: String) -> String {
        var text = scheme + "://"
        let user = value("user"), hasPassword = value("password") != nil
        if user != nil || hasPassword {
            text += (user ?? "").addingPercentEncodingForURL + (hasPassword ? ":***" : "") + "@"
        }
        let hosts = value("host").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) } ?? []
        let ports = value("port").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) } ?? []
        let count = max(hosts.count, ports.count)
        text += (0..<count).map { index -> String in
            let host = index < hosts.count ? hosts[index] : ""
            let shownHost = host.contains(":") ? "[" + host + "]" : host.addingPercentEncodingForURL
            let port = index < ports.count ? ports[index] : ""
            return shownHost + (port.isEmpty ? "" : ":" + port.addingPercentEncodingForURL)
        }.joined(separator: ",")
        if let database = value("dbname") { text += "/" + database.addingPercentEncodingForURL }
        let shown: Set<String> = ["user", "password", "host", "port", "dbname"]
        let query = values.filter { !shown.contains($0.keyword) }.map { option in
            option.keyword + "=" + (secretKeywords.contains(option.keyword) ? "***" : option.value.addingPercentEncodingForURL)
        }
        return query.isEmpty ? text : text + "?" + query.joined(separator: "&")
    }
}
