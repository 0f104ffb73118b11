package ee.tallinn.teho

import java.io.File
import java.time.Instant
import java.time.LocalDate
import java.util.UUID
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonArray
import kotlinx.serialization.json.JsonElement
import kotlinx.serialization.json.JsonNull
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.jsonPrimitive
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Assumptions.assumeTrue
import org.junit.jupiter.api.BeforeAll
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestInstance
import org.junit.jupiter.api.assertThrows

/** The typed surface on the demo town (demo/town.json, the same as `teho demo` and the
 * browser demo): typed results as each actor sees them, and every typed result reads
 * back to exactly the JSON the engine sent. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TypedTest {
    private lateinit var engine: Engine
    private lateinit var saved: Map<String, JsonElement>

    @BeforeAll
    fun town() {
        val (eng, run) = replay(File(SCENARIOS, "../../demo/town.json"))
        engine = eng
        saved = run.saved
    }

    @AfterAll
    fun close() = engine.close()

    private fun id(name: String) = UUID.fromString(lookup(saved, "$name.id").jsonPrimitive.content)
    private fun worker(name: String) = Actor.Worker(WorkerId(id(name)))
    private val file get() = ClientFileId(id("file"))
    private val monday = LocalDate.of(2026, 10, 5)

    /** JSON without its nulls (an absent optional field and a null one say the same). */
    private fun dense(j: JsonElement): JsonElement = when (j) {
        is JsonObject -> JsonObject(j.filterValues { it != JsonNull }.mapValues { dense(it.value) })
        is JsonArray -> JsonArray(j.map { dense(it) })
        else -> j
    }

    /** The raw result of [command] as [actor], and the typed one written back as JSON. */
    private fun sameJson(actor: Actor, command: String, args: Map<String, Any?>, typed: (JsonElement) -> JsonElement) {
        val raw = engine.call(actor, request(command, args))
        assertEquals(dense(raw), dense(typed(raw)), command)
    }

    @Test
    fun `the week's calendar is typed - instants, enums, ids`() {
        val week = engine.clientCalendar(worker("cw"), file, monday, monday.plusDays(6))
        assertTrue(week.isNotEmpty())
        val from = Instant.parse("2026-10-04T21:00:00Z") // Monday 00:00 in Tallinn (EEST)
        assertTrue(week.all { it.visit.start >= from && it.visit.start < from.plusSeconds(7 * 86_400) }, "$week")
        assertTrue(week.any { it.visit.status == VisitStatus.Done })
        assertTrue(week.all { it.visit.file == file })
    }

    @Test
    fun `the nurse reads her domain's detail and the relative does not`() {
        val nurse = engine.serviceLog(worker("nurse"), file, monday, monday.plusDays(6))
        assertTrue(nurse.any { it.detail?.text == "Wound 3 cm, clean, dressing changed" && it.detail?.domain == Domain.Nursing }, "$nurse")
        val relative = Actor.Person(PersonId(id("relative")))
        val seen = engine.serviceLog(relative, file, monday, monday.plusDays(6))
        assertEquals(nurse.size, seen.size)
        assertTrue(seen.all { it.detail == null }, "$seen")
    }

    @Test
    fun `typed results read back to the engine's JSON`() {
        val week = mapOf("file" to file.value.toString(), "from" to "2026-10-05", "to" to "2026-10-11")
        sameJson(worker("cw"), "client_calendar", week) { j -> JsonArray((j as JsonArray).map { CalendarVisit.fromJson(it).toJson() }) }
        sameJson(worker("nurse"), "service_log", week) { j -> JsonArray((j as JsonArray).map { ServiceLogEntry.fromJson(it).toJson() }) }
        sameJson(worker("sw"), "network", mapOf("file" to file.value.toString())) { j -> JsonArray((j as JsonArray).map { Membership.fromJson(it).toJson() }) }
        sameJson(worker("sw"), "client_file", mapOf("file" to file.value.toString())) { ClientFileView.fromJson(it).toJson() }
        sameJson(worker("cm"), "home_view", emptyMap()) { HomeView.fromJson(it).toJson() }
        sameJson(Actor.Person(PersonId(id("relative"))), "inbox", emptyMap()) { j -> JsonArray((j as JsonArray).map { Notification.fromJson(it).toJson() }) }
        sameJson(Actor.Person(PersonId(id("client"))), "access_log", mapOf("file" to file.value.toString())) { j -> JsonArray((j as JsonArray).map { AccessLogLine.fromJson(it).toJson() }) }
        sameJson(Actor.System, "verify_audit", mapOf("checkpoint" to null)) { VerifyReport.fromJson(it).toJson() }
    }

    @Test
    fun `the client takes her own copy with her access log as AuditEvents, her relative may not`() {
        val client = Actor.Person(PersonId(id("client")))
        val copy = engine.copyForDataSubject(client, file, monday, monday.plusDays(6))
        val entries = Json.parseToJsonElement(copy.bundle).let { (it as JsonObject)["entry"] as JsonArray }
        val types = entries.map { ((it as JsonObject)["resource"] as JsonObject)["resourceType"]!!.jsonPrimitive.content }
        assertEquals(copy.resources, types.size.toLong())
        assertEquals(copy.auditEvents, types.count { it == "AuditEvent" }.toLong())
        // One AuditEvent per line of the log before the copy, whose own line is now in it.
        val log = engine.accessLog(client, file)
        assertEquals(log.size - 1L, copy.auditEvents)
        assertEquals(1, log.count { it.what == "client_file.copy_fhir" })
        assertTrue("Patient" in types && "Appointment" in types, "$types")
        assertThrows<TehoException.AccessDenied> {
            engine.copyForDataSubject(Actor.Person(PersonId(id("relative"))), file, monday, monday.plusDays(6))
        }
    }

    @Test
    fun `a visit opens its plan, typed`() {
        val visit = engine.clientCalendar(worker("nurse"), file, monday, monday.plusDays(6)).first { it.visit.action.text == "Wound care" }
        val opened = engine.visitWithPlan(worker("nurse"), visit.visit.id)
        assertEquals(visit.visit.id, opened.visit.visit.id)
        assertNotNull(opened.plan)
    }

    @Test
    fun `the engine opens on PostgreSQL too`() {
        val url = System.getProperty("teho.postgres") ?: ""
        assumeTrue(url.startsWith("postgresql://"), "no PostgreSQL server given (TEHO_KOTLIN_POSTGRES_URL)")
        Engine.create(url, Engine.fixedClock(Instant.parse("2026-11-02T07:00:00Z"))).use { pg ->
            Town(pg).use { town ->
                val card = town.engine.clientCard(town.worker("sw"), ClientFileId(UUID.fromString(town.id("file.id"))))
                assertNull(town.engine.verifyAudit(Actor.System).firstBreak)
                assertEquals(ClientFileId(UUID.fromString(town.id("file.id"))), card.file)
            }
        }
    }
}
