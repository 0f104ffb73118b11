//! Shared pieces of TEHO's fuzz targets: a reader that turns fuzz bytes into choices,
//! dates and instants that reach chrono's extremes, the fixed setup of a host door (the
//! shared scenario `tests/scenarios/town.json`, run through `teho_core::host::Host`), and a
//! generator of requests driven by the API description `schemas/api.json`.
//!
//! Nothing here decides what a finding is: the targets return on every `Err`; libFuzzer's
//! panic hook turns any panic (also one the host door or the engine would catch) into an
//! abort, which is the finding.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use serde_json::{Map, Value, json};
use teho_core::host::{Host, HostClock};
use teho_core::store::Store;

/// The shared setup of the scenario files (a municipality, providers, workers, a client,
/// the client's file and network).
pub const TOWN_JSON: &str = include_str!("../../tests/scenarios/town.json");
/// The API description every binding is generated from.
pub const API_JSON: &str = include_str!("../../schemas/api.json");
/// The clock the scenario files start at.
pub const TOWN_CLOCK: &str = "2026-11-02T07:00:00Z";

// ---------------------------------------------------------------------------------------
// Bytes to choices

/// Reads choices from fuzz bytes; past the end every read is zero (so every input is a
/// complete one).
#[derive(Debug)]
pub struct Reader<'a> {
    data: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    /// A reader over `data`.
    pub fn new(data: &'a [u8]) -> Self {
        Self { data, at: 0 }
    }

    /// Whether every byte has been read.
    pub fn is_empty(&self) -> bool {
        self.at >= self.data.len()
    }

    /// One byte (0 past the end).
    pub fn u8(&mut self) -> u8 {
        let b = self.data.get(self.at).copied().unwrap_or(0);
        self.at += 1;
        b
    }

    /// Two bytes, little-endian.
    pub fn u16(&mut self) -> u16 {
        u16::from_le_bytes([self.u8(), self.u8()])
    }

    /// Four bytes, little-endian.
    pub fn u32(&mut self) -> u32 {
        u32::from_le_bytes([self.u8(), self.u8(), self.u8(), self.u8()])
    }

    /// Eight bytes, little-endian.
    pub fn u64(&mut self) -> u64 {
        u64::from(self.u32()) | (u64::from(self.u32()) << 32)
    }

    /// A number below `n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            return 0;
        }
        if n <= 256 {
            usize::from(self.u8()) % n
        } else {
            self.u32() as usize % n
        }
    }

    /// One of `items` (which must not be empty).
    pub fn pick<'b, T>(&mut self, items: &'b [T]) -> &'b T {
        &items[self.below(items.len())]
    }

    /// A coin that comes up true one time in `n`.
    pub fn one_in(&mut self, n: u8) -> bool {
        n <= 1 || self.u8() % n == 0
    }

    /// Up to `max` bytes.
    pub fn bytes(&mut self, max: usize) -> &'a [u8] {
        let n = self.below(max + 1);
        let start = self.at.min(self.data.len());
        let end = (start + n).min(self.data.len());
        self.at = start + n;
        &self.data[start..end]
    }

    /// The bytes not read yet.
    pub fn rest(&mut self) -> &'a [u8] {
        let start = self.at.min(self.data.len());
        self.at = self.data.len();
        &self.data[start..]
    }
}

// ---------------------------------------------------------------------------------------
// Dates and instants at the edges

