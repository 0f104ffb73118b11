// The host's ports written in Swift: a clock, and a population-register feed whose death
// notice drives the engine's death cascade (the Swift twin of the Kotlin PortsTest).

import Foundation
import Teho
import XCTest

/// A clock the test moves, counting how often the engine asks it.
final class TestClock: ClockSource, @unchecked Sendable {
    private let lock = NSLock()
    private var at: Date
    private var count = 0

    init(_ at: Date) {
        self.at = at
    }

    func now() -> Date {
        lock.lock()
        defer { lock.unlock() }
        count += 1
        return at
    }

    func set(_ date: Date) {
        lock.lock()
        defer { lock.unlock() }
        at = date
    }

    var asked: Int {
        lock.lock()
        defer { lock.unlock() }
        return count
    }
}

/// A register that hands over the same notices at every fetch, counting the fetches.
final class FixedRegister: PopulationRegister {
    let notices: [RegisterNotice]
    private(set) var fetched = 0

    init(_ notices: [RegisterNotice]) {
        self.notices = notices
    }

    func fetch() throws -> [RegisterNotice] {
        fetched += 1
        return notices
    }
}

/// A register that is down.
struct DownRegister: PopulationRegister {
    struct Down: Error, CustomStringConvertible {
        var description: String { "the register is down" }
    }

    func fetch() throws -> [RegisterNotice] {
        throw Down()
    }
}

final class PortsTests: XCTestCase {
    func testASwiftClockAndASwiftRegisterDriveADeathCascade() throws {
        let clock = TestClock(try instant("2026-11-02T07:00:00Z"))
        let town = try Town(engine: Engine.openMemory(clock: .source(clock: clock)))
        XCTAssertGreaterThan(clock.asked, 0, "the engine asked the Swift clock")
        // The file opened on the Swift clock's day.
        XCTAssertEqual(town.saved["file"]?["opened_on"]?.stringValue, "2026-11-02")
        let cw = try town.worker("cw")
        let file = ClientFileId(try town.id("file.id"))
        _ = try town.engine.clientFile(actor: cw, file: file)

        // The register reports Laine's death on 10 November; the feed is read on the 11th.
        clock.set(try instant("2026-11-11T07:00:00Z"))
        let death = RegisterNotice(
            date: DateComponents(year: 2026, month: 11, day: 10), kind: .death,
            personalCode: PersonalCode("43803030124"), sourceReference: "RR-1"
        )
        let register = FixedRegister([death])
        let report = try town.engine.importNotices(actor: .system, from: register)
        XCTAssertEqual(register.fetched, 1)
        XCTAssertEqual(report.deaths.count, 1, "\(report)")
        XCTAssertEqual(report.deaths.first?.first, 1)
        // The cascade: the care worker's membership ended on the day of death.
        XCTAssertThrowsError(try town.engine.clientFile(actor: cw, file: file)) { error in
            guard case TehoError.accessDenied(_, _, let reason, _, _)? = error as? TehoError else {
                return XCTFail("expected accessDenied, got \(error)")
            }
            XCTAssertEqual(reason, "MembershipNotActive")
        }
        // The same notice again is a duplicate, applied once.
        let again = try town.engine.importNotices(actor: .system, from: register)
        XCTAssertEqual(again.deaths.count, 0)
        XCTAssertEqual(again.duplicates, [1])
    }

    func testARegisterThatFailsIsAStorageErrorAndNothingIsImported() throws {
        let town = try Town()
        XCTAssertThrowsError(try town.engine.importNotices(actor: .system, from: DownRegister())) { error in
            guard case TehoError.storage(let message, _)? = error as? TehoError else {
                return XCTFail("expected storage, got \(error)")
            }
            XCTAssertTrue(message.contains("the register is down"), message)
        }
        _ = try town.engine.clientFile(actor: try town.worker("cw"), file: ClientFileId(try town.id("file.id")))
    }

    func testAHostClockCannotBeSetFromTheEngine() throws {
        let engine = try Engine.openMemory(clock: .source(clock: TestClock(try instant("2026-11-02T07:00:00Z"))))
        XCTAssertThrowsError(try engine.setClock(try instant("2026-11-03T07:00:00Z"))) { error in
            guard case TehoError.invalidInput(_, let field, _, _)? = error as? TehoError else {
                return XCTFail("expected invalidInput, got \(error)")
            }
            XCTAssertEqual(field, "clock")
        }
    }

    func testTypedValuesReadBackToTheEnginesJSON() throws {
        let town = try Town()
        let view = try town.engine.clientFile(actor: try town.worker("sw"), file: ClientFileId(try town.id("file.id")))
        XCTAssertEqual(try ClientFileView.fromJSON(view.toJSON()), view)
        XCTAssertEqual(try JSONValue(parsing: view.toJSON().jsonText), view.toJSON())
    }
}
