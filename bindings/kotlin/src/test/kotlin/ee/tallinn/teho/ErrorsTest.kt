package ee.tallinn.teho

import java.io.File
import java.io.RandomAccessFile
import java.nio.file.Files
import java.time.Instant
import java.util.UUID
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonArray
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows

/** Every error kind of the engine reaches Kotlin as its exception class, with its fields,
 * and with no personal data in its message. */
class ErrorsTest {
    private val town = Town()
    private val tmp: File = Files.createTempDirectory("teho-errors").toFile()

    @AfterEach
    fun done() {
        town.close()
        tmp.deleteRecursively()
    }

    private val sw get() = town.worker("sw")

    @Test
    fun `a bad personal code is InvalidPersonalCode with the rule, the value in its field only`() {
        val e = assertThrows<TehoException.InvalidPersonalCode> { Engine.personalCode("37605030298") }
        assertEquals("invalid_personal_code", e.kind)
        assertEquals("37605030298", e.value)
        assertEquals("WrongCheckDigit", e.variant)
        assertTrue(e.problem.isNotEmpty())
        assertFalse(e.message!!.contains("37605030298"), e.message)
        assertFalse(e.toString().contains("37605030298"), e.toString())
        assertEquals(PersonalCode("37605030299"), Engine.personalCode("37605030299"))
    }

    @Test
    fun `a recurrence outside the subset is InvalidRecurrence naming the part`() {
        val e = assertThrows<TehoException.InvalidRecurrence> { Engine.parseRecurrence("FREQ=YEARLY;BYHOUR=9") }
        assertEquals("invalid_recurrence", e.kind)
        assertTrue(e.variant.isNotEmpty())
        assertEquals("FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;BYMINUTE=0", Engine.parseRecurrence("FREQ=WEEKLY;BYDAY=MO;BYHOUR=9"))
    }

    @Test
    fun `a body-structure ICF code is InvalidIcf`() {
        val answers = JsonArray(listOf("L1-COMM", "L2-MENTAL", "L3-PHYS", "L4-ENV", "L5-OCC", "L6-LEISURE", "L7-ADL").map {
            JsonArray(listOf(JsonPrimitive(it), Json.parseToJsonElement("""{"Level": 1}""")))
        })
        val new = Json.parseToJsonElement(
            """{"file": "${town.id("file.id")}", "instrument": "NEEDS", "version": 1, "answers": $answers, "icf": ["s750.2"]}""",
        )
        val e = assertThrows<TehoException.InvalidIcf> { town.call(sw, "record_assessment", mapOf("new" to new)) }
        assertEquals("StructureCode", e.variant)
    }

    @Test
    fun `a request that is not one is InvalidInput naming the field`() {
        val e = assertThrows<TehoException.InvalidInput> { town.engine.callJson("\"System\"", """{"command": "no_such_command"}""") }
        assertEquals("request", e.field)
        assertTrue(e.problem.isNotEmpty())
    }

    @Test
    fun `a period ending before it starts is InvalidPeriod with its ends`() {
        val e = assertThrows<TehoException.InvalidPeriod> {
            town.call(sw, "set_restriction", mapOf("file" to town.id("file.id"), "entry" to null, "basis" to "AvTS § 35", "valid_until" to "2026-01-01"))
        }
        assertEquals("2026-01-01", e.until)
    }

    @Test
    fun `voiding a death without a reason is ReasonRequired`() {
        val e = assertThrows<TehoException.ReasonRequired> {
            town.call(sw, "void_death", mapOf("person" to town.id("client.id"), "reason" to " "))
        }
        assertTrue(e.problem.isNotEmpty())
    }

    @Test
    fun `a refusal is AccessDenied with the action, the reason and its explanation`() {
        val stranger = Actor.Person(PersonId(UUID.fromString("00000000-0000-0000-0000-000000000001")))
        val e = assertThrows<TehoException.AccessDenied> { town.call(stranger, "client_file", mapOf("file" to town.id("file.id"))) }
        assertEquals("client_file.read", e.action)
        assertEquals("UnknownActor", e.reason)
        assertTrue(e.explanation.isNotEmpty())
    }

