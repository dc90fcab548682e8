// swift-tools-version: 6.0
import PackageDescription

/// Nonisolated async functions run on their caller's executor (SE-0461) in the modules a
/// charger's message passes through, so handling a CALL on its connection's queue stays there:
/// each call to a nonisolated async function was otherwise a job on the queue (issue #15).
let callersIsolation: [SwiftSetting] = [.enableUpcomingFeature("NonisolatedNonsendingByDefault")]

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
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq",
                       providers: [.apt(["libpq-dev"])]),
        .systemLibrary(name: "CEpoll"),
        .target(name: "Transport", dependencies: ["COpenSSL", "CEpoll"], exclude: ["README.md"]),
        .target(name: "OCPP", dependencies: ["Transport"], exclude: ["README.md"], swiftSettings: callersIsolation),
        .target(name: "YAMLKit", dependencies: ["CYAML"], exclude: ["README.md"]),
        .target(name: "Store", dependencies: ["CSQLite", "CLibPQ"], exclude: ["README.md"]),
        .target(name: "VendorCatalog", dependencies: ["YAMLKit"], exclude: ["README.md"]),
        .target(name: "DomainEvents", exclude: ["README.md"]),
        .target(name: "Digests", dependencies: ["COpenSSL"], exclude: ["README.md"]),
        .target(name: "Audit", dependencies: ["Digests", "Store"], exclude: ["README.md"]),
        .target(name: "RuleEngine", dependencies: ["DomainEvents", "YAMLKit", "VendorCatalog", "Digests", "ServiceLog"], exclude: ["README.md"]),
        .target(name: "CPMS", dependencies: ["OCPP", "Store", "VendorCatalog", "Transport", "DomainEvents", "Audit", "Digests"], exclude: ["README.md"],
                swiftSettings: callersIsolation),
        .target(name: "Billing", dependencies: ["CPMS", "Store", "YAMLKit", "Digests", "DomainEvents"], exclude: ["README.md"]),
        .target(name: "Fraud", dependencies: ["CPMS", "Store", "YAMLKit", "DomainEvents"], exclude: ["README.md"]),
        .target(name: "Simulator", dependencies: ["Transport", "OCPP", "YAMLKit"], exclude: ["README.md"]),
        .target(name: "ServiceLog", exclude: ["README.md"]),
        .target(name: "Alerts", dependencies: ["Store", "DomainEvents", "Audit", "YAMLKit", "Transport", "VendorCatalog", "Digests", "ServiceLog"], exclude: ["README.md"]),
        .target(name: "Remediation", dependencies: ["CPMS", "Transport", "RuleEngine", "DomainEvents", "VendorCatalog", "Audit", "Alerts", "ServiceLog"], exclude: ["README.md"]),
        .target(name: "Evidence", dependencies: ["OCPP", "CPMS", "Billing", "Remediation", "Audit", "Digests", "DomainEvents"], exclude: ["README.md"]),
        .target(name: "Dashboard", dependencies: ["Transport", "Digests"], exclude: ["README.md"]),
        .target(name: "API", dependencies: ["Dashboard", "Transport", "OCPP", "CPMS", "Remediation", "RuleEngine", "Audit", "VendorCatalog", "ServiceLog", "Store", "Digests", "DomainEvents", "Alerts", "Billing", "Evidence", "Fraud"],
                exclude: ["README.md"]),
        .target(name: "Cluster", dependencies: ["CPMS", "OCPP", "Store", "Transport", "ServiceLog", "Digests"], exclude: ["README.md"]),
        .executableTarget(name: "vigil", dependencies: ["Transport", "OCPP", "VendorCatalog", "CPMS", "YAMLKit", "RuleEngine",
                                                        "Remediation", "Audit", "Alerts", "Simulator", "ServiceLog", "API", "Digests", "Billing", "Store", "Evidence", "Fraud",
                                                        "Cluster"]),
        // Test support: a fresh database per test on each engine under test (SQLite, and PostgreSQL
        // when VIGIL_TEST_POSTGRES_URL is set).
        .target(name: "StoreTesting", dependencies: ["Store"], path: "Tests/StoreTesting"),
        .testTarget(name: "TransportTests", dependencies: ["Transport"]),
        .testTarget(name: "OCPPTests", dependencies: ["OCPP", "Transport"]),
        .testTarget(name: "YAMLKitTests", dependencies: ["YAMLKit"]),
        .testTarget(name: "StoreTests", dependencies: ["StoreTesting", "Store"]),
        .testTarget(name: "VendorCatalogTests", dependencies: ["VendorCatalog", "YAMLKit"]),
        .testTarget(name: "CPMSTests", dependencies: ["StoreTesting", "CPMS", "OCPP", "Transport", "Store", "VendorCatalog", "DomainEvents", "Digests", "Remediation"]),
        .testTarget(name: "RuleEngineTests", dependencies: ["RuleEngine", "YAMLKit", "VendorCatalog"]),
        .testTarget(name: "AuditTests", dependencies: ["StoreTesting", "Audit", "CPMS"]),
        .testTarget(name: "RemediationTests", dependencies: ["StoreTesting", "Remediation", "RuleEngine", "CPMS", "OCPP", "Transport", "Audit", "Alerts", "ServiceLog"]),
        .testTarget(name: "AlertsTests", dependencies: ["StoreTesting", "Alerts", "DomainEvents", "CPMS", "Audit", "Transport", "YAMLKit", "Store", "VendorCatalog", "Digests", "ServiceLog"]),
        .testTarget(name: "BillingTests", dependencies: ["StoreTesting", "Billing", "CPMS", "Store", "YAMLKit", "Digests", "DomainEvents", "OCPP", "Transport"]),
        .testTarget(name: "EvidenceTests", dependencies: ["StoreTesting", "Evidence", "Billing", "CPMS", "Remediation", "Audit", "OCPP", "Store", "DomainEvents", "Digests", "RuleEngine"]),
        .testTarget(name: "FraudTests", dependencies: ["StoreTesting", "Fraud", "CPMS", "Store", "DomainEvents", "YAMLKit"]),
        .testTarget(name: "SimulatorTests", dependencies: ["Simulator"]),
        .testTarget(name: "ClusterTests", dependencies: ["StoreTesting", "Cluster", "CPMS", "Store", "OCPP", "Transport", "ServiceLog", "Digests"]),
        .testTarget(name: "IntegrationTests", dependencies: ["Transport"]),
        // Runs the built `vigil` binary (or VIGIL_BIN) and talks to its API over 127.0.0.1.
        .testTarget(name: "APITests"),
        .testTarget(name: "HTTPAPITests", dependencies: ["StoreTesting", "API", "Dashboard", "DomainEvents", "Transport", "ServiceLog", "CPMS", "Remediation", "RuleEngine", "Billing", "Evidence"]),
        // The command line itself (help registry, suggestions, completion), through @testable import of the executable.
        .testTarget(name: "VigilTests", dependencies: ["StoreTesting", "vigil", "CPMS", "Billing", "Fraud", "Alerts", "API", "Remediation", "Audit", "Store"]),
    ],
    swiftLanguageModes: [.v6]
)
