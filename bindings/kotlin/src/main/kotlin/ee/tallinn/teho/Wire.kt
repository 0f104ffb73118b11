// The JSON codecs of single values that the generated Api.kt calls: each reader takes the
// JSON path of its value and names it when the value does not fit. Only the runtime
// JsonElement API of kotlinx-serialization-json is used (no compiler plugin).

package ee.tallinn.teho

import java.time.Instant
import java.time.LocalDate
import java.time.LocalDateTime
import java.time.LocalTime
import java.time.DateTimeException
import java.time.OffsetDateTime
import java.time.ZoneOffset
import java.time.format.DateTimeFormatter
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

/**
 * Where a value sits in a JSON document (`$.items[2].start`), for [WireException]'s
 * messages. Each step is one small object; the text is built only when a message needs it.
 */
class JsonPath private constructor(private val parent: JsonPath?, private val key: String?, private val index: Int) {
    /** The path of field [key] of the object here. */
    fun dot(key: String): JsonPath = JsonPath(this, key, -1)

    /** The path of item [index] of the array here. */
    fun at(index: Int): JsonPath = JsonPath(this, null, index)

    override fun toString(): String = StringBuilder().also { write(it) }.toString()

    private fun write(out: StringBuilder) {
        if (parent == null) {
            out.append('$')
            return
        }
        parent.write(out)
        if (key != null) out.append('.').append(key) else out.append('[').append(index).append(']')
    }

    companion object {
        /** The document itself, `$`. */
        val ROOT = JsonPath(null, null, -1)
    }
}

internal object Wire {
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

    private fun mismatch(json: JsonElement?, path: JsonPath, expected: String): WireException =
        WireException("$path: expected $expected, found ${kind(json)}")

    fun unknownVariant(path: JsonPath, tag: String, type: String): WireException =
        WireException("$path: \"$tag\" is not a variant of $type")

    fun decodeObject(json: JsonElement, path: JsonPath): JsonObject =
        json as? JsonObject ?: throw mismatch(json, path, "an object")

    /** A required field of [obj] (which is at [path]); it may be JSON null. */
    fun field(obj: JsonObject, name: String, path: JsonPath): JsonElement =
        obj[name] ?: throw WireException("$path.$name: missing (a required field)")

    private fun primitive(json: JsonElement, path: JsonPath, expected: String, string: Boolean): String {
        if (json !is JsonPrimitive || json is JsonNull || json.isString != string) throw mismatch(json, path, expected)
        return json.content
    }

    fun decodeString(json: JsonElement, path: JsonPath): String = primitive(json, path, "a string", true)

    fun decodeBoolean(json: JsonElement, path: JsonPath): Boolean =
        when (primitive(json, path, "a boolean", false)) {
            "true" -> true
            "false" -> false
            else -> throw mismatch(json, path, "a boolean")
        }

    fun decodeLong(json: JsonElement, path: JsonPath): Long =
        primitive(json, path, "an integer", false).toLongOrNull() ?: throw mismatch(json, path, "a 64-bit integer")

    fun decodeInt(json: JsonElement, path: JsonPath): Int {
        val long = decodeLong(json, path)
        if (long < Int.MIN_VALUE || long > Int.MAX_VALUE) throw WireException("$path: an integer out of the 32-bit range")
        return long.toInt()
    }

    fun decodeDouble(json: JsonElement, path: JsonPath): Double =
        primitive(json, path, "a number", false).toDoubleOrNull() ?: throw mismatch(json, path, "a number")

    fun decodeUuid(json: JsonElement, path: JsonPath): UUID {
        val text = decodeString(json, path)
        return uuidOf(text) ?: throw WireException("$path: expected a UUID (8-4-4-4-12 hex digits)")
    }

    /** The UUID written as 8-4-4-4-12 hex digits in [text]; null for any other text. */
    fun uuidOf(text: String): UUID? {
        if (text.length != 36) return null
        var high = 0L
        var low = 0L
        for (i in 0 until 36) {
            val c = text[i]
            if (i == 8 || i == 13 || i == 18 || i == 23) {
                if (c != '-') return null
                continue
            }
            val digit = when (c) {
                in '0'..'9' -> c - '0'
                in 'a'..'f' -> c - 'a' + 10
                in 'A'..'F' -> c - 'A' + 10
                else -> return null
            }
            if (i < 18) high = (high shl 4) or digit.toLong() else low = (low shl 4) or digit.toLong()
        }
        return UUID(high, low)
    }

    /** A calendar day, `2026-10-05`. */
    fun decodeDate(json: JsonElement, path: JsonPath): LocalDate =
        parse(json, path, "a date (2026-10-05)") { fastDate(it) ?: LocalDate.parse(it) }

    /** An instant in RFC 3339, `2026-10-05T06:00:00Z` (any offset is taken). */
    fun decodeInstant(json: JsonElement, path: JsonPath): Instant =
        parse(json, path, "an RFC 3339 instant (2026-10-05T06:00:00Z)") { fastInstant(it) ?: OffsetDateTime.parse(it).toInstant() }

    /** A local date and time with no zone, `2026-10-05T09:00:00`. */
    fun decodeLocalDateTime(json: JsonElement, path: JsonPath): LocalDateTime =
        parse(json, path, "a local date and time (2026-10-05T09:00:00)") { fastDateTime(it) ?: LocalDateTime.parse(it) }

    private fun <T> parse(json: JsonElement, path: JsonPath, expected: String, read: (String) -> T): T {
        val text = decodeString(json, path)
        return try {
            read(text)
        } catch (e: DateTimeException) {
            throw WireException("$path: expected $expected")
        }
    }

