package ee.tallinn.teho

import java.time.Instant
import java.time.LocalDate
import java.util.concurrent.atomic.AtomicInteger
import java.util.concurrent.atomic.AtomicReference
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows

/** The host's ports written in Kotlin: a clock, and a population-register feed whose
 * death notice drives the engine's death cascade. */
class PortsTest {
    /** A clock the test moves, counting how often the engine asks it. */
    private class TestClock(at: String) : ClockSource {
        val now = AtomicReference(Instant.parse(at))
        val asked = AtomicInteger()
        override fun now(): Instant {
            asked.incrementAndGet()
            return now.get()
        }
    }

    @Test
    fun `a Kotlin clock and a Kotlin register drive a death cascade`() {
        val clock = TestClock("2026-11-02T07:00:00Z")
        Town(Engine.openMemory(Engine.clockOf(clock))).use { town ->
            assertTrue(clock.asked.get() > 0, "the engine asked the Kotlin clock")
            // The file opened on the Kotlin clock's day.
            assertEquals("2026-11-02", town.saved["file"]!!.jsonObject["opened_on"]!!.jsonPrimitive.content)
            val cw = town.worker("cw")
            town.call(cw, "client_file", mapOf("file" to town.id("file.id")))

            // The register reports Laine's death on 10 November; the feed is read on the 11th.
            clock.now.set(Instant.parse("2026-11-11T07:00:00Z"))
            val fetched = AtomicInteger()
            val register = PopulationRegister {
                fetched.incrementAndGet()
                listOf(RegisterNotice(personalCode = PersonalCode("43803030124"), kind = NoticeKind.Death, date = LocalDate.of(2026, 11, 10), sourceReference = "RR-1"))
            }
            val report = town.engine.importNoticesFrom(Actor.System, register)
            assertEquals(1, fetched.get())
            assertEquals(1, report.deaths.size, "$report")
            assertEquals(1L, report.deaths[0].first)
            // The cascade: the care worker's membership ended on the day of death.
            val denied = assertThrows<TehoException.AccessDenied> { town.call(cw, "client_file", mapOf("file" to town.id("file.id"))) }
            assertEquals("MembershipNotActive", denied.reason)
            // The same notice again is a duplicate, applied once.
            val again = town.engine.importNoticesFrom(Actor.System, register)
            assertEquals(0, again.deaths.size)
            assertEquals(listOf(1L), again.duplicates)
        }
    }

    @Test
    fun `a register that fails is the engine's Storage error, and nothing is imported`() {
        Town().use { town ->
            val e = assertThrows<TehoException.Storage> {
                town.engine.importNoticesFrom(Actor.System) { throw IllegalStateException("the register is down") }
            }
            assertTrue(e.message!!.contains("the register is down"), e.message)
            town.call(town.worker("cw"), "client_file", mapOf("file" to town.id("file.id")))
        }
    }

    @Test
    fun `a host clock cannot be set from the engine`() {
        Engine.openMemory(Engine.clockOf(TestClock("2026-11-02T07:00:00Z"))).use { engine ->
            val e = assertThrows<TehoException.InvalidInput> { engine.setClock(Instant.parse("2026-11-03T07:00:00Z")) }
            assertEquals("clock", e.field)
        }
    }

    @Test
    fun `a clock that throws fails the call as Internal, audited, and the engine goes on`() {
        val clock = TestClock("2026-11-02T07:00:00Z")
        val failing = object : ClockSource {
            @Volatile var broken = false
            override fun now(): Instant = if (broken) throw IllegalStateException("no time") else clock.now()
        }
        Town(Engine.openMemory(Engine.clockOf(failing))).use { town ->
            failing.broken = true
            assertThrows<TehoException.Internal> { town.call(town.worker("sw"), "client_file", mapOf("file" to town.id("file.id"))) }
            failing.broken = false
            val file = town.call(town.worker("sw"), "client_file", mapOf("file" to town.id("file.id")))
            assertTrue(file is JsonObject)
        }
    }
}
