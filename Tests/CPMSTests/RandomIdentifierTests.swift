import Foundation
import Testing
import DomainEvents

/// Event and command ids: random version-4 UUIDs in the one lower-case form Vigil stores.
struct RandomIdentifierTests {
    @Test func isALowerCaseVersion4UUID() throws {
        for _ in 0..<1_000 {
            let id = RandomIdentifier.make()
            #expect(id.count == 36)
            let parsed = try #require(UUID(uuidString: id), "\(id) reads as a UUID")
            #expect(parsed.uuidString.lowercased() == id, "written exactly as Foundation's lower-cased form")
            let characters = Array(id)
            #expect(characters[14] == "4", "version 4: \(id)")
            #expect("89ab".contains(characters[19]), "variant 10: \(id)")
            #expect([8, 13, 18, 23].allSatisfy { characters[$0] == "-" })
        }
    }

    @Test func doesNotRepeat() {
        let ids = (0..<20_000).map { _ in RandomIdentifier.make() }
        #expect(Set(ids).count == ids.count)
    }
}
