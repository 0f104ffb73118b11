// swift-tools-version: 5.9
// The Swift binding of TEHO (issue 19). Three modules, as uniffi's settings name them
// (bindings/uniffi/uniffi.toml):
//
//   TehoFFIC  the C declarations of libteho_uniffi (uniffi's header and module map), and
//             the link to the library;
//   TehoFFI   uniffi's generated Swift over them (the Engine object, FfiError, the
//             ClockSource and NoticeSource callback protocols);
//   Teho      what an app imports: the typed layer generated from schemas/api.json
//             (Api.swift), the JSON codecs (Wire.swift) and Engine, Actor, TehoError and
//             PopulationRegister (Teho.swift).
//
// The generated sources compile with Swift 5.10 or later (Xcode 15.3+): uniffi's output
// uses `nonisolated(unsafe)`.
//
// Where the native library is: the directory in TEHO_UNIFFI_LIB_DIR, else the repository's
// target/debug, where `scripts/build-uniffi` leaves libteho_uniffi (a .dylib on a Mac, a .so
// on Linux). An integrator points TEHO_UNIFFI_LIB_DIR at their own build, for instance
//
//     TEHO_UNIFFI_LIB_DIR=$PWD/../../target/release swift build
//
// For iOS it is the directory of the static library (`libteho_uniffi.a`, built for the
// device or simulator target with its bundled SQLite's symbols hidden by
// scripts/build-swift-static); the linker takes the .a when no .dylib is beside it. The
// flags below are "unsafe" in SwiftPM's sense, which it allows only in a root package or a
// local (path) dependency: an app that takes this package by version instead wraps the
// static library in an XCFramework and replaces TehoFFIC with a binaryTarget.

import Foundation
import PackageDescription

let libraryDirectory = Context.environment["TEHO_UNIFFI_LIB_DIR"]
    ?? URL(fileURLWithPath: Context.packageDirectory)
        .appendingPathComponent("../../target/debug")
        .standardizedFileURL.path

let package = Package(
    name: "Teho",
    platforms: [.macOS(.v12), .iOS(.v15)],
    products: [
        .library(name: "Teho", targets: ["Teho"]),
    ],
    targets: [
        .target(
            name: "TehoFFIC",
            path: "Sources/TehoFFIC",
            linkerSettings: [
                .linkedLibrary("teho_uniffi"),
                .unsafeFlags(["-L", libraryDirectory, "-Xlinker", "-rpath", "-Xlinker", libraryDirectory]),
            ]
        ),
        .target(name: "TehoFFI", dependencies: ["TehoFFIC"], path: "Sources/TehoFFI"),
        .target(name: "Teho", dependencies: ["TehoFFI"], path: "Sources/Teho"),
        .testTarget(name: "TehoTests", dependencies: ["Teho"], path: "Tests/TehoTests"),
    ]
)
