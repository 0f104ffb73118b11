// Engine errors reach Swift as TehoError cases with their fields, and with no personal data
// in their message, description or mirror (the Swift twin of the Kotlin ErrorsTest).

import Foundation
import Teho
import XCTest

final class ErrorsTests: XCTestCase {
    /// Everything Swift shows of an error: its message, description, debug description
    /// and what `dump` prints.
    private func shown(_ error: Error) -> String {
        var dumped = ""
        dump(error, to: &dumped)
        return [error.localizedDescription, "\(error)", String(reflecting: error), dumped].joined(separator: "\n")
    }

    func testABadPersonalCodeIsInvalidPersonalCodeWithTheValueInItsFieldOnly() throws {
        do {
            _ = try Engine.personalCode("37605030298")
            XCTFail("a bad check digit was accepted")
        } catch let error as TehoError {
            guard case .invalidPersonalCode(let message, let variant, let problem, let value) = error else {
                return XCTFail("expected invalidPersonalCode, got \(error)")
            }
            XCTAssertEqual(error.kind, "invalid_personal_code")
            XCTAssertEqual(value, "37605030298")
            XCTAssertEqual(variant, "WrongCheckDigit")
            XCTAssertFalse(problem.isEmpty)
            XCTAssertFalse(message.isEmpty)
            XCTAssertFalse(shown(error).contains("37605030298"), shown(error))
        }
        XCTAssertEqual(try Engine.personalCode("37605030299"), PersonalCode("37605030299"))
    }

    func testARecurrenceOutsideTheSubsetIsInvalidRecurrence() throws {
        XCTAssertThrowsError(try Engine.parseRecurrence("FREQ=YEARLY;BYHOUR=9")) { error in
            guard case TehoError.invalidRecurrence(_, let variant)? = error as? TehoError else {
                return XCTFail("expected invalidRecurrence, got \(error)")
            }
            XCTAssertFalse(variant.isEmpty)
        }
        XCTAssertEqual(
            try Engine.parseRecurrence("FREQ=WEEKLY;BYDAY=MO;BYHOUR=9"), "FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;BYMINUTE=0"
        )
    }

    func testARequestThatIsNotOneIsInvalidInputNamingTheField() throws {
        let engine = try Engine.openMemory(clock: .fixed(at: instant("2026-11-02T07:00:00Z")))
        XCTAssertThrowsError(try engine.callJSON(actor: "\"System\"", request: "{\"command\": \"no_such_command\"}")) { error in
            guard case TehoError.invalidInput(_, let field, _, let problem)? = error as? TehoError else {
                return XCTFail("expected invalidInput, got \(error)")
            }
            XCTAssertEqual(field, "request")
            XCTAssertFalse(problem.isEmpty)
        }
        // The same through the typed door: a request as a JSON object.
        XCTAssertThrowsError(try engine.call(actor: .system, request: ["command": "no_such_command"])) { error in
            XCTAssertEqual((error as? TehoError)?.kind, "invalid_input")
        }
    }

    func testARefusalIsAccessDeniedWithTheActionTheReasonAndItsExplanation() throws {
        let town = try Town()
        let file = ClientFileId(try town.id("file.id"))
        // The social worker reads the file through the typed method; its result decodes.
        let view = try town.engine.clientFile(actor: try town.worker("sw"), file: file)
        XCTAssertEqual(view.toJSON()["file"]?["id"]?.stringValue, file.description)

        let stranger = Actor.person(PersonId(UUID(uuidString: "00000000-0000-0000-0000-000000000001")!))
        do {
            _ = try town.engine.clientFile(actor: stranger, file: file)
            XCTFail("a stranger read the file")
        } catch let error as TehoError {
            guard case .accessDenied(let message, let action, let reason, let explanation, let detail) = error else {
                return XCTFail("expected accessDenied, got \(error)")
            }
            XCTAssertEqual(error.kind, "access_denied")
            XCTAssertEqual(action, "client_file.read")
            XCTAssertEqual(reason, "UnknownActor")
            XCTAssertFalse(explanation.isEmpty)
            XCTAssertFalse(message.isEmpty)
            XCTAssertNotEqual(detail, .null)
        }
    }

    func testAPersonalCodeTehoDoesNotKnowIsNotFoundTheCodeInItsFieldOnly() throws {
        let town = try Town()
        do {
            _ = try town.engine.fileOfCode(actor: .system, code: PersonalCode("39912310098"))
            XCTFail("an unknown code found a file")
        } catch let error as TehoError {
            guard case .notFound(_, let objectKind, _, let value) = error else {
                return XCTFail("expected notFound, got \(error)")
            }
            XCTAssertEqual(value, "39912310098")
            XCTAssertFalse(objectKind.isEmpty)
            XCTAssertFalse(shown(error).contains("39912310098"), shown(error))
        }
    }

    func testAPanicInsideTheEngineIsInternalAndTheEngineGoesOn() throws {
        let town = try Town()
        let sw = try town.worker("sw")
        let person = NewPerson(
            familyName: "Tamm", givenName: "Jaan", identity: .estonian(PersonalCode("37001010007"))
        )
        town.engine.failNextIdForTests()
        XCTAssertThrowsError(try town.engine.registerPerson(actor: sw, new: person)) { error in
            guard case TehoError.`internal`(let message, _)? = error as? TehoError else {
                return XCTFail("expected internal, got \(error)")
            }
            XCTAssertTrue(message.contains("panic"), message)
        }
        // Rolled back: the person was not registered, and registering now works.
        let made = try town.engine.registerPerson(actor: sw, new: person)
        XCTAssertEqual(made.givenName, "Jaan")
        XCTAssertNil(try town.engine.verifyAudit(actor: .system).firstBreak)
    }

    func testABatchReportsTheErrorOfTheRequestThatFailed() throws {
        let town = try Town()
        let sw = try town.worker("sw")
        let file = JSONValue.string(try town.id("file.id").uuidString.lowercased())
        let read: [String: JSONValue] = ["command": "client_file", "args": .object(["file": file])]
        let find: [String: JSONValue] = ["command": "file_of_code", "args": .object(["code": "39912310098"])]
        let batch = try town.engine.callMany(actor: sw, requests: [read, find])
        XCTAssertEqual(batch.results.count, 1)
        XCTAssertNotNil(batch.error)
        XCTAssertTrue(["access_denied", "not_found"].contains(batch.error?.kind ?? ""), "\(String(describing: batch.error))")
    }
}
