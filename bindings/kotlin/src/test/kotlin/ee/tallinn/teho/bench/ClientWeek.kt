// The Kotlin side of benches/run's "client week, kotlin" line (benches/src/kotlin.rs):
// opens the SQLite town the Rust side built, asks every client-week query of
// queries.json through the typed method an integrator calls (clientCalendar, typed
// results), and prints p50/p99 in microseconds and the visits answered as JSON — and,
// to tell where the time goes, the JSON door alone (text in, text out) and the mean
// cost of parsing and of decoding one answer.
//   java -cp … ee.tallinn.teho.bench.ClientWeekKt DIR CLOCK
package ee.tallinn.teho.bench

import ee.tallinn.teho.Actor
import ee.tallinn.teho.ClientFileId
import ee.tallinn.teho.Engine
import ee.tallinn.teho.WorkerId
import java.io.File
import java.time.Instant
import java.time.LocalDate
import java.util.UUID
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.jsonArray
import kotlinx.serialization.json.jsonPrimitive

fun main(args: Array<String>) {
    val (dir, clock) = args
    val queries = Json.parseToJsonElement(File(dir, "queries.json").readText()).jsonArray.map { q ->
        val (worker, file, from) = q.jsonArray.map { it.jsonPrimitive.content }
        Triple(Actor.Worker(WorkerId(UUID.fromString(worker))), ClientFileId(UUID.fromString(file)), LocalDate.parse(from))
    }
    Engine.open(File(dir, "town.db").path, Engine.fixedClock(Instant.parse(clock))).use { engine ->
        // The JIT's warm-up, on the same queries (their answers are the same): a server
        // that has run a while has compiled the decoders.
        repeat(3) { for ((actor, file, from) in queries) engine.clientCalendar(actor, file, from, from.plusDays(6)) }
        val times = LongArray(queries.size)
        var visits = 0L
        queries.forEachIndexed { i, (actor, file, from) ->
            val t = System.nanoTime()
            val week = engine.clientCalendar(actor, file, from, from.plusDays(6))
            times[i] = System.nanoTime() - t
            visits += week.size
        }
        times.sort()
        val at = { p: Double -> times[Math.round((times.size - 1) * p).toInt()] / 1e3 }
        // The JSON door alone (no decoding), to tell where the time goes.
        val raw = LongArray(queries.size)
        queries.forEachIndexed { i, (actor, file, from) ->
            val request = """{"command":"client_calendar","args":{"file":"${file.value}","from":"$from","to":"${from.plusDays(6)}"}}"""
            val a = actor.toJson().toString()
            val t = System.nanoTime()
            engine.callJson(a, request)
            raw[i] = System.nanoTime() - t
        }
        raw.sort()
        val texts = queries.take(300).map { (actor, file, from) ->
            engine.callJson(actor.toJson().toString(), """{"command":"client_calendar","args":{"file":"${file.value}","from":"$from","to":"${from.plusDays(6)}"}}""")
        }
        repeat(3) { texts.forEach { Json.parseToJsonElement(it) } }
        var t0 = System.nanoTime()
        val parsed = texts.map { Json.parseToJsonElement(it) }
        val parseUs = (System.nanoTime() - t0) / 1e3 / texts.size
        repeat(3) { parsed.forEach { j -> j.jsonArray.map { ee.tallinn.teho.CalendarVisit.fromJson(it) } } }
        t0 = System.nanoTime()
        parsed.forEach { j -> j.jsonArray.map { ee.tallinn.teho.CalendarVisit.fromJson(it) } }
        val decodeUs = (System.nanoTime() - t0) / 1e3 / texts.size
        val chars = texts.sumOf { it.length } / texts.size
        val door = { p: Double -> raw[Math.round((raw.size - 1) * p).toInt()] / 1e3 }
        println("""{"p50_us": ${at(0.5)}, "p99_us": ${at(0.99)}, "visits": $visits, "door_p50_us": ${door(0.5)}, "door_p99_us": ${door(0.99)}, "parse_us": $parseUs, "decode_us": $decodeUs, "chars": $chars}""")
    }
}
