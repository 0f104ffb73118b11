// The JSON codecs of single values that the generated Api.kt calls: each reader takes the
// JSON path of its value and names it when the value does not fit. Only the runtime
// JsonElement API of kotlinx-serialization-json is used (no compiler plugin).

package ee.tallinn.teho

import java.time.Instant
import java.time.LocalDate
import java.time.LocalDateTime
import java.time.OffsetDateTime
import java.time.format.DateTimeFormatter
import java.time.format.DateTimeParseException
import java.util.UUID
import kotlinx.serialization.json.JsonArray
import kotlinx.serialization.json.JsonElement
import kotlinx.serialization.json.JsonNull
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive

/**
 * JSON that does not have the shape a TEHO type needs: a required field missing, a value of
 * the wrong type, an unknown enum variant. The message starts with the JSON path
 * (`$.items[2].start`) and names what was expected and the kind of JSON found, never the
 * value itself (it may be personal data).
 */
class WireException(message: String) : RuntimeException(message)

internal object Wire {
    private val UUID_TEXT = Regex("^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")

    // -- reading -------------------------------------------------------------------------

    /** What kind of JSON [json] is, for messages. */
    private fun kind(json: JsonElement?): String = when (json) {
        null -> "nothing"
        is JsonNull -> "null"
        is JsonObject -> "an object"
        is JsonArray -> "an array"
        is JsonPrimitive -> when {
            json.isString -> "a string"
            json.content == "true" || json.content == "false" -> "a boolean"
            else -> "a number"
        }
    }

    private fun mismatch(json: JsonElement?, path: String, expected: String): WireException =
        WireException("$path: expected $expected, found ${kind(json)}")

    fun unknownVariant(path: String, tag: String, type: String): WireException =
        WireException("$path: \"$tag\" is not a variant of $type")

    fun decodeObject(json: JsonElement, path: String): JsonObject =
        json as? JsonObject ?: throw mismatch(json, path, "an object")

    /** A required field of [obj] (which is at [path]); it may be JSON null. */
    fun field(obj: JsonObject, name: String, path: String): JsonElement =
        obj[name] ?: throw WireException("$path.$name: missing (a required field)")

    private fun primitive(json: JsonElement, path: String, expected: String, string: Boolean): String {
        if (json !is JsonPrimitive || json is JsonNull || json.isString != string) throw mismatch(json, path, expected)
        return json.content
    }

    fun decodeString(json: JsonElement, path: String): String = primitive(json, path, "a string", true)

    fun decodeBoolean(json: JsonElement, path: String): Boolean =
        when (primitive(json, path, "a boolean", false)) {
            "true" -> true
            "false" -> false
            else -> throw mismatch(json, path, "a boolean")
        }

    fun decodeLong(json: JsonElement, path: String): Long =
        primitive(json, path, "an integer", false).toLongOrNull() ?: throw mismatch(json, path, "a 64-bit integer")

    fun decodeInt(json: JsonElement, path: String): Int {
        val long = decodeLong(json, path)
        if (long < Int.MIN_VALUE || long > Int.MAX_VALUE) throw WireException("$path: an integer out of the 32-bit range")
        return long.toInt()
    }

    fun decodeDouble(json: JsonElement, path: String): Double =
        primitive(json, path, "a number", false).toDoubleOrNull() ?: throw mismatch(json, path, "a number")

    fun decodeUuid(json: JsonElement, path: String): UUID {
        val text = decodeString(json, path)
        if (!UUID_TEXT.matches(text)) throw WireException("$path: expected a UUID (8-4-4-4-12 hex digits)")
        return UUID.fromString(text)
    }

    /** A calendar day, `2026-10-05`. */
    fun decodeDate(json: JsonElement, path: String): LocalDate =
        parse(json, path, "a date (2026-10-05)") { LocalDate.parse(it) }

    /** An instant in RFC 3339, `2026-10-05T06:00:00Z` (any offset is taken). */
    fun decodeInstant(json: JsonElement, path: String): Instant =
        parse(json, path, "an RFC 3339 instant (2026-10-05T06:00:00Z)") { OffsetDateTime.parse(it).toInstant() }

    /** A local date and time with no zone, `2026-10-05T09:00:00`. */
    fun decodeLocalDateTime(json: JsonElement, path: String): LocalDateTime =
        parse(json, path, "a local date and time (2026-10-05T09:00:00)") { LocalDateTime.parse(it) }

    private fun <T> parse(json: JsonElement, path: String, expected: String, read: (String) -> T): T {
        val text = decodeString(json, path)
        return try {
            read(text)
        } catch (e: DateTimeParseException) {
            throw WireException("$path: expected $expected")
        }
    }

    fun <T> decodeList(json: JsonElement, path: String, item: (JsonElement, String) -> T): List<T> {
        val array = json as? JsonArray ?: throw mismatch(json, path, "an array")
        return array.mapIndexed { i, element -> item(element, "$path[$i]") }
    }

    fun <T> decodeMap(json: JsonElement, path: String, value: (JsonElement, String) -> T): Map<String, T> =
        decodeObject(json, path).mapValues { (key, element) -> value(element, "$path.$key") }

