package ee.tallinn.teho

import java.io.File
import java.util.UUID
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonElement
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive
import kotlinx.serialization.json.buildJsonObject
import kotlinx.serialization.json.jsonPrimitive

/** The scenarios' town (tests/scenarios/town.json) in a new in-memory engine: an engine
 * and what the town saved by name (workers, organisations, the client, her file…). */
class Town(engine: Engine? = null) : AutoCloseable {
    val engine: Engine
    val saved: Map<String, JsonElement>

    init {
        val (eng, run) = replay(File(SCENARIOS, "town.json"), engine)
        this.engine = eng
        saved = run.saved
    }

    /** The id saved as `reference` (`sw.id`, `boot.1.id`, `file.id`). */
    fun id(reference: String): String = lookup(saved, reference).jsonPrimitive.content

    /** The worker saved as [name], as an actor. */
    fun worker(name: String): Actor.Worker = Actor.Worker(WorkerId(UUID.fromString(id("$name.id"))))

    /** Runs [command] with [args] (JSON values) as [actor]; the result as JSON. */
    fun call(actor: Actor, command: String, args: Map<String, Any?> = emptyMap()): JsonElement =
        engine.call(actor, request(command, args))

    override fun close() = engine.close()
}

/** A request `{"command", "args"}`; each argument a JsonElement, a String, a number or null. */
fun request(command: String, args: Map<String, Any?>): JsonObject = buildJsonObject {
    put("command", JsonPrimitive(command))
    if (args.isNotEmpty()) put("args", JsonObject(args.mapValues { (_, v) -> json(v) }))
}

fun json(v: Any?): JsonElement = when (v) {
    null -> kotlinx.serialization.json.JsonNull
    is JsonElement -> v
    is String -> JsonPrimitive(v)
    is Number -> JsonPrimitive(v)
    is Boolean -> JsonPrimitive(v)
    else -> Json.parseToJsonElement(v.toString())
}
