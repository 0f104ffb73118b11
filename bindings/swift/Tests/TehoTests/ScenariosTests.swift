// Replays every scenario file of tests/scenarios through the Swift binding, with the same
// rules as the Rust runner (tests/src/scenario.rs), the Python one
// (bindings/python/tests/test_scenarios.py), the Node one (bindings/wasm/test/
// scenarios.test.mjs) and the Kotlin one (bindings/kotlin/src/test/.../Scenarios.kt).

import Foundation
import Teho
import XCTest

/// Where the scenario files are: tests/scenarios of the repository this file is in.
let scenarioFolder = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent()  // Tests/TehoTests
    .deletingLastPathComponent()  // Tests
    .deletingLastPathComponent()  // bindings/swift
    .deletingLastPathComponent()  // bindings
    .deletingLastPathComponent()  // the repository
    .appendingPathComponent("tests")
    .appendingPathComponent("scenarios")

/// A scenario that does not go as its file says.
struct ScenarioFailure: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}

/// An instant as the scenario files write it (`2026-11-02T07:00:00Z`).
func instant(_ text: String) throws -> Date {
    guard let date = ISO8601DateFormatter().date(from: text) else { throw ScenarioFailure("not an instant: \(text)") }
    return date
}

/// The steps of a scenario file, its includes' first, and its starting clock.
func stepsOf(_ file: URL) throws -> (clock: String, steps: [[String: JSONValue]]) {
    let doc = try JSONValue(parsing: String(contentsOf: file, encoding: .utf8))
    var steps: [[String: JSONValue]] = []
    for include in doc["include"]?.arrayValue ?? [] {
        guard let name = include.stringValue else { throw ScenarioFailure("\(file.lastPathComponent): an include that is not a name") }
        steps += try stepsOf(file.deletingLastPathComponent().appendingPathComponent(name)).steps
    }
    for step in doc["steps"]?.arrayValue ?? [] {
        guard let fields = step.objectValue else { throw ScenarioFailure("\(file.lastPathComponent): a step that is not an object") }
        steps.append(fields)
    }
    return (doc["clock"]?.stringValue ?? "2026-11-02T07:00:00Z", steps)
}

/// The value saved under `reference`'s first part, then down its path (`boot.1.id`).
func lookup(_ saved: [String: JSONValue], _ reference: String) throws -> JSONValue {
    let parts = reference.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
    guard var value = saved[parts[0]] else { throw ScenarioFailure("nothing saved as \(parts[0])") }
    for part in parts.dropFirst() {
        switch value {
        case .array(let items):
            guard let index = Int(part), items.indices.contains(index) else { throw ScenarioFailure("no \(part) in \(reference)") }
            value = items[index]
        case .object(let fields):
            guard let field = fields[part] else { throw ScenarioFailure("no \(part) in \(reference)") }
            value = field
        default:
            throw ScenarioFailure("\(reference): \(part) of a plain value")
        }
    }
    return value
}

/// `value` with every string `$name.path` replaced by what it refers to.
func substitute(_ value: JSONValue, _ saved: [String: JSONValue]) throws -> JSONValue {
    switch value {
    case .string(let text) where text.hasPrefix("$"):
        return try lookup(saved, String(text.dropFirst()))
    case .array(let items):
        return .array(try items.map { item in try substitute(item, saved) })
    case .object(let fields):
        return .object(try fields.mapValues { field in try substitute(field, saved) })
    default:
        return value
    }
}

/// Whether `actual` has everything `expected` has (objects may hold more).
func matches(_ expected: JSONValue, _ actual: JSONValue) -> Bool {
    switch (expected, actual) {
    case (.array(let want), .array(let got)):
        return want.count == got.count && zip(want, got).allSatisfy { pair in matches(pair.0, pair.1) }
    case (.array, _):
        return false
    case (.object(let want), .object(let got)):
        return want.allSatisfy { entry in got[entry.key].map { matches(entry.value, $0) } ?? false }
    case (.object, _):
        return false
    case (.int(let want), .double(let got)):
        return Double(want) == got
    case (.double(let want), .int(let got)):
        return want == Double(got)
    default:
        return expected == actual
    }
}

/// What a replay did: its engine, its steps, its refusals, and what it saved by name.
struct Replay {
    let engine: Engine
    let steps: Int
    let refused: Int
    let saved: [String: JSONValue]
}

