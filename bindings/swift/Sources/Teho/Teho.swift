// TEHO for Swift: the engine, who acts, the errors and the host's ports. The typed method
// per engine command and the type per result and input are generated (Api.swift, from
// schemas/api.json); the JSON value and codecs are in Wire.swift; the native calls are
// uniffi's (the TehoFFI module). This file is written by hand.

import Foundation
import TehoFFI

/// The clock an engine runs on: `.system` (production: the system clock, time-ordered
/// UUID v7 ids), `.fixed(at:)` (a clock standing at a `Date` until `Engine.setClock(_:)`
/// moves it, with sequential ids: repeatable runs, tests, demos) or `.source(clock:)` (the
/// host's own `ClockSource`, with UUID v7 ids).
public typealias EngineClock = TehoFFI.EngineClock

/// The host's clock: the engine asks it for the time (`now() -> Date`) at every call. A
/// class; it may be called from any thread.
public typealias ClockSource = TehoFFI.ClockSource

/// Who acts in a call: the acting user is an input of every engine call.
public enum Actor: Hashable {
    /// The operator of the installation (bootstrap, audit verification, imports).
    case system
    /// A worker acting in their employment, for the client's care.
    case worker(WorkerId)
    /// The client, or a relative, guardian or informal carer, acting as themselves.
    case person(PersonId)
    /// A supervisor reading for state supervision, with the supervision case reference
    /// (seed 002 §17(4): the purpose is recorded in the audit).
    case supervising(worker: WorkerId, caseReference: String)

    /// The actor as the engine reads it (`"System"`, `{"Worker": id}`, …).
    public func toJSON() -> JSONValue {
        switch self {
        case .system:
            return .string("System")
        case .worker(let id):
            return .object(["Worker": id.toJSON()])
        case .person(let id):
            return .object(["Person": id.toJSON()])
        case .supervising(let worker, let caseReference):
            return .object([
                "Supervising": .object(["worker": worker.toJSON(), "case_reference": .string(caseReference)]),
            ])
        }
    }
}

/// An error of the engine: one case per kind, each with its fields. The message is the
/// engine's, in English, and never holds personal data; a value that may be personal (a
/// personal code that failed to parse, a refused field's value) is in its field only, and
/// neither `description` nor a mirror (`dump`) shows the fields.
public enum TehoError: Error {
    /// A personal code (isikukood) failed to parse: which rule (`variant`), why, and the
    /// code given (`value`: personal data, never in the message).
    case invalidPersonalCode(message: String, variant: String, problem: String, value: String?)
    /// A recurrence rule outside the supported RRULE subset, or malformed.
    case invalidRecurrence(message: String, variant: String)
    /// An ICF code that is malformed or of the body-structure (s) kind.
    case invalidIcf(message: String, variant: String)
    /// A field had a value the rules do not admit (`value` may be personal data: never in
    /// the message).
    case invalidInput(message: String, field: String, value: String, problem: String)
    /// A period whose end lies before its start.
    case invalidPeriod(message: String, what: String, from: String, until: String)
    /// A visit marked not done needs a coded reason, and text when the reason is `Other`.
    case reasonRequired(message: String, problem: String)
    /// The one door refused the call: the action, the deny reason's name (`NotAMember`,
    /// `NotEmployed`, …), the reason in words with its dates, and the reason with its fields.
    case accessDenied(message: String, action: String, reason: String, explanation: String, reasonDetail: JSONValue)
    /// An object the call names does not exist: its kind (`worker`, `client file`, …), its
    /// id, and the key looked for when it is personal data (a personal code).
    case notFound(message: String, objectKind: String, id: String, value: String?)
    /// The call would contradict what is already recorded.
    case conflict(message: String, objectKind: String, id: String, problem: String)
    /// The store is already initialised; bootstrap runs once.
    case alreadyInitialized(message: String)
    /// The database was written by a newer TEHO than this one.
    case schemaTooNew(message: String, found: Int, supported: Int)
    /// The file or schema opened is not a TEHO database, and was left as it was.
    case notATehoDatabase(message: String, problem: String)
    /// The storage failed (I/O, corruption, lock timeout), or a callback of the host did.
    case storage(message: String, problem: String)
    /// A bug, or a panic inside the engine turned into this error.
    case `internal`(message: String, problem: String)
    /// A kind this version of the binding does not know (a newer engine), with every field.
    case other(kind: String, message: String, details: [String: JSONValue])

    /// The engine's code for the kind (`access_denied`, `not_found`, …).
    public var kind: String {
        switch self {
        case .invalidPersonalCode: return "invalid_personal_code"
        case .invalidRecurrence: return "invalid_recurrence"
        case .invalidIcf: return "invalid_icf"
        case .invalidInput: return "invalid_input"
        case .invalidPeriod: return "invalid_period"
        case .reasonRequired: return "reason_required"
        case .accessDenied: return "access_denied"
        case .notFound: return "not_found"
        case .conflict: return "conflict"
        case .alreadyInitialized: return "already_initialized"
        case .schemaTooNew: return "schema_too_new"
        case .notATehoDatabase: return "not_a_teho_database"
        case .storage: return "storage"
        case .`internal`: return "internal"
        case .other(let kind, _, _): return kind
        }
    }

