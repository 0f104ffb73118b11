// The JSON value of the Swift binding and the codecs of single values that the generated
// Api.swift calls: each reader takes the JSON path of its value and names it when the value
// does not fit. Written by hand (the Swift twin of the Kotlin binding's Wire.kt).

import Foundation

/// A JSON value, as requests and results cross to and from the engine.
public enum JSONValue: Hashable, Sendable {
    case null
    case bool(Bool)
    /// A number written without a fraction or exponent that fits 64 bits.
    case int(Int64)
    /// Any other number.
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])
}

extension JSONValue {
    /// Parses JSON text (any value, not only an object or array).
    /// - Throws: `WireError` when the text is not JSON; the message never holds the text.
    public init(parsing text: String) throws {
        // Wrapped in an array so that a bare string, number or null parses on every
        // Foundation, whatever it thinks of top-level fragments.
        let data = Data(("[" + text + "]").utf8)
        let values: [JSONValue]
        do {
            values = try JSONDecoder().decode([JSONValue].self, from: data)
        } catch {
            throw WireError("$: not JSON text")
        }
        guard values.count == 1 else { throw WireError("$: not one JSON value") }
        self = values[0]
    }

    /// The JSON text of the value (object keys sorted, no spaces).
    public var jsonText: String {
        var out = ""
        JSONValue.write(self, into: &out)
        return out
    }

    /// The value of `key` when this is an object that has it.
    public subscript(key: String) -> JSONValue? {
        if case .object(let fields) = self { return fields[key] }
        return nil
    }

    /// The element at `index` when this is an array that long.
    public subscript(index: Int) -> JSONValue? {
        if case .array(let items) = self, items.indices.contains(index) { return items[index] }
        return nil
    }

    /// The text, when this is a string.
    public var stringValue: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    /// The elements, when this is an array.
    public var arrayValue: [JSONValue]? {
        if case .array(let items) = self { return items }
        return nil
    }

    /// The fields, when this is an object.
    public var objectValue: [String: JSONValue]? {
        if case .object(let fields) = self { return fields }
        return nil
    }

    private static func write(_ value: JSONValue, into out: inout String) {
        switch value {
        case .null:
            out += "null"
        case .bool(let flag):
            out += flag ? "true" : "false"
        case .int(let number):
            out += String(number)
        case .double(let number):
            // JSON has no infinities or NaN; serde reads null as no number.
            out += number.isFinite ? "\(number)" : "null"
        case .string(let text):
            writeString(text, into: &out)
        case .array(let items):
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += "," }
                write(item, into: &out)
            }
            out += "]"
        case .object(let fields):
            out += "{"
            for (i, key) in fields.keys.sorted().enumerated() {
                if i > 0 { out += "," }
                writeString(key, into: &out)
                out += ":"
                write(fields[key] ?? .null, into: &out)
            }
            out += "}"
        }
    }

    private static func writeString(_ text: String, into out: inout String) {
        out += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }
}

extension JSONValue: Codable {
    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        // The order matters: JSONDecoder reads a Bool only from true/false, an Int64 only
        // from a whole number that fits, so neither swallows the other.
        if container.decodeNil() {
            self = .null
        } else if let flag = try? container.decode(Bool.self) {
            self = .bool(flag)
        } else if let number = try? container.decode(Int64.self) {
            self = .int(number)
        } else if let number = try? container.decode(Double.self) {
            self = .double(number)
        } else if let text = try? container.decode(String.self) {
            self = .string(text)
        } else if let items = try? container.decode([JSONValue].self) {
            self = .array(items)
        } else if let fields = try? container.decode([String: JSONValue].self) {
            self = .object(fields)
        } else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not a JSON value")
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let flag): try container.encode(flag)
        case .int(let number): try container.encode(number)
        case .double(let number): try container.encode(number)
        case .string(let text): try container.encode(text)
        case .array(let items): try container.encode(items)
        case .object(let fields): try container.encode(fields)
        }
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        var fields: [String: JSONValue] = [:]
        for (key, value) in elements { fields[key] = value }
        self = .object(fields)
    }
}

extension JSONValue: CustomStringConvertible {
    public var description: String { jsonText }
}

/// JSON that does not have the shape a TEHO type needs: a required field missing, a value
/// of the wrong type, an unknown enum variant. The message starts with the JSON path
/// (`$.items[2].start`) and names what was expected and the kind of JSON found, never the
/// value itself (it may be personal data).
public struct WireError: Error, Hashable, CustomStringConvertible, LocalizedError {
    /// What does not fit, and where.
    public let message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }
    public var errorDescription: String? { message }
}