/// A date: near chrono's first or last date, near today, near 1970 and 2099 (the ends of
/// the calendar's table of whole-day offsets), on a daylight-saving transition day, or
/// anywhere chrono can hold.
pub fn date(r: &mut Reader) -> NaiveDate {
    let min = NaiveDate::MIN.num_days_from_ce();
    let max = NaiveDate::MAX.num_days_from_ce();
    let near = |base: i32, r: &mut Reader| {
        let off = i32::from(r.u16() as i16);
        NaiveDate::from_num_days_from_ce_opt(base.saturating_add(off).clamp(min, max))
            .unwrap_or(NaiveDate::MIN)
    };
    let ce = |y, m, d| {
        NaiveDate::from_ymd_opt(y, m, d)
            .unwrap_or(NaiveDate::MIN)
            .num_days_from_ce()
    };
    match r.u8() % 9 {
        0 => NaiveDate::MIN
            .checked_add_signed(Duration::days(i64::from(r.u16())))
            .unwrap_or(NaiveDate::MIN),
        1 => NaiveDate::MAX
            .checked_sub_signed(Duration::days(i64::from(r.u16())))
            .unwrap_or(NaiveDate::MAX),
        2 | 3 => near(ce(2026, 11, 2), r),
        4 => near(ce(1970, 1, 1), r),
        5 => near(ce(2100, 1, 1), r),
        6 => {
            // The last Sunday of March or October, when Tallinn's clocks move.
            let year = 1900 + i32::from(r.u8());
            let month = if r.u8() % 2 == 0 { 3 } else { 10 };
            let last = NaiveDate::from_ymd_opt(year, month, 31).unwrap_or(NaiveDate::MIN);
            last - Duration::days(i64::from(last.weekday().num_days_from_sunday()))
        }
        7 => NaiveDate::from_num_days_from_ce_opt(
            min + (r.u32() % (max - min + 1) as u32) as i32,
        )
        .unwrap_or(NaiveDate::MIN),
        _ => {
            let y = (r.u32() as i32) % 300_000;
            let m = u32::from(r.u8() % 13);
            let d = u32::from(r.u8() % 32);
            NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MAX)
        }
    }
}

/// A time of day, often around the night hours Tallinn's clocks move at.
pub fn time(r: &mut Reader) -> NaiveTime {
    let secs = match r.u8() % 4 {
        0 => 3 * 3600 + u32::from(r.u16()) % 7200,
        1 => 0,
        2 => 86_399,
        _ => r.u32() % 86_400,
    };
    let nanos = if r.one_in(8) { 1_999_999_999 } else { 0 };
    NaiveTime::from_num_seconds_from_midnight_opt(secs, nanos).unwrap_or(NaiveTime::MIN)
}

/// A local date and time.
pub fn datetime(r: &mut Reader) -> NaiveDateTime {
    let d = date(r);
    d.and_time(time(r))
}

/// An instant (any date, as UTC).
pub fn instant(r: &mut Reader) -> DateTime<Utc> {
    datetime(r).and_utc()
}

// ---------------------------------------------------------------------------------------
// Pools of plausible values

/// Valid personal codes (those of the scenario files and a few more).
pub const PERSONAL_CODES: &[&str] = &[
    "38001010015",
    "48505050029",
    "47503030036",
    "49002020046",
    "37605030299",
    "43803030124",
    "36506060134",
    "60001019906",
    "50001010006",
];

/// Recurrence rules as the repository's tests write them.
pub const RRULES: &[&str] = &[
    "FREQ=DAILY;BYHOUR=9",
    "FREQ=DAILY;BYHOUR=8,20;BYMINUTE=30",
    "FREQ=DAILY;BYHOUR=3;BYMINUTE=30",
    "FREQ=DAILY;BYHOUR=0;BYMINUTE=0,30",
    "FREQ=DAILY;BYHOUR=9,18;COUNT=5",
    "FREQ=DAILY;BYHOUR=9;UNTIL=20261104",
    "FREQ=DAILY;INTERVAL=2;BYDAY=MO,WE,FR;BYHOUR=7",
    "FREQ=DAILY;INTERVAL=3;BYHOUR=8,20",
    "FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR;BYHOUR=9",
    "FREQ=WEEKLY;BYDAY=MO,TH;BYHOUR=11",
    "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU;BYHOUR=9",
    "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH;BYHOUR=8,20;BYMINUTE=0;UNTIL=20261231",
    "FREQ=WEEKLY;INTERVAL=3;BYDAY=SA,SU;BYHOUR=10;UNTIL=20270131",
    "FREQ=WEEKLY;BYDAY=TH,MO;WKST=MO",
    "FREQ=MONTHLY;BYDAY=-1FR;BYHOUR=8,16;COUNT=6",
    "FREQ=MONTHLY;BYDAY=-1FR,2TU;BYHOUR=11;BYMINUTE=0;COUNT=12",
    "FREQ=MONTHLY;BYMONTHDAY=-1,1,15;BYHOUR=9;BYMINUTE=0",
    "FREQ=MONTHLY;BYMONTHDAY=31;BYHOUR=9",
    "FREQ=MONTHLY;INTERVAL=2;BYMONTHDAY=2,-1;BYHOUR=10",
    "FREQ=MONTHLY;INTERVAL=12;BYMONTHDAY=30;BYHOUR=9;COUNT=3",
    "RRULE:FREQ=WEEKLY;BYDAY=FR;BYHOUR=8;BYMINUTE=45\nEXDATE;VALUE=DATE:20261224,20261225",
    "FREQ=DAILY;INTERVAL=1000;BYHOUR=0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23;COUNT=100000",
];