    /// The engine's message, in English (no personal data).
    public var message: String {
        switch self {
        case .invalidPersonalCode(let message, _, _, _),
             .invalidRecurrence(let message, _),
             .invalidIcf(let message, _),
             .invalidInput(let message, _, _, _),
             .invalidPeriod(let message, _, _, _),
             .reasonRequired(let message, _),
             .accessDenied(let message, _, _, _, _),
             .notFound(let message, _, _, _),
             .conflict(let message, _, _, _),
             .alreadyInitialized(let message),
             .schemaTooNew(let message, _, _),
             .notATehoDatabase(let message, _),
             .storage(let message, _),
             .`internal`(let message, _),
             .other(_, let message, _):
            return message
        }
    }

    /// The error of the kind `kind` with the engine's `message` and `details` (every field
    /// of the error, as the engine reports it).
    public static func of(kind: String, message: String, details: [String: JSONValue]) -> TehoError {
        func text(_ name: String) -> String { details[name]?.stringValue ?? "" }
        func textOrNil(_ name: String) -> String? { details[name]?.stringValue }
        func number(_ name: String) -> Int {
            if case .int(let value)? = details[name] { return Int(exactly: value) ?? 0 }
            return 0
        }
        switch kind {
        case "invalid_personal_code":
            return .invalidPersonalCode(
                message: message, variant: text("variant"), problem: text("problem"), value: textOrNil("value")
            )
        case "invalid_recurrence":
            return .invalidRecurrence(message: message, variant: text("variant"))
        case "invalid_icf":
            return .invalidIcf(message: message, variant: text("variant"))
        case "invalid_input":
            return .invalidInput(message: message, field: text("field"), value: text("value"), problem: text("problem"))
        case "invalid_period":
            return .invalidPeriod(message: message, what: text("what"), from: text("from"), until: text("until"))
        case "reason_required":
            return .reasonRequired(message: message, problem: text("problem"))
        case "access_denied":
            return .accessDenied(
                message: message, action: text("action"), reason: text("reason"),
                explanation: text("explanation"), reasonDetail: details["reason_detail"] ?? .null
            )
        case "not_found":
            return .notFound(message: message, objectKind: text("kind"), id: text("id"), value: textOrNil("value"))
        case "conflict":
            return .conflict(message: message, objectKind: text("kind"), id: text("id"), problem: text("problem"))
        case "already_initialized":
            return .alreadyInitialized(message: message)
        case "schema_too_new":
            return .schemaTooNew(message: message, found: number("found"), supported: number("supported"))
        case "not_a_teho_database":
            return .notATehoDatabase(message: message, problem: text("problem"))
        case "storage":
            return .storage(message: message, problem: text("message"))
        case "internal":
            return .`internal`(message: message, problem: text("message"))
        default:
            return .other(kind: kind, message: message, details: details)
        }
    }

    /// The error of a batch's failed request, JSON `{kind, message, details}`.
    public static func of(error: JSONValue) -> TehoError {
        of(
            kind: error["kind"]?.stringValue ?? "internal",
            message: error["message"]?.stringValue ?? "",
            details: error["details"]?.objectValue ?? [:]
        )
    }
}

extension TehoError: LocalizedError {
    /// The engine's message (never the personal-data fields).
    public var errorDescription: String? { message }
}

extension TehoError: CustomStringConvertible, CustomDebugStringConvertible {
    /// `kind: message`, without the fields (they may be personal data).
    public var description: String { "\(kind): \(message)" }
    public var debugDescription: String { "TehoError.\(kind): \(message)" }
}

extension TehoError: CustomReflectable {
    /// Only the kind and the message, so that `dump` and debuggers show no field.
    public var customMirror: Mirror {
        Mirror(self, children: ["kind": kind, "message": message], displayStyle: .enum)
    }
}

/// Runs `work` on the native library; its errors become `TehoError`s.
private func native<T>(_ work: () throws -> T) throws -> T {
    do {
        return try work()
    } catch let error as TehoFFI.FfiError {
        switch error {
        case .Failure(let kind, let text, let details):
            let fields = (try? JSONValue(parsing: details))?.objectValue ?? [:]
            throw TehoError.of(kind: kind, message: text, details: fields)
        }
    } catch let error as TehoError {
        throw error
    } catch {
        // uniffi's own failures (a Rust panic outside the host door, a stale handle).
        let problem = String(describing: error)
        throw TehoError.`internal`(message: "internal error: \(problem)", problem: problem)
    }
}

/// The host's population-register feed (rahvastikuregister): the death notices and
/// disability-severity endings it has now.
public protocol PopulationRegister {
    /// The notices available now. An error thrown here fails the import as a `.storage`
    /// error that quotes it.
    func fetch() throws -> [RegisterNotice]
}

/// A `PopulationRegister` as uniffi's `NoticeSource`: the notices as JSON lines.
private final class RegisterFeed: TehoFFI.NoticeSource, @unchecked Sendable {
    private let register: PopulationRegister