    // What the engine writes (chrono's forms) is read by hand; anything else goes to
    // java.time's parsers, which accept the same and more. Both refuse an impossible day
    // or time with a DateTimeException.

    /** The number of [length] digits at [from] in [text]; -1 if one is not a digit. */
    private fun digits(text: String, from: Int, length: Int): Int {
        var n = 0
        for (i in from until from + length) {
            val d = text[i] - '0'
            if (d < 0 || d > 9) return -1
            n = n * 10 + d
        }
        return n
    }

    /** `YYYY-MM-DD` at the start of [text] (and all of it when [whole]), or null. */
    private fun fastDate(text: String, whole: Boolean = true): LocalDate? {
        if (text.length < 10 || (whole && text.length != 10) || text[4] != '-' || text[7] != '-') return null
        val (y, m, d) = Triple(digits(text, 0, 4), digits(text, 5, 2), digits(text, 8, 2))
        if (y < 0 || m < 0 || d < 0) return null
        return LocalDate.of(y, m, d)
    }

    /** `YYYY-MM-DDTHH:MM:SS` at the start of [text] (and all of it when [whole]), or null. */
    private fun fastDateTime(text: String, whole: Boolean = true): LocalDateTime? {
        if (text.length < 19 || (whole && text.length != 19)) return null
        if (text[10] != 'T' || text[13] != ':' || text[16] != ':') return null
        val date = fastDate(text, whole = false) ?: return null
        val (h, min, s) = Triple(digits(text, 11, 2), digits(text, 14, 2), digits(text, 17, 2))
        if (h < 0 || min < 0 || s < 0) return null
        return LocalDateTime.of(date, LocalTime.of(h, min, s))
    }

    /** `YYYY-MM-DDTHH:MM:SS[.fraction]Z` in UTC, or null. */
    private fun fastInstant(text: String): Instant? {
        val n = text.length
        if (n < 20 || text[n - 1] != 'Z') return null
        val local = fastDateTime(text, whole = false) ?: return null
        var nanos = 0
        if (n > 20) {
            val places = n - 21
            if (text[19] != '.' || places < 1 || places > 9) return null
            val fraction = digits(text, 20, places)
            if (fraction < 0) return null
            nanos = fraction
            repeat(9 - places) { nanos *= 10 }
        }
        return local.toInstant(ZoneOffset.UTC).plusNanos(nanos.toLong())
    }

    fun <T> decodeList(json: JsonElement, path: JsonPath, item: (JsonElement, JsonPath) -> T): List<T> {
        val array = json as? JsonArray ?: throw mismatch(json, path, "an array")
        return array.mapIndexed { i, element -> item(element, path.at(i)) }
    }

    fun <T> decodeMap(json: JsonElement, path: JsonPath, value: (JsonElement, JsonPath) -> T): Map<String, T> =
        decodeObject(json, path).mapValues { (key, element) -> value(element, path.dot(key)) }

    private fun tuple(json: JsonElement, path: JsonPath, size: Int): JsonArray {
        val array = json as? JsonArray ?: throw mismatch(json, path, "an array of $size")
        if (array.size != size) throw WireException("$path: expected an array of $size, found ${array.size}")
        return array
    }

    fun <A, B> decodePair(
        json: JsonElement, path: JsonPath,
        first: (JsonElement, JsonPath) -> A, second: (JsonElement, JsonPath) -> B,
    ): Pair<A, B> {
        val array = tuple(json, path, 2)
        return Pair(first(array[0], path.at(0)), second(array[1], path.at(1)))
    }

    fun <A, B, C> decodeTriple(
        json: JsonElement, path: JsonPath,
        first: (JsonElement, JsonPath) -> A, second: (JsonElement, JsonPath) -> B, third: (JsonElement, JsonPath) -> C,
    ): Triple<A, B, C> {
        val array = tuple(json, path, 3)
        return Triple(first(array[0], path.at(0)), second(array[1], path.at(1)), third(array[2], path.at(2)))
    }

    /** Null when [json] is absent (an optional field) or JSON null; else [value] of it. */
    fun <T : Any> decodeNullable(json: JsonElement?, path: JsonPath, value: (JsonElement, JsonPath) -> T): T? =
        if (json == null || json is JsonNull) null else value(json, path)

    /**
     * An enum in serde's externally tagged form: `"Variant"` (content null) or
     * `{"Variant": content}`.
     */
    fun decodeVariant(json: JsonElement, path: JsonPath): Pair<String, JsonElement?> = when {
        json is JsonPrimitive && json.isString -> Pair(json.content, null)
        json is JsonObject && json.size == 1 -> json.entries.first().let { Pair(it.key, it.value) }
        else -> throw mismatch(json, path, "an enum variant (\"Variant\" or {\"Variant\": …})")
    }

    /** The name of a unit variant: `"Variant"` (or `{"Variant": null}`). */
    fun decodeUnitVariant(json: JsonElement, path: JsonPath): String {
        val (tag, content) = decodeVariant(json, path)
        decodeUnitContent(content, path.dot(tag))
        return tag
    }

    /** A unit variant carries nothing. */
    fun decodeUnitContent(content: JsonElement?, path: JsonPath) {
        if (content != null && content !is JsonNull) throw mismatch(content, path, "nothing (a variant without data)")
    }

    /** A variant with data must carry it. */
    fun decodeContent(content: JsonElement?, path: JsonPath): JsonElement =
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
