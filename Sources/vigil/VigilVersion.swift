import COpenSSL
import CSQLite
import CYAML

/// What `vigil --version` prints: Vigil's own version and the system libraries this binary
/// runs with (read from the libraries themselves, so a Debian security update shows).
enum VigilVersion {
    /// Vigil's release. A database's schema versions are checked separately, at open.
    static let release = "0.9.0"

    static var text: String {
        let sqlite = String(cString: sqlite3_libversion())
        let openSSL = String(cString: OpenSSL_version(OPENSSL_VERSION))
        let yaml = String(cString: yaml_get_version_string())
        return "vigil \(release)\nSQLite \(sqlite), \(openSSL), libyaml \(yaml)\n"
    }
}