    private fun tuple(json: JsonElement, path: String, size: Int): JsonArray {
        val array = json as? JsonArray ?: throw mismatch(json, path, "an array of $size")
        if (array.size != size) throw WireException("$path: expected an array of $size, found ${array.size}")
        return array
    }

    fun <A, B> decodePair(
        json: JsonElement, path: String,
        first: (JsonElement, String) -> A, second: (JsonElement, String) -> B,
    ): Pair<A, B> {
        val array = tuple(json, path, 2)
        return Pair(first(array[0], "$path[0]"), second(array[1], "$path[1]"))
    }

    fun <A, B, C> decodeTriple(
        json: JsonElement, path: String,
        first: (JsonElement, String) -> A, second: (JsonElement, String) -> B, third: (JsonElement, String) -> C,
    ): Triple<A, B, C> {
        val array = tuple(json, path, 3)
        return Triple(first(array[0], "$path[0]"), second(array[1], "$path[1]"), third(array[2], "$path[2]"))
    }

    /** Null when [json] is absent (an optional field) or JSON null; else [value] of it. */
    fun <T : Any> decodeNullable(json: JsonElement?, path: String, value: (JsonElement, String) -> T): T? =
        if (json == null || json is JsonNull) null else value(json, path)

    /**
     * An enum in serde's externally tagged form: `"Variant"` (content null) or
     * `{"Variant": content}`.
     */
    fun decodeVariant(json: JsonElement, path: String): Pair<String, JsonElement?> = when {
        json is JsonPrimitive && json.isString -> Pair(json.content, null)
        json is JsonObject && json.size == 1 -> json.entries.first().let { Pair(it.key, it.value) }
        else -> throw mismatch(json, path, "an enum variant (\"Variant\" or {\"Variant\": …})")
    }

    /** The name of a unit variant: `"Variant"` (or `{"Variant": null}`). */
    fun decodeUnitVariant(json: JsonElement, path: String): String {
        val (tag, content) = decodeVariant(json, path)
        decodeUnitContent(content, "$path.$tag")
        return tag
    }

    /** A unit variant carries nothing. */
    fun decodeUnitContent(content: JsonElement?, path: String) {
        if (content != null && content !is JsonNull) throw mismatch(content, path, "nothing (a variant without data)")
    }

    /** A variant with data must carry it. */
    fun decodeContent(content: JsonElement?, path: String): JsonElement =
        content ?: throw WireException("$path: missing (the variant carries data)")

    // -- writing -------------------------------------------------------------------------

    /**
     * An engine request, `{"command": name, "args": {…}}`; a command without arguments is a
     * unit variant and is sent without an `args` key.
     */
    fun request(command: String, vararg args: Pair<String, JsonElement?>): JsonObject =
        if (args.isEmpty()) encodeObject("command" to JsonPrimitive(command))
        else encodeObject("command" to JsonPrimitive(command), "args" to encodeObject(*args))

    /** An object of the fields that are not Kotlin null, in the given order. */
    fun encodeObject(vararg fields: Pair<String, JsonElement?>): JsonObject {
        val map = LinkedHashMap<String, JsonElement>()
        for ((key, value) in fields) if (value != null) map[key] = value
        return JsonObject(map)
    }

    fun encodeVariant(tag: String, content: JsonElement): JsonObject = JsonObject(mapOf(tag to content))

    fun encodeString(value: String): JsonElement = JsonPrimitive(value)

    fun encodeUuid(value: UUID): JsonElement = JsonPrimitive(value.toString())

    fun encodeDate(value: LocalDate): JsonElement = JsonPrimitive(DateTimeFormatter.ISO_LOCAL_DATE.format(value))

    /** RFC 3339 in UTC (`2026-10-05T06:00:00Z`), as chrono reads it. */
    fun encodeInstant(value: Instant): JsonElement = JsonPrimitive(value.toString())

    /** Always with seconds (`2026-10-05T09:00:00`): chrono's NaiveDateTime needs them. */
    fun encodeLocalDateTime(value: LocalDateTime): JsonElement =
        JsonPrimitive(DateTimeFormatter.ISO_LOCAL_DATE_TIME.format(value))

    fun <T> encodeList(value: List<T>, item: (T) -> JsonElement): JsonElement = JsonArray(value.map(item))

    fun <T> encodeMap(value: Map<String, T>, item: (T) -> JsonElement): JsonElement =
        JsonObject(value.mapValues { (_, v) -> item(v) })

    fun <A, B> encodePair(value: Pair<A, B>, first: (A) -> JsonElement, second: (B) -> JsonElement): JsonElement =
        JsonArray(listOf(first(value.first), second(value.second)))

    fun <A, B, C> encodeTriple(
        value: Triple<A, B, C>, first: (A) -> JsonElement, second: (B) -> JsonElement, third: (C) -> JsonElement,
    ): JsonElement = JsonArray(listOf(first(value.first), second(value.second), third(value.third)))

    /** JSON null for Kotlin null (serde reads it as `None`). */
    fun <T : Any> encodeNullable(value: T?, item: (T) -> JsonElement): JsonElement =
        if (value == null) JsonNull else item(value)
}
