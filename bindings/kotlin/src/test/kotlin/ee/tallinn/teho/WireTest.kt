package ee.tallinn.teho

import java.time.DateTimeException
import java.time.Instant
import java.time.LocalDate
import java.time.LocalDateTime
import java.time.OffsetDateTime
import java.util.UUID
import kotlin.random.Random
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonPrimitive
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertThrows
import org.junit.jupiter.api.Test

/** The JSON readers of single values (Wire.kt): what the engine writes is read by hand for
 * speed, so java.time's and java.util's own parsers are the oracle here — the same value
 * for every text they accept, a WireException naming the path for every text they refuse. */
class WireTest {
    private val root = JsonPath.ROOT.dot("visit")

    /** What java.time makes of [text], or null where it refuses it. */
    private fun <T> oracle(text: String, parse: (String) -> T): T? =
        try { parse(text) } catch (e: DateTimeException) { null }

    private fun <T> ours(text: String, read: (JsonPrimitive, JsonPath) -> T): T? =
        try { read(JsonPrimitive(text), root) } catch (e: WireException) {
            assertEquals("$.visit: expected", e.message!!.substringBefore(" a").substringBefore(" an"), text)
            null
        }

    /** Dates, times and instants as the engine writes them, and near misses of each. */
    private fun texts(random: Random): List<String> {
        val y = random.nextInt(1, 10_000)
        val mo = random.nextInt(0, 14)
        val d = random.nextInt(0, 33)
        val h = random.nextInt(0, 25)
        val mi = random.nextInt(0, 61)
        val s = random.nextInt(0, 61)
        val date = "%04d-%02d-%02d".format(y, mo, d)
        val time = "%02d:%02d:%02d".format(h, mi, s)
        val fraction = "." + "123456789".take(random.nextInt(1, 10))
        return listOf(
            date, "$date ", "${date}Z", date.replace('-', '/'), "+$date",
            "${date}T$time", "${date}T${time}Z", "${date}T$time$fraction", "${date}T$time${fraction}Z",
            "${date}T$time+02:00", "${date}T$time$fraction+03:00", "${date}t${time}Z", "${date}T${time}.Z",
            "${date}T${time}.1234567890Z", "${date}T${time.dropLast(3)}Z", "${date}T${time}٣Z",
            "${date}T${time}".replace('0', '٠'),
        )
    }

    @Test
    fun `dates, local times and instants read as java-time reads them`() {
        val random = Random(20261202)
        var accepted = 0
        repeat(4_000) {
            for (text in texts(random)) {
                val date = ours(text) { j, p -> Wire.decodeDate(j, p) }
                assertEquals(oracle(text) { LocalDate.parse(it) }, date, text)
                val local = ours(text) { j, p -> Wire.decodeLocalDateTime(j, p) }
                assertEquals(oracle(text) { LocalDateTime.parse(it) }, local, text)
                val instant = ours(text) { j, p -> Wire.decodeInstant(j, p) }
                assertEquals(oracle(text) { OffsetDateTime.parse(it).toInstant() }, instant, text)
                if (instant != null) accepted++
            }
        }
        assertFalse(accepted < 4_000, "only $accepted instants accepted: the cases miss the common form")
        // The ends of the engine's range and a leap day.
        assertEquals(Instant.parse("2026-10-25T00:59:59.5Z"), Wire.decodeInstant(JsonPrimitive("2026-10-25T00:59:59.5Z"), root))
        assertEquals(LocalDate.of(2028, 2, 29), Wire.decodeDate(JsonPrimitive("2028-02-29"), root))
        assertThrows(WireException::class.java) { Wire.decodeDate(JsonPrimitive("2027-02-29"), root) }
    }

    @Test
    fun `UUIDs read as java-util reads its canonical form, and nothing else`() {
        val random = Random(7)
        repeat(20_000) {
            val uuid = UUID(random.nextLong(), random.nextLong())
            val text = uuid.toString()
            assertEquals(uuid, Wire.uuidOf(text))
            assertEquals(uuid, Wire.uuidOf(text.uppercase()))
            val i = random.nextInt(36)
            val wrong = if (i in listOf(8, 13, 18, 23)) "a0F".random(random) else "g-٣ x".random(random)
            val broken = text.substring(0, i) + wrong + text.substring(i + 1)
            assertNull(Wire.uuidOf(broken), broken)
        }
        for (text in listOf("", "0", "00000000-0000-0000-0000-00000000000", "00000000-0000-0000-0000-0000000000000",
            "00000000+0000-0000-0000-000000000000", "0-0-0-0-0")) assertNull(Wire.uuidOf(text), text)
    }

    @Test
    fun `a value that does not fit is named by its JSON path, never by its text`() {
        val week = Json.parseToJsonElement(
            """[{"visit": {}, "worker_name": null, "client_name": null},
                {"visit": {"start": "Mari Maasikas"}, "worker_name": null, "client_name": null}]""",
        )
        val e = assertThrows(WireException::class.java) {
            Wire.decodeList(week, JsonPath.ROOT) { j, p -> CalendarVisit.decode(j, p) }
        }
        assertEquals("$[0].visit.action: missing (a required field)", e.message)
        val visit = Json.parseToJsonElement("""{"start": "Mari Maasikas"}""")
        val bad = assertThrows(WireException::class.java) {
            Wire.decodeInstant(Wire.field(visit as kotlinx.serialization.json.JsonObject, "start", JsonPath.ROOT.at(1).dot("visit")),
                JsonPath.ROOT.at(1).dot("visit").dot("start"))
        }
        assertEquals("$[1].visit.start: expected an RFC 3339 instant (2026-10-05T06:00:00Z)", bad.message)
        assertFalse("Mari" in bad.message!!)
    }
}
