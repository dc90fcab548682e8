import Foundation
import StoreTesting
import Testing
@testable import CPMS

/// Station Basic-auth credentials: digests, verification, and the upgrade-time check.
@Suite struct StationCredentialsTests {
    static func basic(_ user: String, _ password: String) -> String {
        "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()
    }

    @Test func digestsVerifyOnlyTheirPasswordAndAreSalted() throws {
        let password = try StationCredentials.generate()
        #expect(password.count == 40 && password.allSatisfy(\.isHexDigit))
        let first = try StationCredentials.digest(password), second = try StationCredentials.digest(password)
        #expect(first != second)   // a fresh salt each time
        #expect(first.hasPrefix("pbkdf2-sha256$210000$") && !first.contains(password))
        #expect(StationCredentials.verify(password, against: first) && StationCredentials.verify(password, against: second))
        #expect(!StationCredentials.verify(password + "x", against: first))
        #expect(!StationCredentials.verify(password, against: "md5$00$00"))
    }

    @Test func theUpgradeCheckFollowsThePolicy() throws {
        let stored = try StationCredentials.digest("0123456789abcdef0123")
        let good = Self.basic("CP-1", "0123456789abcdef0123")
        #expect(StationCredentials.check(station: "CP-1", authorization: good, stored: stored, clientCertificateSubject: nil, policy: .optional) == .allowed)
        #expect(StationCredentials.check(station: "CP-1", authorization: nil, stored: stored, clientCertificateSubject: nil, policy: .optional)
                == .refused("station CP-1 must authenticate with HTTP Basic (username: its id, password: its key)"))
        #expect(StationCredentials.check(station: "CP-1", authorization: Self.basic("CP-2", "0123456789abcdef0123"), stored: stored,
                                         clientCertificateSubject: nil, policy: .optional)
                == .refused(#"the Basic username must be the station id CP-1, got "CP-2""#))
        #expect(StationCredentials.check(station: "CP-1", authorization: Self.basic("CP-1", "nope"), stored: stored,
                                         clientCertificateSubject: nil, policy: .optional) == .refused("wrong password for station CP-1"))
        #expect(StationCredentials.check(station: "CP-1", authorization: "Basic !!!", stored: stored, clientCertificateSubject: nil,
                                         policy: .optional) != .allowed)
        // Without a stored password: free under optional, refused under required unless a client certificate authenticated it.
        #expect(StationCredentials.check(station: "CP-9", authorization: nil, stored: nil, clientCertificateSubject: nil, policy: .optional) == .allowed)
        #expect(StationCredentials.check(station: "CP-9", authorization: nil, stored: nil, clientCertificateSubject: nil, policy: .required) != .allowed)
        #expect(StationCredentials.check(station: "CP-9", authorization: nil, stored: nil, clientCertificateSubject: "CN=CP-9,O=Acme",
                                         clientCertificateCommonNames: ["CP-9"], policy: .required) == .allowed)
        // Profile 3: the certificate must name the station, as its one common name, character for character.
        #expect(StationCredentials.check(station: "CP-9", authorization: nil, stored: stored, clientCertificateSubject: "O=Acme,CN=CP-9",
                                         clientCertificateCommonNames: ["CP-9"], policy: .optional) == .allowed)
        #expect(StationCredentials.check(station: "CP-9", authorization: nil, stored: nil, clientCertificateSubject: "CN=CP-8,O=Acme",
                                         clientCertificateCommonNames: ["CP-8"], policy: .optional)
                == .refused(#"the client certificate names CN="CP-8", not station CP-9"#))
        // The printed subject escapes é as \C3\A9: read back from it, "CPé" became station CPC3A9.
        #expect(StationCredentials.check(station: "CPC3A9", authorization: nil, stored: nil, clientCertificateSubject: #"CN=CP\C3\A9"#,
                                         clientCertificateCommonNames: ["CPé"], policy: .optional)
                == .refused(#"the client certificate names CN="CPé", not station CPC3A9"#))
        // Byte for byte: KELVIN SIGN is canonically equivalent to K, and names no station KP-1.
        #expect(StationCredentials.check(station: "KP-1", authorization: nil, stored: nil, clientCertificateSubject: "CN=\\E2\\84\\AAP-1",
                                         clientCertificateCommonNames: ["\u{212A}P-1"], policy: .optional) != .allowed)
        #expect(StationCredentials.check(station: "CP-9", authorization: nil, stored: nil, clientCertificateSubject: "CN=CP-9,CN=CP-8",
                                         clientCertificateCommonNames: ["CP-9", "CP-8"], policy: .optional)
                == .refused(#"the client certificate names CN="CP-9" and CN="CP-8", not station CP-9 alone"#))
        #expect(StationCredentials.check(station: "CP-9", authorization: nil, stored: nil, clientCertificateSubject: "O=X",
                                         clientCertificateCommonNames: [], policy: .optional)
                == .refused("the client certificate names no common name, not station CP-9"))
        // A subject without the names read from the certificate proves nothing.
        #expect(StationCredentials.check(station: "CP-9", authorization: nil, stored: nil, clientCertificateSubject: "CN=CP-9",
                                         policy: .optional) != .allowed)
    }

    @Test func passwordsAreStoredAsDigestsOnRegisteredStationsOnly() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-cred-\(UUID().uuidString).sqlite").path
        defer { removeSQLiteFiles(path) }
        let store = try StationStore(path: path)
        #expect(try await store.setStationPassword(id: "CP-1", "0123456789abcdef0123") == false)
        _ = try await store.declareStation(id: "CP-1")
        #expect(try await store.setStationPassword(id: "CP-1", "0123456789abcdef0123"))
        let digest = try #require(try await store.stationPasswordDigest(id: "CP-1"))
        #expect(StationCredentials.verify("0123456789abcdef0123", against: digest))
        #expect(try await store.setStationPassword(id: "CP-1", nil))
        #expect(try await store.stationPasswordDigest(id: "CP-1") == nil)
    }
}