    @Test
    fun `a personal code TEHO does not know is NotFound, the code in its field only`() {
        val e = assertThrows<TehoException.NotFound> { town.call(Actor.System, "file_of_code", mapOf("code" to "39912310098")) }
        assertEquals("39912310098", e.value)
        assertFalse(e.message!!.contains("39912310098"), e.message)
        assertTrue(e.objectKind.isNotEmpty())
    }

    @Test
    fun `creating over an existing database is Conflict, bootstrapping twice AlreadyInitialized`() {
        val db = File(tmp, "teho.db").path
        Engine.create(db, Engine.fixedClock(Instant.parse("2026-11-02T07:00:00Z"))).use { eng ->
            Town(eng).use { }
        }
        val conflict = assertThrows<TehoException.Conflict> { Engine.create(db) }
        assertTrue(conflict.problem.isNotEmpty())
        val again = Json.parseToJsonElement(File(SCENARIOS, "town.json").readText()).jsonObject["steps"]!!.let { (it as JsonArray)[0].jsonObject["do"]!!.jsonObject }
        Engine.open(db).use { eng ->
            assertThrows<TehoException.AlreadyInitialized> { eng.call(Actor.System, again) }
        }
    }

    @Test
    fun `a database of a newer TEHO is SchemaTooNew, a missing one NotATehoDatabase`() {
        val db = File(tmp, "newer.db")
        Engine.create(db.path, Engine.fixedClock(Instant.parse("2026-11-02T07:00:00Z"))).close()
        // SQLite keeps PRAGMA user_version in 4 bytes at offset 60 of the file's header.
        RandomAccessFile(db, "rw").use { it.seek(60); it.writeInt(99) }
        val e = assertThrows<TehoException.SchemaTooNew> { Engine.open(db.path) }
        assertEquals(99, e.found)
        assertTrue(e.supported in 1..98)
        val missing = File(tmp, "missing.db")
        val n = assertThrows<TehoException.NotATehoDatabase> { Engine.open(missing.path) }
        assertTrue(n.problem.isNotEmpty())
        assertFalse(missing.exists(), "opening made no file")
    }

    @Test
    fun `a PostgreSQL server nobody listens on is a Storage error`() {
        val e = assertThrows<TehoException.Storage> { Engine.open("postgresql://teho@127.0.0.1:9/teho?connect_timeout=2") }
        assertTrue(e.problem.isNotEmpty())
    }

    @Test
    fun `a panic inside the engine is Internal, and the engine goes on`() {
        town.engine.failNextIdForTests()
        val e = assertThrows<TehoException.Internal> {
            town.call(sw, "register_person", mapOf("new" to Json.parseToJsonElement(
                """{"identity": {"Estonian": "37001010007"}, "given_name": "Jaan", "family_name": "Tamm", "birth_date": null}""",
            )))
        }
        assertTrue(e.message!!.contains("panic"), e.message)
        // Rolled back: the person was not registered, and registering now works.
        val made = town.call(sw, "register_person", mapOf("new" to Json.parseToJsonElement(
            """{"identity": {"Estonian": "37001010007"}, "given_name": "Jaan", "family_name": "Tamm", "birth_date": null}""",
        )))
        assertTrue((made as JsonObject)["id"]!!.jsonPrimitive.content.isNotEmpty())
        // The failed call is in the audit chain, which verifies.
        val verified = town.engine.verifyAudit(Actor.System)
        assertEquals(null, verified.firstBreak, "$verified")
    }

    @Test
    fun `a batch reports the error of the request that failed, as its class`() {
        val batch = town.engine.callMany(
            sw,
            listOf(
                request("client_file", mapOf("file" to town.id("file.id"))),
                request("file_of_code", mapOf("code" to "39912310098")),
            ),
        )
        assertEquals(1, batch.results.size)
        assertTrue(batch.error is TehoException.AccessDenied || batch.error is TehoException.NotFound, "${batch.error}")
    }
}
