// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "Vigil",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "vigil", targets: ["vigil"]),
        .library(name: "Transport", targets: ["Transport"]),
        .library(name: "OCPP", targets: ["OCPP"]),
    ],
    targets: [
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3",
                       providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CYAML", pkgConfig: "yaml-0.1",
                       providers: [.apt(["libyaml-dev"])]),
        .systemLibrary(name: "COpenSSL", pkgConfig: "openssl",
                       providers: [.apt(["libssl-dev"])]),
        .target(name: "Transport", dependencies: ["COpenSSL"], exclude: ["README.md"]),
        .target(name: "OCPP", dependencies: ["Transport"], exclude: ["README.md"]),
        .target(name: "YAMLKit", dependencies: ["CYAML"], exclude: ["README.md"]),
        .target(name: "Store", dependencies: ["CSQLite"], exclude: ["README.md"]),
        .target(name: "VendorCatalog", dependencies: ["YAMLKit"], exclude: ["README.md"]),
        .target(name: "DomainEvents", exclude: ["README.md"]),
        .target(name: "Audit", dependencies: ["COpenSSL"], exclude: ["README.md"]),
        .target(name: "RuleEngine", dependencies: ["DomainEvents", "YAMLKit", "VendorCatalog", "COpenSSL"], exclude: ["README.md"]),
        .target(name: "CPMS", dependencies: ["OCPP", "Store", "VendorCatalog", "Transport", "DomainEvents", "Audit"], exclude: ["README.md"]),
        .target(name: "Remediation", dependencies: ["CPMS", "RuleEngine", "DomainEvents", "VendorCatalog", "Audit"], exclude: ["README.md"]),
        .executableTarget(name: "vigil", dependencies: ["Transport", "OCPP", "VendorCatalog", "CPMS", "YAMLKit", "RuleEngine",
                                                        "Remediation", "Audit"]),
        .testTarget(name: "TransportTests", dependencies: ["Transport"]),
        .testTarget(name: "OCPPTests", dependencies: ["OCPP", "Transport"]),
        .testTarget(name: "YAMLKitTests", dependencies: ["YAMLKit"]),
        .testTarget(name: "StoreTests", dependencies: ["Store"]),
        .testTarget(name: "VendorCatalogTests", dependencies: ["VendorCatalog", "YAMLKit"]),
        .testTarget(name: "CPMSTests", dependencies: ["CPMS", "OCPP", "Transport", "Store", "VendorCatalog"]),
        .testTarget(name: "RuleEngineTests", dependencies: ["RuleEngine", "YAMLKit", "VendorCatalog"]),
        .testTarget(name: "AuditTests", dependencies: ["Audit", "CPMS"]),
        .testTarget(name: "RemediationTests", dependencies: ["Remediation", "RuleEngine", "CPMS", "OCPP", "Transport", "Audit"]),
        .testTarget(name: "IntegrationTests", dependencies: ["Transport"]),
    ],
    swiftLanguageModes: [.v6]
)