/// Texts for string fields without a format.
pub fn text(r: &mut Reader) -> String {
    match r.u8() % 16 {
        0 => String::new(),
        1 => " ".into(),
        2 => "x".repeat(20_001),
        3 => "é".repeat(r.below(300)),
        4 => "\u{0}\n\r\t\"\\".into(),
        5 => (*r.pick(PERSONAL_CODES)).into(),
        6 => (*r.pick(RRULES)).into(),
        7 => "2026-11-02".into(),
        8 => "FI".into(),
        9 => "RR-1".into(),
        10 => "12345678".into(),
        11 => "💥🇪🇪".into(),
        _ => {
            let b = r.bytes(40);
            String::from_utf8_lossy(b).into_owned()
        }
    }
}

/// Integers at the edges of what the schemas' formats hold.
pub fn integer(r: &mut Reader, schema: &Value) -> Value {
    let edges: &[i128] = &[
        0,
        1,
        2,
        7,
        12,
        13,
        23,
        24,
        31,
        59,
        60,
        255,
        256,
        366,
        720,
        721,
        1000,
        2026,
        100_000,
        -1,
        i32::MIN as i128,
        i32::MAX as i128,
        u32::MAX as i128,
        i64::MIN as i128,
        i64::MAX as i128,
        u64::MAX as i128,
    ];
    let n: i128 = match r.u8() % 4 {
        0 => i128::from(r.u8()),
        1 => i128::from(r.u32() as i32),
        2 if schema.get("format").and_then(Value::as_str) == Some("uint8") => {
            i128::from(r.u8() % 8)
        }
        _ => *r.pick(edges),
    };
    if let Ok(v) = i64::try_from(n) {
        json!(v)
    } else {
        json!(n as u64)
    }
}

// ---------------------------------------------------------------------------------------
// The host door with the scenario files' setup

/// What the setup saved (`$name`) and the ids met so far, by id type (`WorkerId`, …).
#[derive(Debug, Default, Clone)]
pub struct Known {
    /// Saved results by name, as the scenario files name them (`boot`, `cw`, `file`, …).
    pub saved: Arc<BTreeMap<String, Value>>,
    /// Ids by the name of their type in the API description.
    pub ids: BTreeMap<String, Vec<String>>,
}

impl Known {
    /// Records every id in `value`, read as an instance of `schema` (an output schema).
    pub fn harvest(&mut self, api: &Api, schema: &Value, value: &Value, depth: u32) {
        if depth > 12 {
            return;
        }
        if let Some(name) = schema
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|s| s.strip_prefix("#/$defs/"))
        {
            if name.ends_with("Id") {
                if let Some(s) = value.as_str() {
                    let pool = self.ids.entry(name.to_string()).or_default();
                    if !pool.iter().any(|x| x == s) && pool.len() < 64 {
                        pool.push(s.to_string());
                    }
                }
                return;
            }
            if let Some(def) = api.outputs.get(name) {
                self.harvest(api, def, value, depth + 1);
            }
            return;
        }
        for key in ["oneOf", "anyOf", "allOf"] {
            for alt in schema.get(key).and_then(Value::as_array).into_iter().flatten() {
                self.harvest(api, alt, value, depth + 1);
            }
        }
        if let (Some(props), Some(obj)) = (
            schema.get("properties").and_then(Value::as_object),
            value.as_object(),
        ) {
            for (k, s) in props {
                if let Some(v) = obj.get(k) {
                    self.harvest(api, s, v, depth + 1);
                }
            }
        }
        if let Some(arr) = value.as_array() {
            if let Some(prefix) = schema.get("prefixItems").and_then(Value::as_array) {
                for (s, v) in prefix.iter().zip(arr) {
                    self.harvest(api, s, v, depth + 1);
                }
            } else if let Some(items) = schema.get("items") {
                for v in arr.iter().take(64) {
                    self.harvest(api, items, v, depth + 1);
                }
            }
        }
    }
}

