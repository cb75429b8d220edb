// swift-tools-version:6.0
import Foundation
import PackageDescription

/// `CEK_AUDIT_FUZZ=1` (scripts/fuzz.sh only): the project's own targets are compiled with libFuzzer's coverage
/// instrumentation and AddressSanitizer, and the `CEKAuditFuzz` driver is added. Dependencies are never instrumented.
let fuzzing = ProcessInfo.processInfo.environment["CEK_AUDIT_FUZZ"] == "1"

/// Settings every target shares: Swift 6 language mode (strict concurrency) and explicit `any`.
let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
] + (fuzzing ? [.unsafeFlags(["-sanitize=fuzzer,address"])] : [])

/// What every provider family may depend on: Core and the collection kit's protocol, never another family.
let family: [Target.Dependency] = [
    "CEKAuditCore", "CEKAuditCollectorKit",
    .product(name: "Logging", package: "swift-log"),
]

let package = Package(
    name: "cek-audit",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "cek-audit", targets: ["cek-audit"]),
        .library(name: "CEKAuditCore", targets: ["CEKAuditCore"]),
        .library(name: "CEKAuditKit", targets: ["CEKAuditKit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        // TLS with a private CA file on Linux: corelibs URLSession trusts only the system bundle (its EasyHandle sets
        // CURLOPT_CAINFO to the system path and offers no hook outside Android), so the OpenBao client uses
        // async-http-client with NIOSSL trust roots when a target names `ca_file` on Linux.
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        // Reading and writing the (AI-)CAIQ / AICM .xlsx packages (`caiq fill`).
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
    ],
    targets: [
        // zlib (system library) for .json.gz CloudTrail logs: Foundation on Linux has no gzip API. Named CEKZlib, not
        // CZlib: ZIPFoundation's own zlib module is called CZlib, and two Clang modules cannot share a name.
        .systemLibrary(name: "CEKZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // libdeflate (system library) for whole-buffer gzip inflate of log files: about twice zlib's speed. Streaming
        // zlib stays for files too large to inflate whole.
        .systemLibrary(name: "CEKDeflate", pkgConfig: "libdeflate", providers: [.apt(["libdeflate-dev"])]),
        // Facts, catalog, rules engine, verdicts and generic analyses. No provider names, no I/O beyond reading files
        // it is handed.
        .target(
            name: "CEKAuditCore",
            dependencies: [
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        // The collection kit's protocol: one `EvidenceCollector` protocol for file, log and live collectors, the
        // `FactAnalysis` protocol of the normalize stage, and the input plumbing every family shares (parsed
        // documents, gzip, line reading, bounded concurrency, deadlines, retries, redaction).
        .target(
            name: "CEKAuditCollectorKit",
            dependencies: ["CEKAuditCore", "CEKZlib", "CEKDeflate", .product(name: "Yams", package: "Yams"),
                           .product(name: "Logging", package: "swift-log"),
                           .product(name: "Crypto", package: "swift-crypto"),
                           // The REST client every JSON-over-HTTPS live collector shares (RESTClient).
                           .product(name: "AsyncHTTPClient", package: "async-http-client"),
                           .product(name: "NIOCore", package: "swift-nio"),
                           .product(name: "NIOHTTP1", package: "swift-nio"),
                           .product(name: "NIOPosix", package: "swift-nio"),
                           .product(name: "NIOSSL", package: "swift-nio-ssl")],
            swiftSettings: strict
        ),
        // Provider families: each a room of its own, depending on Core and the kit only.
        // AWS KMS (live API, exported API responses, standalone key policies) and the AWS analyses (custody,
        // rotation applicability, key-policy and grant tenancy).
        // _CryptoExtras: the probe's BYOK import wraps key material with RSA-OAEP-SHA256 (GetParametersForImport).
        .target(name: "CEKAuditAWS", dependencies: family + [.product(name: "Crypto", package: "swift-crypto"),
                                                             .product(name: "_CryptoExtras", package: "swift-crypto")],
                swiftSettings: strict),
        // OpenBao / Vault (live API, file audit log) and its analyses (transit rotation, ACL namespace isolation).
        .target(
            name: "CEKAuditOpenBao",
            // swift-crypto for the probe's BYOK import: RSA-OAEP-SHA256 and the AES block function of AES-KWP.
            // CEKScan: the C fast path of the audit-log line reader (cek_audit_line_scan).
            dependencies: family + ["CEKScan",
                                    .product(name: "Crypto", package: "swift-crypto"),
                                    .product(name: "_CryptoExtras", package: "swift-crypto"),
                                    .product(name: "AsyncHTTPClient", package: "async-http-client"),
                                    .product(name: "NIOCore", package: "swift-nio"),
                                    .product(name: "NIOHTTP1", package: "swift-nio"),
                                    .product(name: "NIOSSL", package: "swift-nio-ssl")],
            swiftSettings: strict
        ),
        // Google Cloud KMS (live API, gcloud exports, Cloud Asset Inventory snapshots) and its analyses (custody,
        // rotation applicability and next rotation, IAM isolation and separation of duties, CMEK coverage and the
        // organization policies that require it).
        .target(
            name: "CEKAuditGCP",
            dependencies: family + [.product(name: "AsyncHTTPClient", package: "async-http-client"),
                                    .product(name: "NIOCore", package: "swift-nio"),
                                    .product(name: "NIOHTTP1", package: "swift-nio"),
                                    .product(name: "NIOSSL", package: "swift-nio-ssl"),
                                    .product(name: "Crypto", package: "swift-crypto"),
                                    .product(name: "_CryptoExtras", package: "swift-crypto")],
            swiftSettings: strict
        ),
        // Azure Key Vault and Managed HSM (management-plane exports, Azure Resource Graph results) and their analyses
        // (custody, rotation applicability, access isolation, diagnostic settings).
        // The live collector (`kind: azure-keyvault`) reads Azure Resource Manager over async-http-client.
        .target(
            name: "CEKAuditAzure",
            dependencies: family + [.product(name: "AsyncHTTPClient", package: "async-http-client"),
                                    .product(name: "NIOCore", package: "swift-nio"),
                                    .product(name: "NIOHTTP1", package: "swift-nio"),
                                    .product(name: "NIOSSL", package: "swift-nio-ssl")],
            swiftSettings: strict
        ),
        // HCL native syntax and its JSON form (Terraform `.tf`, `.tfvars`, `.tf.json`): parser with source ranges and
        // an offline evaluator with an explicit unknown. Foundation only, so it compiles and tests fast.
        .target(name: "CEKAuditHCL", swiftSettings: strict),
        // Infrastructure code and configuration files: CloudFormation, Terraform plan/state JSON and HCL, Kubernetes
        // EncryptionConfiguration.
        .target(name: "CEKAuditInfraCode", dependencies: family + ["CEKAuditHCL", .product(name: "Yams", package: "Yams")], swiftSettings: strict),
        // Logs read in batches: CloudTrail.
        // SSE2 skipping of JSON objects and arrays for the log scans (the CloudTrail splitter and record reader), and
        // the C fast paths of the CloudTrail record reader and the OpenBao audit-log line reader. Under fuzzing the C
        // is instrumented too (coverage and AddressSanitizer): it reads hostile bytes first.
        .target(name: "CEKScan", cSettings: fuzzing ? [.unsafeFlags(["-fsanitize=fuzzer-no-link,address"])] : []),
        .target(name: "CEKAuditLogs", dependencies: family + ["CEKZlib", "CEKScan"], swiftSettings: strict),
        // Attestation files (documents with recorded hashes).
        .target(name: "CEKAuditAttestations", dependencies: family, swiftSettings: strict),
        // Pure: result model in, bytes out.
        .target(
            name: "CEKAuditReporters",
            // swift-crypto for the name-based (version 5, SHA-1) UUIDs of the OSCAL reporter (RFC 9562 §5.5).
            dependencies: ["CEKAuditCore", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strict
        ),
        // Orchestration between the CLI and the collectors: the registry of every built-in collector and analysis,
        // planning, the collection runner, the evidence bundle, the normalize stage, evaluation and report writing.
        .target(
            name: "CEKAuditKit",
            dependencies: ["CEKAuditCore", "CEKAuditCollectorKit", "CEKAuditAWS", "CEKAuditOpenBao", "CEKAuditGCP", "CEKAuditAzure", "CEKAuditInfraCode",
                           "CEKAuditHCL", "CEKAuditLogs", "CEKAuditAttestations", "CEKAuditReporters",
                           .product(name: "Logging", package: "swift-log"),
                           // CAIQWorkbook: the .xlsx package (ZIP) of the CAIQ / AICM workbook.
                           .product(name: "ZIPFoundation", package: "ZIPFoundation")],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "cek-audit",
            dependencies: [
                "CEKAuditCore", "CEKAuditKit", "CEKAuditReporters",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // Test doubles shared by the test targets: scripted loopback AWS, Google Cloud and Azure endpoints (fake_aws.py,
        // fake_gcp.py, fake_azure.py)
        // and their scenarios, a hostile OpenBao / AWS endpoint (hostile_server.py), and the encodings of a credential to
        // search outputs for.
        .target(name: "CEKAuditTestSupport", dependencies: ["CEKAuditCore", .product(name: "_CryptoExtras", package: "swift-crypto")],
                path: "Tests/CEKAuditTestSupport",
                exclude: ["fake_aws.py", "fake_azure.py", "fake_gcp.py", "hostile_server.py", "loopback.py", "refusing_proxy.py"], swiftSettings: strict),
        .testTarget(name: "CEKAuditCoreTests", dependencies: ["CEKAuditCore", .product(name: "Yams", package: "Yams")], swiftSettings: strict),
        .testTarget(name: "CEKAuditHCLTests", dependencies: ["CEKAuditHCL"], swiftSettings: strict),
        .testTarget(name: "CEKAuditCollectorsTests",
                    dependencies: ["CEKAuditCore", "CEKAuditCollectorKit", "CEKAuditAWS", "CEKAuditOpenBao", "CEKAuditGCP", "CEKAuditAzure", "CEKAuditInfraCode",
                                   "CEKAuditLogs", "CEKAuditAttestations", "CEKAuditKit", "CEKAuditTestSupport", "CEKScan",
                                   .product(name: "NIOConcurrencyHelpers", package: "swift-nio"), .product(name: "NIOCore", package: "swift-nio"),
                                   .product(name: "NIOPosix", package: "swift-nio")],
                    resources: [.copy("Fixtures")], swiftSettings: strict),
        .testTarget(name: "CEKAuditReportersTests", dependencies: ["CEKAuditReporters", "CEKAuditCore"],
                    swiftSettings: strict),
        .testTarget(name: "CEKAuditCLITests", dependencies: ["cek-audit", "CEKAuditCore", "CEKAuditKit", "CEKAuditAWS",
                                                            "CEKAuditOpenBao", "CEKAuditReporters", "CEKAuditTestSupport"],
                    swiftSettings: strict),
    ]
)

if fuzzing {
    // libFuzzer without its main (our entry point calls LLVMFuzzerRunDriver), with the toolchain's copy.
    let toolchain = ProcessInfo.processInfo.environment["CEK_AUDIT_FUZZ_LIB"] ?? "/opt/swift/usr/lib/clang/21/lib/linux/libclang_rt.fuzzer_no_main-x86_64.a"
    package.targets.append(.executableTarget(
        name: "CEKAuditFuzz", dependencies: ["CEKAuditKit"],
        swiftSettings: strict + [.unsafeFlags(["-parse-as-library"])],
        linkerSettings: [.unsafeFlags(["-sanitize=address", toolchain, "-lstdc++"])]))
}
