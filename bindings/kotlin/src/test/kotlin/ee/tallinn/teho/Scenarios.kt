// The scenario runner of the Kotlin tests: the same rules as the Rust runner
// (tests/src/scenario.rs), the Python one (bindings/python/tests/test_scenarios.py) and
// the Node one (bindings/wasm/test/scenarios.test.mjs).
package ee.tallinn.teho

import java.io.File
import java.time.Instant
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonArray
import kotlinx.serialization.json.JsonElement
import kotlinx.serialization.json.JsonNull
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Assertions.fail

/** Where the scenario files are (set by the Maven build; the repository's otherwise). */
val SCENARIOS: File = File(System.getProperty("teho.scenarios") ?: "../../tests/scenarios")

/** The steps of a scenario file, its includes' first, and its starting clock. */
fun stepsOf(file: File): Pair<String, List<JsonObject>> {
    val doc = Json.parseToJsonElement(file.readText()).jsonObject
    val steps = mutableListOf<JsonObject>()
    (doc["include"] as? JsonArray)?.forEach { steps += stepsOf(File(file.parentFile, it.jsonPrimitive.content)).second }
    (doc["steps"] as? JsonArray)?.forEach { steps += it.jsonObject }
    return (doc["clock"]?.jsonPrimitive?.content ?: "2026-11-02T07:00:00Z") to steps
}

fun lookup(saved: Map<String, JsonElement>, reference: String): JsonElement {
    val parts = reference.split(".")
    var value: JsonElement = saved[parts[0]] ?: fail("nothing saved as ${parts[0]}")
    for (part in parts.drop(1)) {
        value = when (value) {
            is JsonArray -> value[part.toInt()]
            is JsonObject -> value[part] ?: fail("no $part in $reference")
            else -> fail("$reference: $part of a plain value")
        }
    }
    return value
}

fun substitute(value: JsonElement, saved: Map<String, JsonElement>): JsonElement = when (value) {
    is JsonPrimitive -> if (value.isString && value.content.startsWith("$")) lookup(saved, value.content.drop(1)) else value
    is JsonArray -> JsonArray(value.map { substitute(it, saved) })
    is JsonObject -> JsonObject(value.mapValues { substitute(it.value, saved) })
}

/** Whether `actual` has everything `expected` has (objects may hold more). */
fun matches(expected: JsonElement, actual: JsonElement): Boolean = when (expected) {
    is JsonArray -> actual is JsonArray && expected.size == actual.size && expected.indices.all { matches(expected[it], actual[it]) }
    is JsonObject -> actual is JsonObject && expected.all { (k, v) -> k in actual && matches(v, actual[k]!!) }
    else -> expected == actual
}

/** What a replay did: its steps, its refusals, and what it saved by name. */
data class Replay(val steps: Int, val refused: Int, val saved: Map<String, JsonElement>)

/** Replays a scenario file on [engine] (a new in-memory one on the file's clock by default). */
fun replay(file: File, engine: Engine? = null): Pair<Engine, Replay> {
    val (clock, steps) = stepsOf(file)
    val eng = engine ?: Engine.openMemory(Engine.fixedClock(Instant.parse(clock)))
    val saved = mutableMapOf<String, JsonElement>()
    var refused = 0
    steps.forEachIndexed { i, step ->
        val where = "${file.name} step ${i + 1}"
        step["clock"]?.let { eng.setClock(Instant.parse(it.jsonPrimitive.content)) }
        val request = step["do"] ?: return@forEachIndexed
        val actor = substitute(step["as"] ?: JsonPrimitive("System"), saved)
        val expect = substitute(step["expect"] ?: JsonObject(mapOf("ok" to JsonPrimitive(true))), saved).jsonObject
        val result = try {
            Json.parseToJsonElement(eng.callJson(actor.toString(), substitute(request, saved).toString()))
        } catch (e: TehoException) {
            val wanted = expect["error"] ?: fail("$where: expected success, got ${e.kind} (${e.message})")
            assertEquals(wanted.jsonPrimitive.content, e.kind, "$where: ${e.message}")
            expect["reason"]?.let { assertEquals(it.jsonPrimitive.content, (e as TehoException.AccessDenied).reason, "$where: reason") }
            refused += 1
            return@forEachIndexed
        }
        assertTrue("error" !in expect, "$where: expected ${expect["error"]}, got $result")
        expect["len"]?.let { assertEquals(it.jsonPrimitive.content.toInt(), (result as JsonArray).size, "$where: $result") }
        val ok = expect["ok"]
        if (ok != null && ok != JsonPrimitive(true) && ok != JsonNull) {
            assertTrue(matches(ok, result), "$where: expected $ok, got $result")
        }
        step["save"]?.let { saved[it.jsonPrimitive.content] = result }
    }
    return eng to Replay(steps.size, refused, saved)
}