/// Replaces every string `"$name.path"` in `v` by the saved value it names (as the
/// scenario runner does); a reference to nothing is left as it is.
pub fn substitute(v: &Value, saved: &BTreeMap<String, Value>) -> Value {
    match v {
        Value::String(s) if s.starts_with('$') => lookup(saved, &s[1..]).unwrap_or_else(|| v.clone()),
        Value::Array(a) => Value::Array(a.iter().map(|x| substitute(x, saved)).collect()),
        Value::Object(o) => Value::Object(
            o.iter()
                .map(|(k, x)| (k.clone(), substitute(x, saved)))
                .collect(),
        ),
        other => other.clone(),
    }
}

fn lookup(saved: &BTreeMap<String, Value>, reference: &str) -> Option<Value> {
    let mut parts = reference.split('.');
    let mut v = saved.get(parts.next()?)?.clone();
    for p in parts {
        v = match (&v, p.parse::<usize>()) {
            (Value::Array(a), Ok(i)) => a.get(i).cloned(),
            (Value::Object(o), _) => o.get(p).cloned(),
            _ => None,
        }?;
    }
    Some(v)
}

/// A host over `store` on a fixed clock at [`TOWN_CLOCK`], with the steps of
/// [`town_steps`] done. A failing setup step is a panic: the harness no longer matches
/// the engine, and fuzzing it would reach nothing.
///
/// The setup is the same every time (a fixed clock, sequential ids from a fresh store's
/// range), so the first one records its calls as text and what it saved; later ones
/// replay the text without reading the results again.
pub fn town_host(store: Arc<dyn Store>) -> (Host, Known) {
    static RECORDED: OnceLock<(Vec<SetupCall>, Known)> = OnceLock::new();
    let at = Host::instant("clock", TOWN_CLOCK).expect("the setup clock");
    let host = Host::open(store, HostClock::Fixed(at))
        .unwrap_or_else(|e| panic!("fuzz setup: Host::open failed: {e:?}"));
    if let Some((calls, known)) = RECORDED.get() {
        for c in calls {
            if let Some(clock) = &c.clock {
                host.set_clock(clock)
                    .unwrap_or_else(|e| panic!("fuzz setup: clock {clock}: {e:?}"));
            }
            if let Some((actor, request)) = &c.call {
                host.call(actor, request)
                    .unwrap_or_else(|e| panic!("fuzz setup: step {request}: {e:?}"));
            }
        }
        return (host, known.clone());
    }
    let api = api();
    let mut known = Known::default();
    let mut calls = Vec::new();
    for step in town_steps() {
        let clock = step.get("clock").and_then(Value::as_str).map(String::from);
        if let Some(c) = &clock {
            host.set_clock(c)
                .unwrap_or_else(|e| panic!("fuzz setup: clock {c}: {e:?}"));
        }
        let Some(request) = step.get("do") else {
            calls.push(SetupCall { clock, call: None });
            continue;
        };
        let actor = substitute(step.get("as").unwrap_or(&json!("System")), &known.saved);
        let request = substitute(request, &known.saved);
        let (actor_text, request_text) = (actor.to_string(), request.to_string());
        let out = host
            .call(&actor_text, &request_text)
            .unwrap_or_else(|e| panic!("fuzz setup: step {request}: {e:?}"));
        calls.push(SetupCall {
            clock,
            call: Some((actor_text, request_text)),
        });
        let value: Value = serde_json::from_str(&out).unwrap_or(Value::Null);
        if let Some(cmd) = request.get("command").and_then(Value::as_str) {
            if let Some(c) = api.command(cmd) {
                known.harvest(api, &c.result, &value, 0);
            }
        }
        if let Some(name) = step.get("save").and_then(Value::as_str) {
            Arc::make_mut(&mut known.saved).insert(name.to_string(), value);
        }
    }
    let _ = RECORDED.set((calls, known.clone()));
    (host, known)
}