    init(_ register: PopulationRegister) {
        self.register = register
    }

    func fetch() throws -> TehoFFI.NoticeFeed {
        let lines = try register.fetch().map { notice in notice.toJSON().jsonText }
        return TehoFFI.NoticeFeed(format: .jsonLines, text: lines.joined(separator: "\n"))
    }
}

/// The results of a batch's requests done, and the error of the one that failed, if one did.
public struct BatchResult {
    public let results: [JSONValue]
    public let error: TehoError?
}

/// An open TEHO store and its engine: one typed method per engine command (see
/// `Commands`), each authorized, audited and done in one transaction. Safe to call from
/// many threads at once. The store is released when the last reference goes.
public final class Engine: Commands, @unchecked Sendable {
    private let ffi: TehoFFI.Engine

    private init(_ ffi: TehoFFI.Engine) {
        self.ffi = ffi
    }

    /// Opens the TEHO database at `location`, a SQLite file or a `postgresql://` URL; never
    /// creates one (`TehoError.notATehoDatabase` otherwise).
    public static func `open`(location: String, clock: EngineClock = .system) throws -> Engine {
        Engine(try native { try TehoFFI.Engine.open(location: location, clock: clock) })
    }

    /// Creates a new TEHO database at `location` (a missing or empty file, or an empty
    /// PostgreSQL schema; anything else is a `TehoError.conflict`).
    public static func create(location: String, clock: EngineClock = .system) throws -> Engine {
        Engine(try native { try TehoFFI.Engine.create(location: location, clock: clock) })
    }

    /// A private store in memory, gone with the engine.
    public static func openMemory(clock: EngineClock = .system) throws -> Engine {
        Engine(try native { try TehoFFI.Engine.openMemory(clock: clock) })
    }

    /// Parses an Estonian personal code: its canonical form, or
    /// `TehoError.invalidPersonalCode` with the rule it breaks.
    public static func personalCode(_ code: String) throws -> PersonalCode {
        let parsed = try JSONValue(parsing: native { try TehoFFI.parsePersonalCode(code: code) })
        guard let canonical = parsed["code"]?.stringValue else {
            throw WireError("$.code: missing (a required field)")
        }
        return PersonalCode(canonical)
    }

    /// Parses a recurrence rule (the RRULE subset TEHO accepts): its canonical text, or
    /// `TehoError.invalidRecurrence` naming the part.
    public static func parseRecurrence(_ text: String) throws -> String {
        try native { try TehoFFI.parseRecurrence(text: text) }
    }

    /// The version of the SQLite compiled into the native library.
    public static func sqliteVersion() -> String {
        TehoFFI.sqliteVersion()
    }

    /// Runs one request `{"command": …, "args": …}` as `actor`; the result as JSON.
    public func call(actor: Actor, request: [String: JSONValue]) throws -> JSONValue {
        let text = try native { try ffi.call(actor: actor.toJSON().jsonText, request: JSONValue.object(request).jsonText) }
        return try JSONValue(parsing: text)
    }

    /// Runs one request given as JSON text as an actor given as JSON text; the result as JSON
    /// text (for hosts that hold requests as data, such as scenario files).
    public func callJSON(actor: String, request: String) throws -> String {
        try native { try ffi.call(actor: actor, request: request) }
    }

    /// Runs `requests` in order as one batch, in one transaction: the results of those done
    /// and the error of the one that failed. If the batch cannot be committed, throws.
    public func callMany(actor: Actor, requests: [[String: JSONValue]]) throws -> BatchResult {
        let batch = JSONValue.array(requests.map { request in JSONValue.object(request) })
        let out = try JSONValue(parsing: native { try ffi.callMany(actor: actor.toJSON().jsonText, requests: batch.jsonText) })
        var error: TehoError? = nil
        if let failed = out["error"], failed != .null {
            error = TehoError.of(error: failed)
        }
        return BatchResult(results: out["results"]?.arrayValue ?? [], error: error)
    }

    /// Pulls what `register` has now and imports it as `actor` (idempotent: a notice seen
    /// before is counted, not applied again): deaths cascade through the client's file.
    public func importNotices(actor: Actor, from register: PopulationRegister) throws -> ImportReport {
        let feed = RegisterFeed(register)
        let report = try native { try ffi.importNoticesFrom(actor: actor.toJSON().jsonText, source: feed) }
        return try ImportReport.fromJSON(JSONValue(parsing: report))
    }

    /// Moves a fixed clock to `instant`; refused (`TehoError.invalidInput`) on the system or
    /// the host's clock.
    public func setClock(_ instant: Date) throws {
        try native { try ffi.setClock(instant: instant) }
    }

    /// Why the checkpoint sink last failed to keep a checkpoint, while it keeps failing.
    public func checkpointFailure() -> String? {
        ffi.checkpointFailure()
    }

    /// Test hook: the next id the engine asks for panics inside whatever call asks, to show
    /// such a panic rolled back, audited and thrown as `TehoError.internal`.
    public func failNextIdForTests() {
        ffi.failNextIdForTests()
    }
}
