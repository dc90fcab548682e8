import Foundation
import Testing
@testable import OCPP

// MARK: - Schema-driven conformance

/// The typed OCPP messages and their validation runtime. The conformance suite runs only when
/// the OCA schemas are next to the repository; the others need nothing outside it.
@Suite struct OCPPSchemaTests {}

extension OCPPSchemaTests {
    /// Every official schema file, checked against the generated types: a minimal and a maximal
    /// payload synthesised from the schema decode through the registry and re-encode to equal
    /// JSON, and each broken variant fails with the right kind of violation at the right path.
    @Suite struct Conformance {
        @Test(.enabled(if: SchemaLibrary.isAvailable, SchemaLibrary.unavailableReason), arguments: SchemaLibrary.cases)
        func minimalAndMaximalPayloadsRoundTrip(_ schema: SchemaCase) throws {
            let shape = try schema.shape()
            for (name, payload) in [("minimal", shape.minimal()), ("maximal", shape.maximal())] {
                var decoder = OCPPDecoder()
                do throws(OCPPViolation) {
                    guard let decoded = try schema.decode(payload, decoder: &decoder) else {
                        Issue.record("\(schema): action \(schema.action) is not in the registry")
                        return
                    }
                    #expect(String(describing: type(of: decoded)) == schema.typeName, "\(schema)")
                    #expect(decoded.json() == payload, "\(schema) \(name): re-encoded \(JSONWriter.string(decoded.json()))")
                    #expect(decoder.applied.isEmpty, "\(schema) \(name)")
                } catch {
                    Issue.record("\(schema) \(name) payload rejected: \(error)\n\(JSONWriter.string(payload))")
                }
            }
        }

        @Test(.enabled(if: SchemaLibrary.isAvailable, SchemaLibrary.unavailableReason), arguments: SchemaLibrary.cases)
        func brokenVariantsFailAtTheirPath(_ schema: SchemaCase) throws {
            let shape = try schema.shape()
            let variants = shape.variants(of: shape.maximal()) + shape.variants(of: shape.minimal())
            #expect(!variants.isEmpty)
            for variant in variants {
                switch variant.expected {
                case .violation(let kind, let path):
                    var decoder = OCPPDecoder()
                    do throws(OCPPViolation) {
                        _ = try schema.decode(variant.payload, decoder: &decoder)
                        Issue.record("\(schema) \(variant.name) at \(path): accepted \(JSONWriter.string(variant.payload))")
                    } catch {
                        #expect(error.kind == kind && error.path == path,
                                "\(schema) \(variant.name): expected \(kind) at \"\(path)\", got \(error.kind) \(error)")
                        #expect(!error.message.isEmpty)
                    }
                case .lenient(let option, let path, let original, let reencoded):
                    var strict = OCPPDecoder()
                    var lenient = OCPPDecoder(leniency: option)
                    do throws(OCPPViolation) {
                        _ = try schema.decode(variant.payload, decoder: &strict)
                        Issue.record("\(schema) \(variant.name) at \(path): accepted without \(option)")
                    } catch {}
                    do throws(OCPPViolation) {
                        let decoded = try schema.decode(variant.payload, decoder: &lenient)
                        #expect(decoded?.json() == reencoded, "\(schema) \(variant.name) at \(path)")
                        #expect(lenient.applied == [AppliedLeniency(path: path, leniency: option, original: original)],
                                "\(schema) \(variant.name): applied \(lenient.applied)")
                    } catch {
                        Issue.record("\(schema) \(variant.name) at \(path): rejected under \(option): \(error)")
                    }
                }
            }
        }

        @Test(.enabled(if: SchemaLibrary.isAvailable, SchemaLibrary.unavailableReason))
        func registriesCoverEverySchema() {
            for version in [SchemaCase.Version.v16, .v201] {
                let actions = Set(SchemaLibrary.cases.filter { $0.version == version }.map(\.action))
                let registered = Set(version == .v16 ? V16.requestTypes.keys : V201.requestTypes.keys)
                #expect(actions == registered, "\(version)")
            }
            #expect(SchemaLibrary.cases.filter { $0.version == .v16 }.count == 78)
            #expect(SchemaLibrary.cases.filter { $0.version == .v201 }.count == 128)
            let variants = SchemaLibrary.cases.reduce(0) { total, schema in
                guard let shape = try? schema.shape() else { return total }
                return total + shape.variants(of: shape.maximal()).count + shape.variants(of: shape.minimal()).count
            }
            print("OCPPSchemaTests: \(SchemaLibrary.cases.count) schema files, \(variants) broken or lenient variants")
        }
    }
}