/// One step of the setup as text: a clock move and a call.
#[derive(Debug)]
struct SetupCall {
    clock: Option<String>,
    call: Option<(String, String)>,
}

/// The steps of `town.json`, then a care plan with a daily item for the care worker
/// (saved as `plan` and `item`, as `done_not_done.json` does), so that there are visits.
pub fn town_steps() -> &'static [Value] {
    static STEPS: OnceLock<Vec<Value>> = OnceLock::new();
    STEPS.get_or_init(|| {
        let doc: Value = serde_json::from_str(TOWN_JSON).expect("town.json is JSON");
        let mut steps = doc["steps"].as_array().cloned().unwrap_or_default();
        steps.push(json!({
            "as": {"Worker": "$cm.id"},
            "do": {"command": "create_plan", "args": {"new": {
                "file": "$file.id", "domain": "Care", "provider": "$care_org.id"}}},
            "save": "plan"
        }));
        steps.push(json!({
            "as": {"Worker": "$cm.id"},
            "do": {"command": "add_plan_item", "args": {"plan": "$plan.id", "spec": {
                "action": {"code": "HOOLD-01", "text": "Morning care"},
                "worker": "$cw.id", "place": "home", "duration_minutes": 30,
                "recurrence": "FREQ=DAILY;BYHOUR=9", "valid_from": "2026-11-02",
                "valid_until": null}}},
            "save": "item"
        }));
        steps
    })
}

// ---------------------------------------------------------------------------------------
// Requests from the API description

/// One command of the API description.
#[derive(Debug)]
pub struct Command {
    /// Its name (`create_plan`).
    pub name: String,
    /// Its arguments: name and input schema.
    pub args: Vec<(String, Value)>,
    /// Its result's output schema.
    pub result: Value,
}

/// The API description, read once.
#[derive(Debug)]
pub struct Api {
    /// Every command and query, in the description's order.
    pub commands: Vec<Command>,
    /// Named input types.
    pub inputs: Map<String, Value>,
    /// Named output types.
    pub outputs: Map<String, Value>,
}

impl Api {
    /// The command named `name`.
    pub fn command(&self, name: &str) -> Option<&Command> {
        self.commands.iter().find(|c| c.name == name)
    }
}

/// The API description of `schemas/api.json`.
pub fn api() -> &'static Api {
    static API: OnceLock<Api> = OnceLock::new();
    API.get_or_init(|| {
        let doc: Value = serde_json::from_str(API_JSON).expect("schemas/api.json is JSON");
        let commands = doc["commands"]
            .as_array()
            .expect("api.json lists commands")
            .iter()
            .map(|c| Command {
                name: c["name"].as_str().unwrap_or_default().to_string(),
                args: c["args"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|a| {
                        (
                            a["name"].as_str().unwrap_or_default().to_string(),
                            a["schema"].clone(),
                        )
                    })
                    .collect(),
                result: c["result"].clone(),
            })
            .collect();
        let map = |k: &str| doc[k].as_object().cloned().unwrap_or_default();
        Api {
            commands,
            inputs: map("input_types"),
            outputs: map("output_types"),
        }
    })
}

/// Builds JSON values for input schemas from fuzz bytes, taking ids from what is known.
#[derive(Debug)]
pub struct Generator<'k> {
    /// The ids to draw from.
    pub known: &'k Known,
}

