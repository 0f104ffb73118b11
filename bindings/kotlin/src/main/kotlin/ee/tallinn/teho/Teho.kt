// TEHO for Kotlin and the JVM: the engine, who acts, the errors and the host's ports.
// The typed method per engine command and the type per result and input are generated
// (Api.kt, from schemas/api.json); this file is written by hand.
package ee.tallinn.teho

import java.time.Instant
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonArray
import kotlinx.serialization.json.JsonElement
import kotlinx.serialization.json.JsonNull
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive
import kotlinx.serialization.json.buildJsonObject
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive
import kotlinx.serialization.json.longOrNull
import ee.tallinn.teho.ffi.Engine as FfiEngine
import ee.tallinn.teho.ffi.EngineClock
import ee.tallinn.teho.ffi.FeedFormat
import ee.tallinn.teho.ffi.FfiException
import ee.tallinn.teho.ffi.InternalException
import ee.tallinn.teho.ffi.NoticeFeed
import ee.tallinn.teho.ffi.NoticeSource

/** Who acts in a call: the acting user is an input of every engine call. */
sealed class Actor {
    /** The actor as the engine reads it (`"System"`, `{"Worker": id}`, …). */
    abstract fun toJson(): JsonElement

    /** The operator of the installation (bootstrap, audit verification, imports). */
    data object System : Actor() {
        override fun toJson(): JsonElement = JsonPrimitive("System")
    }

    /** A worker acting in their employment, for the client's care. */
    data class Worker(val id: WorkerId) : Actor() {
        override fun toJson(): JsonElement = buildJsonObject { put("Worker", id.toJson()) }
    }

    /** The client, or a relative, guardian or informal carer, acting as themselves. */
    data class Person(val id: PersonId) : Actor() {
        override fun toJson(): JsonElement = buildJsonObject { put("Person", id.toJson()) }
    }

    /** A supervisor reading for state supervision, with the supervision case reference
     * (seed 002 §17(4): the purpose is recorded in the audit). */
    data class Supervising(val worker: WorkerId, val caseReference: String) : Actor() {
        override fun toJson(): JsonElement = buildJsonObject {
            put("Supervising", buildJsonObject {
                put("worker", worker.toJson())
                put("case_reference", JsonPrimitive(caseReference))
            })
        }
    }
}

/**
 * An error of the engine: one class per kind, each with its fields. The message is the
 * engine's, in English, and never holds personal data; a value that may be personal (a
 * personal code that failed to parse, a refused field's value) is in its field only.
 */