/// Replays a scenario file on `engine` (a new in-memory one on the file's clock by default).
func replay(_ file: URL, on engine: Engine? = nil) throws -> Replay {
    let (clock, steps) = try stepsOf(file)
    let eng = try engine ?? Engine.openMemory(clock: .fixed(at: instant(clock)))
    var saved: [String: JSONValue] = [:]
    var refused = 0
    for (i, step) in steps.enumerated() {
        let place = "\(file.lastPathComponent) step \(i + 1)"
        if let clock = step["clock"] {
            try eng.setClock(instant(clock.stringValue ?? ""))
        }
        guard let request = step["do"] else { continue }
        let actor = try substitute(step["as"] ?? JSONValue.string("System"), saved)
        let expected = try substitute(step["expect"] ?? JSONValue.object(["ok": .bool(true)]), saved)
        guard let expect = expected.objectValue else { throw ScenarioFailure("\(place): expect is not an object") }
        let result: JSONValue
        do {
            let text = try eng.callJSON(actor: actor.jsonText, request: substitute(request, saved).jsonText)
            result = try JSONValue(parsing: text)
        } catch let error as TehoError {
            guard let wanted = expect["error"] else {
                throw ScenarioFailure("\(place): expected success, got \(error.kind) (\(error.message))")
            }
            guard wanted.stringValue == error.kind else {
                throw ScenarioFailure("\(place): expected \(wanted), got \(error.kind) (\(error.message))")
            }
            if let reason = expect["reason"] {
                guard case .accessDenied(_, _, let got, _, _) = error, reason.stringValue == got else {
                    throw ScenarioFailure("\(place): expected the reason \(reason), got \(error)")
                }
            }
            refused += 1
            continue
        }
        if let wanted = expect["error"] {
            throw ScenarioFailure("\(place): expected \(wanted), got \(result)")
        }
        if let len = expect["len"] {
            guard case .int(let count) = len, let items = result.arrayValue, items.count == Int(count) else {
                throw ScenarioFailure("\(place): expected \(len) items, got \(result)")
            }
        }
        if let ok = expect["ok"], ok != .bool(true), ok != .null {
            guard matches(ok, result) else { throw ScenarioFailure("\(place): expected \(ok), got \(result)") }
        }
        if let name = step["save"]?.stringValue {
            saved[name] = result
        }
    }
    return Replay(engine: eng, steps: steps.count, refused: refused, saved: saved)
}

/// The scenarios' town (tests/scenarios/town.json) in a new in-memory engine, or in
/// `engine`: the engine and what the town saved by name (workers, organisations, the
/// client, her file…).
struct Town {
    let engine: Engine
    let saved: [String: JSONValue]

    init(engine: Engine? = nil) throws {
        let run = try replay(scenarioFolder.appendingPathComponent("town.json"), on: engine)
        self.engine = run.engine
        self.saved = run.saved
    }

    /// The id saved as `reference` (`sw.id`, `boot.1.id`, `file.id`).
    func id(_ reference: String) throws -> UUID {
        guard let text = try lookup(saved, reference).stringValue, let uuid = UUID(uuidString: text) else {
            throw ScenarioFailure("\(reference) is not an id")
        }
        return uuid
    }

    /// The worker saved as `name`, as an actor.
    func worker(_ name: String) throws -> Actor {
        .worker(WorkerId(try id("\(name).id")))
    }
}

/// Every scenario file of tests/scenarios replays in Swift with the same expectations as in
/// Rust, Python, JavaScript and Kotlin.
final class ScenariosTests: XCTestCase {
    private func files() throws -> [URL] {
        try FileManager.default.contentsOfDirectory(at: scenarioFolder, includingPropertiesForKeys: nil)
            .filter { file in file.pathExtension == "json" && file.lastPathComponent != "town.json" }
            .sorted { a, b in a.lastPathComponent < b.lastPathComponent }
    }

    func testThereAreScenariosToReplay() throws {
        let count = try files().count
        XCTAssertGreaterThanOrEqual(count, 5, "\(count) files in \(scenarioFolder.path)")
    }

    func testEveryScenarioFileReplays() throws {
        for file in try files() {
            do {
                let run = try replay(file)
                XCTAssertGreaterThan(run.steps, 20, "\(file.lastPathComponent): \(run.steps) steps")
            } catch {
                XCTFail("\(file.lastPathComponent): \(error)")
            }
        }
    }
}