impl Generator<'_> {
    /// A value of `schema`; now and then one of any other shape.
    pub fn value(&self, r: &mut Reader, schema: &Value, depth: u32) -> Value {
        if r.one_in(48) {
            return self.wild(r);
        }
        if depth > 10 {
            return Value::Null;
        }
        if let Some(name) = schema
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|s| s.strip_prefix("#/$defs/"))
        {
            return self.named(r, name, depth);
        }
        if let Some(c) = schema.get("const") {
            return c.clone();
        }
        if let Some(e) = schema.get("enum").and_then(Value::as_array) {
            if !e.is_empty() {
                return r.pick(e).clone();
            }
        }
        for key in ["oneOf", "anyOf"] {
            if let Some(alts) = schema.get(key).and_then(Value::as_array) {
                if !alts.is_empty() {
                    let alt = r.pick(alts);
                    return self.value(r, alt, depth + 1);
                }
            }
        }
        let ty = match schema.get("type") {
            Some(Value::Array(types)) if !types.is_empty() => {
                r.pick(types).as_str().unwrap_or("null").to_string()
            }
            Some(Value::String(t)) => t.clone(),
            _ if schema.get("properties").is_some() => "object".into(),
            _ => "any".into(),
        };
        match ty.as_str() {
            "null" => Value::Null,
            "boolean" => Value::Bool(r.u8() % 2 == 1),
            "integer" | "number" => integer(r, schema),
            "string" => self.string(r, schema),
            "array" => {
                let mut out = Vec::new();
                if let Some(prefix) = schema.get("prefixItems").and_then(Value::as_array) {
                    for s in prefix {
                        out.push(self.value(r, s, depth + 1));
                    }
                } else {
                    let items = schema.get("items").cloned().unwrap_or(Value::Bool(true));
                    let n = if r.one_in(32) { 40 } else { r.below(4) };
                    for _ in 0..n {
                        out.push(self.value(r, &items, depth + 1));
                    }
                }
                Value::Array(out)
            }
            "object" => {
                let mut out = Map::new();
                let required: Vec<&str> = schema
                    .get("required")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .collect();
                if let Some(props) = schema.get("properties").and_then(Value::as_object) {
                    for (k, s) in props {
                        let needed = required.contains(&k.as_str());
                        // Leave out an optional field now and then, a required one rarely.
                        if (needed && r.one_in(40)) || (!needed && r.one_in(3)) {
                            continue;
                        }
                        out.insert(k.clone(), self.value(r, s, depth + 1));
                    }
                }
                if r.one_in(40) {
                    out.insert("unexpected".into(), self.wild(r));
                }
                Value::Object(out)
            }
            _ => self.wild(r),
        }
    }

    fn named(&self, r: &mut Reader, name: &str, depth: u32) -> Value {
        if name.ends_with("Id") {
            return self.id(r, name);
        }
        match name {
            "PersonalCode" if !r.one_in(8) => return json!(*r.pick(PERSONAL_CODES)),
            "Recurrence" if !r.one_in(4) => {
                let mut rule = (*r.pick(RRULES)).to_string();
                if r.one_in(3) {
                    rule.push_str(&format!(
                        ";UNTIL={}",
                        date(r).format("%Y%m%d")
                    ));
                }
                return json!(rule);
            }
            _ => {}
        }
        match api().inputs.get(name) {
            Some(def) => self.value(r, def, depth + 1),
            None => self.wild(r),
        }
    }

    /// An id of type `name`: a known one, one of another type, or a new one.
    pub fn id(&self, r: &mut Reader, name: &str) -> Value {
        match r.u8() % 16 {
            0 => json!(uuid::Uuid::from_u64_pair(r.u64(), r.u64()).to_string()),
            1 => {
                let all: Vec<&String> = self.known.ids.values().flatten().collect();
                if all.is_empty() {
                    Value::Null
                } else {
                    json!(r.pick(&all))
                }
            }
            2 => json!(text(r)),
            _ => match self.known.ids.get(name) {
                Some(pool) if !pool.is_empty() => json!(r.pick(pool)),
                _ => json!(uuid::Uuid::from_u64_pair(0x7e40, u64::from(r.u8())).to_string()),
            },
        }
    }

    fn string(&self, r: &mut Reader, schema: &Value) -> Value {
        match schema.get("format").and_then(Value::as_str) {
            Some("date") if !r.one_in(16) => json!(date(r).to_string()),
            Some("date-time") if !r.one_in(16) => {
                serde_json::to_value(instant(r)).unwrap_or(Value::Null)
            }
            Some("uuid") if !r.one_in(16) => self.id(r, ""),
            _ => json!(text(r)),
        }
    }

    /// A value of any shape.
    pub fn wild(&self, r: &mut Reader) -> Value {
        match r.u8() % 8 {
            0 => Value::Null,
            1 => Value::Bool(true),
            2 => integer(r, &Value::Null),
            3 => json!(-0.5e300),
            4 => json!([]),
            5 => json!({}),
            6 => json!(date(r).to_string()),
            _ => json!(text(r)),
        }
    }

    /// An actor: the system, a known worker or person, or a supervisor.
    pub fn actor(&self, r: &mut Reader) -> Value {
        match r.u8() % 8 {
            0 => json!("System"),
            1 => json!({"Person": self.id(r, "PersonId")}),
            2 => json!({"Supervising": {"worker": self.id(r, "WorkerId"), "case_reference": text(r)}}),
            3 if r.one_in(8) => self.wild(r),
            _ => json!({"Worker": self.id(r, "WorkerId")}),
        }
    }

    /// A request for one command of the API description (its index drawn from the bytes).
    pub fn request(&self, r: &mut Reader) -> (usize, Value) {
        let api = api();
        let i = r.below(api.commands.len());
        let c = &api.commands[i];
        let mut args = Map::new();
        for (name, schema) in &c.args {
            if r.one_in(64) {
                continue;
            }
            args.insert(name.clone(), self.value(r, schema, 0));
        }
        let request = if c.args.is_empty() && !r.one_in(16) {
            json!({"command": c.name})
        } else {
            json!({"command": c.name, "args": args})
        };
        (i, request)
    }
}