sealed class TehoException(
    /** The engine's code for the kind (`access_denied`, `not_found`, …). */
    val kind: String,
    message: String,
    /** Every field of the error, as the engine reports it. */
    val details: JsonObject,
) : Exception(message) {
    protected fun text(name: String): String = (details[name] as? JsonPrimitive)?.takeIf { it.isString }?.content ?: ""
    protected fun textOrNull(name: String): String? = (details[name] as? JsonPrimitive)?.takeIf { it.isString }?.content

    /** A personal code (isikukood) failed to parse: which rule ([variant]), why, and the value. */
    class InvalidPersonalCode(message: String, details: JsonObject) : TehoException("invalid_personal_code", message, details) {
        val variant: String get() = text("variant")
        val problem: String get() = text("problem")
        /** The code given (personal data: never in the message). */
        val value: String? get() = textOrNull("value")
    }

    /** A recurrence rule outside the supported RRULE subset, or malformed. */
    class InvalidRecurrence(message: String, details: JsonObject) : TehoException("invalid_recurrence", message, details) {
        val variant: String get() = text("variant")
    }

    /** An ICF code that is malformed or of the body-structure (s) kind. */
    class InvalidIcf(message: String, details: JsonObject) : TehoException("invalid_icf", message, details) {
        val variant: String get() = text("variant")
    }

    /** A field had a value the rules do not admit. */
    class InvalidInput(message: String, details: JsonObject) : TehoException("invalid_input", message, details) {
        val field: String get() = text("field")
        /** The value given (it may be personal data: never in the message). */
        val value: String get() = text("value")
        val problem: String get() = text("problem")
    }

    /** A period whose end lies before its start. */
    class InvalidPeriod(message: String, details: JsonObject) : TehoException("invalid_period", message, details) {
        val what: String get() = text("what")
        val from: String get() = text("from")
        val until: String get() = text("until")
    }

    /** A visit marked not done needs a coded reason, and text when the reason is `Other`. */
    class ReasonRequired(message: String, details: JsonObject) : TehoException("reason_required", message, details) {
        val problem: String get() = text("problem")
    }

    /** The one door refused the call: the action, the deny reason and its explanation. */
    class AccessDenied(message: String, details: JsonObject) : TehoException("access_denied", message, details) {
        val action: String get() = text("action")
        /** The deny reason's name (`NotAMember`, `NotEmployed`, …). */
        val reason: String get() = text("reason")
        /** The reason in words, with its dates. */
        val explanation: String get() = text("explanation")
        /** The deny reason with its fields. */
        val reasonDetail: JsonElement get() = details["reason_detail"] ?: JsonNull
    }

    /** An object the call names does not exist. */
    class NotFound(message: String, details: JsonObject) : TehoException("not_found", message, details) {
        /** The kind of object (`worker`, `client file`, …). */
        val objectKind: String get() = text("kind")
        val id: String get() = text("id")
        /** The key looked for when it is personal data (a personal code). */
        val value: String? get() = textOrNull("value")
    }

    /** The call would contradict what is already recorded. */
    class Conflict(message: String, details: JsonObject) : TehoException("conflict", message, details) {
        val objectKind: String get() = text("kind")
        val id: String get() = text("id")
        val problem: String get() = text("problem")
    }

    /** The store is already initialised; bootstrap runs once. */
    class AlreadyInitialized(message: String, details: JsonObject) : TehoException("already_initialized", message, details)

    /** The database was written by a newer TEHO than this one. */
    class SchemaTooNew(message: String, details: JsonObject) : TehoException("schema_too_new", message, details) {
        val found: Long get() = (details["found"] as? JsonPrimitive)?.longOrNull ?: 0
        val supported: Long get() = (details["supported"] as? JsonPrimitive)?.longOrNull ?: 0
    }

    /** The file or schema opened is not a TEHO database, and was left as it was. */
    class NotATehoDatabase(message: String, details: JsonObject) : TehoException("not_a_teho_database", message, details) {
        val problem: String get() = text("problem")
    }

    /** The storage failed (I/O, corruption, lock timeout), or a callback of the host did. */
    class Storage(message: String, details: JsonObject) : TehoException("storage", message, details) {
        val problem: String get() = text("message")
    }

    /** A bug, or a panic inside the engine turned into this exception. */
    class Internal(message: String, details: JsonObject) : TehoException("internal", message, details) {
        val problem: String get() = text("message")
    }

    /** A kind this version of the binding does not know (a newer engine). */
    class Other(kind: String, message: String, details: JsonObject) : TehoException(kind, message, details)

    companion object {
        /** The exception of an error reported as `kind`, `message`, `details`. */
        fun of(kind: String, message: String, details: JsonObject): TehoException = when (kind) {
            "invalid_personal_code" -> InvalidPersonalCode(message, details)
            "invalid_recurrence" -> InvalidRecurrence(message, details)
            "invalid_icf" -> InvalidIcf(message, details)
            "invalid_input" -> InvalidInput(message, details)
            "invalid_period" -> InvalidPeriod(message, details)
            "reason_required" -> ReasonRequired(message, details)
            "access_denied" -> AccessDenied(message, details)
            "not_found" -> NotFound(message, details)
            "conflict" -> Conflict(message, details)
            "already_initialized" -> AlreadyInitialized(message, details)
            "schema_too_new" -> SchemaTooNew(message, details)
            "not_a_teho_database" -> NotATehoDatabase(message, details)
            "storage" -> Storage(message, details)
            "internal" -> Internal(message, details)
            else -> Other(kind, message, details)
        }

        /** The exception of an error as JSON `{kind, message, details}` (a batch's). */
        fun of(error: JsonObject): TehoException = of(
            error["kind"]?.jsonPrimitive?.content ?: "internal",
            error["message"]?.jsonPrimitive?.content ?: "",
            error["details"] as? JsonObject ?: JsonObject(emptyMap()),
        )
    }
}

/** Runs `work` on the native library; its errors become [TehoException]s. */
private inline fun <T> native(work: () -> T): T = try {
    work()
} catch (e: FfiException.Failure) {
    val details = runCatching { Json.parseToJsonElement(e.details).jsonObject }.getOrDefault(JsonObject(emptyMap()))
    throw TehoException.of(e.kind, e.text, details)
} catch (e: InternalException) {
    throw TehoException.Internal("internal error: ${e.message}", JsonObject(emptyMap()))
}

/** The host's clock: the engine asks it for the time at every call. */
typealias ClockSource = ee.tallinn.teho.ffi.ClockSource

/** The host's population-register feed (rahvastikuregister): the death notices and
 * disability-severity endings it has now. */
fun interface PopulationRegister {
    /** The notices available now. */
    fun fetch(): List<RegisterNotice>
}

/** The results of a batch's requests done, and the error of the one that failed, if one did. */
data class BatchResult(val results: List<JsonElement>, val error: TehoException?)