/// Two values, as a JSON array of two (a Rust tuple).
public struct Pair<A, B> {
    public let first: A
    public let second: B

    public init(_ first: A, _ second: B) {
        self.first = first
        self.second = second
    }
}

extension Pair: Equatable where A: Equatable, B: Equatable {}
extension Pair: Hashable where A: Hashable, B: Hashable {}

/// Three values, as a JSON array of three (a Rust tuple).
public struct Triple<A, B, C> {
    public let first: A
    public let second: B
    public let third: C

    public init(_ first: A, _ second: B, _ third: C) {
        self.first = first
        self.second = second
        self.third = third
    }
}

extension Triple: Equatable where A: Equatable, B: Equatable, C: Equatable {}
extension Triple: Hashable where A: Hashable, B: Hashable, C: Hashable {}

/// The codecs the generated types call.
enum Wire {
    // -- reading ---------------------------------------------------------------------------

    /// What kind of JSON `json` is, for messages.
    static func kind(_ json: JSONValue?) -> String {
        guard let json = json else { return "nothing" }
        switch json {
        case .null: return "null"
        case .bool: return "a boolean"
        case .int, .double: return "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }

    static func mismatch(_ json: JSONValue?, _ path: String, _ expected: String) -> WireError {
        WireError("\(path): expected \(expected), found \(kind(json))")
    }

    static func unknownVariant(_ path: String, _ tag: String, _ type: String) -> WireError {
        WireError("\(path): \"\(tag)\" is not a variant of \(type)")
    }

    static func decodeObject(_ json: JSONValue, _ path: String) throws -> [String: JSONValue] {
        guard case .object(let fields) = json else { throw mismatch(json, path, "an object") }
        return fields
    }

    /// A required field of `object` (which is at `path`); it may be JSON null.
    static func field(_ object: [String: JSONValue], _ name: String, _ path: String) throws -> JSONValue {
        guard let value = object[name] else { throw WireError("\(path).\(name): missing (a required field)") }
        return value
    }

    static func decodeString(_ json: JSONValue, _ path: String) throws -> String {
        guard case .string(let text) = json else { throw mismatch(json, path, "a string") }
        return text
    }

    static func decodeBool(_ json: JSONValue, _ path: String) throws -> Bool {
        guard case .bool(let flag) = json else { throw mismatch(json, path, "a boolean") }
        return flag
    }

    static func decodeInt(_ json: JSONValue, _ path: String) throws -> Int {
        guard case .int(let number) = json else { throw mismatch(json, path, "an integer") }
        guard let value = Int(exactly: number) else { throw WireError("\(path): an integer out of Int's range") }
        return value
    }

    static func decodeDouble(_ json: JSONValue, _ path: String) throws -> Double {
        switch json {
        case .int(let number): return Double(number)
        case .double(let number): return number
        default: throw mismatch(json, path, "a number")
        }
    }

    static func decodeUUID(_ json: JSONValue, _ path: String) throws -> UUID {
        let text = try decodeString(json, path)
        guard text.count == 36, let uuid = UUID(uuidString: text) else {
            throw WireError("\(path): expected a UUID (8-4-4-4-12 hex digits)")
        }
        return uuid
    }

    /// A calendar day, `2026-10-05`: year, month and day.
    static func decodeDate(_ json: JSONValue, _ path: String) throws -> DateComponents {
        let text = try decodeString(json, path)
        guard let day = WireTime.day(Array(text.utf8)) else { throw WireError("\(path): expected a date (2026-10-05)") }
        return DateComponents(year: day.year, month: day.month, day: day.day)
    }

    /// An instant in RFC 3339, `2026-10-05T06:00:00Z` (any offset is taken).
    static func decodeInstant(_ json: JSONValue, _ path: String) throws -> Date {
        let text = try decodeString(json, path)
        guard let date = WireTime.instant(text) else {
            throw WireError("\(path): expected an RFC 3339 instant (2026-10-05T06:00:00Z)")
        }
        return date
    }

    /// A local date and time with no zone, `2026-10-05T09:00:00`: year to second, and the
    /// nanosecond when the text has a fraction.
    static func decodeLocalDateTime(_ json: JSONValue, _ path: String) throws -> DateComponents {
        let text = try decodeString(json, path)
        guard let stamp = WireTime.dateTime(Array(text.utf8)), stamp.rest.isEmpty else {
            throw WireError("\(path): expected a local date and time (2026-10-05T09:00:00)")
        }
        var parts = DateComponents(
            year: stamp.year, month: stamp.month, day: stamp.day,
            hour: stamp.hour, minute: stamp.minute, second: stamp.second
        )
        if let nanosecond = stamp.nanosecond { parts.nanosecond = nanosecond }
        return parts
    }

    static func decodeList<T>(_ json: JSONValue, _ path: String, _ item: (JSONValue, String) throws -> T) throws -> [T] {
        guard case .array(let items) = json else { throw mismatch(json, path, "an array") }
        var out: [T] = []
        out.reserveCapacity(items.count)
        for (i, element) in items.enumerated() {
            out.append(try item(element, "\(path)[\(i)]"))
        }
        return out
    }

    static func decodeMap<T>(_ json: JSONValue, _ path: String, _ value: (JSONValue, String) throws -> T) throws -> [String: T] {
        var out: [String: T] = [:]
        for (key, element) in try decodeObject(json, path) {
            out[key] = try value(element, "\(path).\(key)")
        }
        return out
    }

    private static func tuple(_ json: JSONValue, _ path: String, _ size: Int) throws -> [JSONValue] {
        guard case .array(let items) = json else { throw mismatch(json, path, "an array of \(size)") }
        guard items.count == size else { throw WireError("\(path): expected an array of \(size), found \(items.count)") }
        return items
    }

    static func decodePair<A, B>(
        _ json: JSONValue, _ path: String,
        _ first: (JSONValue, String) throws -> A, _ second: (JSONValue, String) throws -> B
    ) throws -> Pair<A, B> {
        let items = try tuple(json, path, 2)
        return Pair(try first(items[0], "\(path)[0]"), try second(items[1], "\(path)[1]"))
    }

    static func decodeTriple<A, B, C>(
        _ json: JSONValue, _ path: String,
        _ first: (JSONValue, String) throws -> A, _ second: (JSONValue, String) throws -> B,
        _ third: (JSONValue, String) throws -> C
    ) throws -> Triple<A, B, C> {
        let items = try tuple(json, path, 3)
        return Triple(
            try first(items[0], "\(path)[0]"), try second(items[1], "\(path)[1]"), try third(items[2], "\(path)[2]")
        )
    }

    /// nil when `json` is absent (an optional field) or JSON null; else `value` of it.
    static func decodeNullable<T>(_ json: JSONValue?, _ path: String, _ value: (JSONValue, String) throws -> T) throws -> T? {
        guard let json = json, json != .null else { return nil }
        return try value(json, path)
    }

    /// An enum in serde's externally tagged form: `"Variant"` (content nil) or
    /// `{"Variant": content}`.
    static func decodeVariant(_ json: JSONValue, _ path: String) throws -> (tag: String, content: JSONValue?) {
        switch json {
        case .string(let tag):
            return (tag, nil)
        case .object(let fields) where fields.count == 1:
            let (tag, content) = fields.first!
            return (tag, content)
        default:
            throw mismatch(json, path, "an enum variant (\"Variant\" or {\"Variant\": …})")
        }
    }

    /// The name of a unit variant: `"Variant"` (or `{"Variant": null}`).
    static func decodeUnitVariant(_ json: JSONValue, _ path: String) throws -> String {
        let (tag, content) = try decodeVariant(json, path)
        try decodeUnitContent(content, "\(path).\(tag)")
        return tag
    }

    /// A unit variant carries nothing.
    static func decodeUnitContent(_ content: JSONValue?, _ path: String) throws {
        if let content = content, content != .null {
            throw mismatch(content, path, "nothing (a variant without data)")
        }
    }

    /// A variant with data must carry it.
    static func decodeContent(_ content: JSONValue?, _ path: String) throws -> JSONValue {
        guard let content = content else { throw WireError("\(path): missing (the variant carries data)") }
        return content
    }

    // -- writing ---------------------------------------------------------------------------

    /// An engine request, `{"command": name, "args": {…}}`; a command without arguments is
    /// a unit variant and is sent without an `args` key.
    static func request(_ command: String, _ args: [String: JSONValue]? = nil) -> [String: JSONValue] {
        var request: [String: JSONValue] = ["command": .string(command)]
        if let args = args { request["args"] = .object(args) }
        return request
    }

    static func encodeVariant(_ tag: String, _ content: JSONValue) -> JSONValue {
        .object([tag: content])
    }

    static func encodeString(_ value: String) -> JSONValue { .string(value) }

    static func encodeBool(_ value: Bool) -> JSONValue { .bool(value) }

    static func encodeInt(_ value: Int) -> JSONValue { .int(Int64(value)) }

    static func encodeDouble(_ value: Double) -> JSONValue { .double(value) }

    /// Lower case, as the engine writes ids.
    static func encodeUUID(_ value: UUID) -> JSONValue { .string(value.uuidString.lowercased()) }

    /// `2026-10-05` from the year, month and day (a part missing is written as 0, which
    /// the engine refuses as invalid input).
    static func encodeDate(_ value: DateComponents) -> JSONValue {
        .string(WireTime.dayText(value.year ?? 0, value.month ?? 0, value.day ?? 0))
    }

    /// RFC 3339 in UTC (`2026-10-05T06:00:00Z`, with microseconds when there are any), as
    /// chrono reads it.
    static func encodeInstant(_ value: Date) -> JSONValue { .string(WireTime.instantText(value)) }

    /// Always with seconds (`2026-10-05T09:00:00`): chrono's NaiveDateTime needs them. A time
    /// part missing is 0; the nanosecond is written when it is not 0.
    static func encodeLocalDateTime(_ value: DateComponents) -> JSONValue {
        var text = WireTime.dayText(value.year ?? 0, value.month ?? 0, value.day ?? 0)
        text += "T" + WireTime.pad(value.hour ?? 0, 2) + ":" + WireTime.pad(value.minute ?? 0, 2)
        text += ":" + WireTime.pad(value.second ?? 0, 2)
        if let nanosecond = value.nanosecond, nanosecond > 0 { text += "." + WireTime.pad(nanosecond, 9) }
        return .string(text)
    }

    static func encodeList<T>(_ value: [T], _ item: (T) -> JSONValue) -> JSONValue {
        .array(value.map(item))
    }

    static func encodeMap<T>(_ value: [String: T], _ item: (T) -> JSONValue) -> JSONValue {
        .object(value.mapValues(item))
    }

    static func encodePair<A, B>(_ value: Pair<A, B>, _ first: (A) -> JSONValue, _ second: (B) -> JSONValue) -> JSONValue {
        .array([first(value.first), second(value.second)])
    }

    static func encodeTriple<A, B, C>(
        _ value: Triple<A, B, C>, _ first: (A) -> JSONValue, _ second: (B) -> JSONValue, _ third: (C) -> JSONValue
    ) -> JSONValue {
        .array([first(value.first), second(value.second), third(value.third)])
    }

    /// JSON null for nil (serde reads it as `None`).
    static func encodeNullable<T>(_ value: T?, _ item: (T) -> JSONValue) -> JSONValue {
        guard let value = value else { return .null }
        return item(value)
    }
}

/// The calendar arithmetic of the wire's dates and instants: the proleptic Gregorian
/// calendar in UTC, computed without Calendar or formatters so that it reads and writes the
/// same text on every platform. Texts are taken as their UTF-8 bytes.
enum WireTime {
    /// A calendar day.
    struct Day {
        let year: Int
        let month: Int
        let day: Int
    }

    /// A date and time read from text, and the bytes after it.
    struct Stamp {
        let year: Int
        let month: Int
        let day: Int
        let hour: Int
        let minute: Int
        let second: Int
        /// nil when the text has no fraction.
        let nanosecond: Int?
        let rest: [UInt8]
    }

    /// `n` in decimal, at least `width` digits (zeros in front).
    static func pad(_ n: Int, _ width: Int) -> String {
        let digits = String(n.magnitude)
        let zeros = String(repeating: "0", count: max(0, width - digits.count))
        return (n < 0 ? "-" : "") + zeros + digits
    }

    static func dayText(_ year: Int, _ month: Int, _ day: Int) -> String {
        pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2)
    }

    /// The number that `count` ASCII digits from `start` spell, or nil.
    private static func digits(_ bytes: [UInt8], _ start: Int, _ count: Int) -> Int? {
        guard start >= 0, start + count <= bytes.count else { return nil }
        var n = 0
        for byte in bytes[start..<(start + count)] {
            guard byte >= 48 && byte <= 57 else { return nil }
            n = n * 10 + Int(byte - 48)
        }
        return n
    }

    static func isLeap(_ year: Int) -> Bool { (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 }

    static func daysIn(_ year: Int, _ month: Int) -> Int {
        switch month {
        case 2: return isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// `YYYY-MM-DD` at the start of `bytes`, of a real day; nil otherwise.
    private static func dayPrefix(_ bytes: [UInt8]) -> Day? {
        guard bytes.count >= 10, bytes[4] == 45, bytes[7] == 45,  // "-"
              let year = digits(bytes, 0, 4), let month = digits(bytes, 5, 2), let day = digits(bytes, 8, 2),
              (1...12).contains(month), day >= 1, day <= daysIn(year, month)
        else { return nil }
        return Day(year: year, month: month, day: day)
    }

    /// Exactly `YYYY-MM-DD`, of a real day.
    static func day(_ bytes: [UInt8]) -> Day? {
        bytes.count == 10 ? dayPrefix(bytes) : nil
    }

    /// `YYYY-MM-DDTHH:MM:SS` with an optional fraction, and what follows it.
    static func dateTime(_ bytes: [UInt8]) -> Stamp? {
        guard bytes.count >= 19, bytes[10] == 84 || bytes[10] == 116 || bytes[10] == 32,  // T, t or space
              let day = dayPrefix(bytes), bytes[13] == 58, bytes[16] == 58,  // ":"
              let hour = digits(bytes, 11, 2), let minute = digits(bytes, 14, 2), let second = digits(bytes, 17, 2),
              hour < 24, minute < 60, second <= 60
        else { return nil }
        var at = 19
        var nanosecond: Int? = nil
        if at < bytes.count && bytes[at] == 46 {  // "."
            at += 1
            var n = 0
            var count = 0
            while at < bytes.count && bytes[at] >= 48 && bytes[at] <= 57 {
                if count < 9 { n = n * 10 + Int(bytes[at] - 48) }
                count += 1
                at += 1
            }
            guard count > 0 else { return nil }
            if count < 9 {
                for _ in count..<9 { n *= 10 }
            }
            nanosecond = n
        }
        return Stamp(
            year: day.year, month: day.month, day: day.day, hour: hour, minute: minute, second: second,
            nanosecond: nanosecond, rest: Array(bytes[at...])
        )
    }

    /// Days from 1970-01-01 to the day (H. Hinnant's days_from_civil).
    static func daysFromCivil(_ year: Int, _ month: Int, _ day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The day `days` after 1970-01-01 (H. Hinnant's civil_from_days).
    static func civilFromDays(_ days: Int) -> Day {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return Day(year: yoe + era * 400 + (month <= 2 ? 1 : 0), month: month, day: day)
    }

    /// An RFC 3339 instant: a date-time, then `Z` or an offset `±HH:MM`.
    static func instant(_ text: String) -> Date? {
        guard let stamp = dateTime(Array(text.utf8)) else { return nil }
        let zone = stamp.rest
        var offset = 0
        if zone == [90] || zone == [122] {  // Z or z
            offset = 0
        } else if zone.count == 6, zone[0] == 43 || zone[0] == 45, zone[3] == 58,  // + or -, ":"
                  let hours = digits(zone, 1, 2), let minutes = digits(zone, 4, 2), hours < 24, minutes < 60 {
            offset = (hours * 60 + minutes) * 60 * (zone[0] == 45 ? -1 : 1)
        } else {
            return nil
        }
        let days = daysFromCivil(stamp.year, stamp.month, stamp.day)
        let seconds = days * 86_400 + stamp.hour * 3600 + stamp.minute * 60 + stamp.second - offset
        let fraction = Double(stamp.nanosecond ?? 0) / 1_000_000_000
        return Date(timeIntervalSince1970: Double(seconds) + fraction)
    }

    /// `YYYY-MM-DDTHH:MM:SS[.ffffff]Z` in UTC, rounded to the microsecond.
    static func instantText(_ date: Date) -> String {
        let t = date.timeIntervalSince1970
        var seconds = Int(t.rounded(.down))
        var micros = Int(((t - Double(seconds)) * 1_000_000).rounded())
        if micros >= 1_000_000 {
            seconds += 1
            micros -= 1_000_000
        }
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        let day = civilFromDays(days)
        var text = dayText(day.year, day.month, day.day) + "T" + pad(secondOfDay / 3600, 2)
        text += ":" + pad(secondOfDay / 60 % 60, 2) + ":" + pad(secondOfDay % 60, 2)
        if micros > 0 { text += "." + pad(micros, 6) }
        return text + "Z"
    }
}