// ---------------------------------------------------------------------------------------
// Scratch files

/// A directory of this process's own for scratch files: under `$TEHO_FUZZ_TMP` (which
/// the scripts set, and remove after the run) or the system's temporary directory.
pub fn scratch_dir() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let base = std::env::var_os("TEHO_FUZZ_TMP")
            .map(PathBuf::from)
            .unwrap_or_else(std::env::temp_dir);
        let dir = base.join(format!("teho-fuzz-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a scratch directory");
        dir
    })
}

// ---------------------------------------------------------------------------------------
// Notices

/// Reads notices in `format` from fuzz bytes: the first byte is the chunk size, the rest
/// the file (any bytes: a line not in UTF-8 is a problem by number). Read through
/// `NoticeReader` in chunks of that size, they must be what `parse_notices` reads from
/// the same text in one (when the text is UTF-8), and every batch is checked by
/// [`check_batch`].
pub fn fuzz_notices(data: &[u8], format: teho_core::register::NoticeFormat) {
    use teho_core::register::{NoticeBatch, NoticeReader, check_source_reference, parse_notices};
    let Some((&chunk, file)) = data.split_first() else {
        return;
    };
    let mut reader = NoticeReader::new(file, format);
    let mut all = NoticeBatch::default();
    let mut lines = 0;
    while let Some(batch) = reader.next_chunk(usize::from(chunk)) {
        assert!(reader.lines_read() >= lines, "lines read went back");
        lines = reader.lines_read();
        all.notices.extend(batch.notices);
        all.malformed.extend(batch.malformed);
    }
    for (_, n) in &all.notices {
        assert!(check_source_reference(&n.source_reference).is_ok());
    }
    if let Ok(text) = std::str::from_utf8(file) {
        let whole = parse_notices(text, format);
        assert_eq!(all, whole, "chunks of {chunk} read otherwise than one chunk");
        check_batch(text, &whole);
    }
}

/// What every batch of notices read from `text` must be: each line a notice or a problem
/// at most once, by its number, in order; the batch the same after a JSON round trip.
pub fn check_batch(text: &str, batch: &teho_core::register::NoticeBatch) {
    let lines = text.split('\n').count();
    assert!(batch.notices.len() + batch.malformed.len() <= lines);
    for w in batch.notices.windows(2) {
        assert!(w[0].0 < w[1].0, "notices in line order");
    }
    for w in batch.malformed.windows(2) {
        assert!(w[0].line < w[1].line, "problems in line order");
    }
    for (n, notice) in &batch.notices {
        assert!(*n >= 1 && *n <= lines, "line {n} of {lines}");
        let _ = notice.key();
    }
    let json = serde_json::to_string(batch).expect("a batch serializes");
    let back: teho_core::register::NoticeBatch =
        serde_json::from_str(&json).unwrap_or_else(|e| panic!("batch JSON {json} reads back: {e}"));
    assert_eq!(&back, batch, "a batch survives its JSON round trip");
}