/**
 * An open TEHO store and its engine: one typed method per engine command (see
 * [Commands]), each authorized, audited and done in one transaction. Safe to call from
 * many threads at once. Close it (or use `use {}`) to release the store.
 */
class Engine private constructor(private val ffi: FfiEngine) : Commands(), AutoCloseable {
    companion object {
        /** Opens the TEHO database at [location], a SQLite file or a `postgresql://` URL;
         * never creates one ([TehoException.NotATehoDatabase] otherwise). */
        @JvmStatic
        @JvmOverloads
        fun open(location: String, clock: EngineClock = EngineClock.System): Engine =
            Engine(native { FfiEngine.open(location, clock) })

        /** Creates a new TEHO database at [location] (a missing or empty file, or an
         * empty PostgreSQL schema). */
        @JvmStatic
        @JvmOverloads
        fun create(location: String, clock: EngineClock = EngineClock.System): Engine =
            Engine(native { FfiEngine.create(location, clock) })

        /** A private store in memory, gone with the engine. */
        @JvmStatic
        @JvmOverloads
        fun openMemory(clock: EngineClock = EngineClock.System): Engine =
            Engine(native { FfiEngine.openMemory(clock) })

        /** A clock standing at [at] until [Engine.setClock] moves it, with sequential ids. */
        @JvmStatic
        fun fixedClock(at: Instant): EngineClock = EngineClock.Fixed(at)

        /** The host's own clock, with time-ordered ids. */
        @JvmStatic
        fun clockOf(source: ClockSource): EngineClock = EngineClock.Source(source)

        /** Parses an Estonian personal code: its canonical text, or
         * [TehoException.InvalidPersonalCode] with the rule it breaks. */
        @JvmStatic
        fun personalCode(code: String): PersonalCode {
            val parsed = Json.parseToJsonElement(native { ee.tallinn.teho.ffi.parsePersonalCode(code) }).jsonObject
            return PersonalCode(parsed["code"]!!.jsonPrimitive.content)
        }

        /** Parses a recurrence rule (the RRULE subset TEHO accepts): its canonical text, or
         * [TehoException.InvalidRecurrence] naming the part. */
        @JvmStatic
        fun parseRecurrence(text: String): String = native { ee.tallinn.teho.ffi.parseRecurrence(text) }

        /** The version of the SQLite compiled into the native library. */
        @JvmStatic
        fun sqliteVersion(): String = ee.tallinn.teho.ffi.sqliteVersion()
    }

    /** Runs one request `{"command": …, "args": …}` as [actor]; the result as JSON. */
    override fun call(actor: Actor, request: JsonObject): JsonElement =
        Json.parseToJsonElement(native { ffi.call(actor.toJson().toString(), request.toString()) })

    /** Runs one request given as JSON text as an actor given as JSON text; the result as
     * JSON text (for hosts that hold requests as data, such as scenario files). */
    fun callJson(actor: String, request: String): String = native { ffi.call(actor, request) }

    /** Runs [requests] in order as one batch, in one transaction: the results of those done
     * and the error of the one that failed. If the batch cannot be committed, throws. */
    fun callMany(actor: Actor, requests: List<JsonObject>): BatchResult {
        val out = Json.parseToJsonElement(native { ffi.callMany(actor.toJson().toString(), JsonArray(requests).toString()) }).jsonObject
        val error = out["error"]?.takeIf { it != JsonNull }?.jsonObject?.let { TehoException.of(it) }
        return BatchResult((out["results"] as? JsonArray)?.toList() ?: emptyList(), error)
    }

    /** Pulls what [register] has now and imports it as [actor] (idempotent: a notice seen
     * before is counted, not applied again): deaths cascade through the client's file. */
    fun importNoticesFrom(actor: Actor, register: PopulationRegister): ImportReport {
        val source = object : NoticeSource {
            override fun fetch(): NoticeFeed =
                NoticeFeed(FeedFormat.JSON_LINES, register.fetch().joinToString("\n") { it.toJson().toString() })
        }
        val report = native { ffi.importNoticesFrom(actor.toJson().toString(), source) }
        return ImportReport.fromJson(Json.parseToJsonElement(report))
    }

    /** Moves a fixed clock to [instant]; refused ([TehoException.InvalidInput]) on the
     * system or the host's clock. */
    fun setClock(instant: Instant) = native { ffi.setClock(instant) }

    /** Why the checkpoint sink last failed to keep a checkpoint, while it keeps failing. */
    fun checkpointFailure(): String? = ffi.checkpointFailure()

    /** Test hook: the next id the engine asks for panics inside whatever call asks, to
     * show such a panic rolled back, audited and thrown as [TehoException.Internal]. */
    fun failNextIdForTests() = ffi.failNextIdForTests()

    /** Releases the store. */
    override fun close() = ffi.close()
}
