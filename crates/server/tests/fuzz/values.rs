//! Hostile argument values, drawn from a seeded generator: boundary integers, control
//! characters, 100 KB strings, malformed ids, cursors, dates and decimals, wrong enum
//! values, huge lists and nested input objects filled with all of these.

use async_graphql::parser::types::{BaseType, Type};
use serde_json::{Map, Value, json};

use crate::schema::{Kind, Schema, named};

/// SplitMix64: small, seedable, good enough to pick cases reproducibly.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in 0..n (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// True with probability `percent`/100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next_u64() % 100 < percent
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Length of the long strings.
const LONG: usize = 100 * 1024;
/// Elements of a huge list of scalars / of input objects (kept under the body limit).
const HUGE_SCALARS: usize = 20_000;
const HUGE_OBJECTS: usize = 300;
/// Input objects nest no deeper than this.
const MAX_DEPTH: usize = 4;

const INTS: &[i64] = &[
    0,
    -1,
    1,
    2,
    i32::MIN as i64,
    i32::MAX as i64,
    i32::MIN as i64 + 1,
    i32::MAX as i64 - 1,
    100,
    101,
    1000,
    1900,
    2020,
    2025,
    2030,
    9999,
    10000,
    65536,
];

/// Beyond Int's range or not integers at all: the server must refuse them cleanly.
fn off_range_int(rng: &mut Rng) -> Value {
    match rng.below(5) {
        0 => json!(2_147_483_648_i64),
        1 => json!(-2_147_483_649_i64),
        2 => json!(1e20),
        3 => json!(1.5),
        _ => json!("12"),
    }
}

const STRINGS: &[&str] = &[
    "",
    " ",
    "a",
    "\u{0}",
    "abc\u{0}def",
    "\u{1}\u{2}\u{7}\u{8}\u{b}\u{c}\u{1b}\u{7f}",
    "\t\n\r",
    "Quảng Ninh – Hạ Long",
    "\u{202e}\u{200b}\u{feff}",
    "😀𝕏",
    "'",
    "\"",
    "\\",
    "%_%",
    "';--",
    "\\x00",
    "1_000",
    "12.34567",
    "1e16",
    "-0",
    "NaN",
    "2025-2-3",
    "+002025-02-03",
    "QN",
    "admin",
    "DEMO-",
    "{}",
    "[]",
    "null",
];

const DATES: &[&str] = &[
    "2025-01-01",
    "2025-12-31",
    "2024-02-29",
    "2025-02-29",
    "2025-2-3",
    "+002025-02-03",
    "0000-01-01",
    "0001-01-01",
    "9999-12-31",
    "-0001-01-01",
    "262143-12-31",
    "2147483647-01-01",
    "2025-13-45",
    "2025-01-01T00:00:00Z",
    "",
    "\u{0}",
];

const DATE_TIMES: &[&str] = &[
    "2025-01-01T00:00:00Z",
    "9999-12-31T23:59:59Z",
    "0000-01-01T00:00:00Z",
    "1970-01-01T00:00:00+14:00",
    "2025-01-01T00:00:00.123456789-14:00",
    "2025-01-01",
    "+262143-01-01T00:00:00Z",
    "now",
    "",
];

const DECIMALS: &[&str] = &[
    "0",
    "-1",
    "1",
    "12.34567",
    "0.00001",
    "1e16",
    "1E-5",
    "10000000000000000",
    "9999999999999999.9999",
    "99999999999999999999.9999",
    "79228162514264337593543950335",
    "-79228162514264337593543950336",
    "1_000",
    "-0",
    "+5",
    " 5 ",
    ".5",
    "5.",
    "NaN",
    "Infinity",
    "0x10",
    "",
];

/// The server's URL-safe, unpadded base64 (ids and cursors are made of it).
pub fn base64url(bytes: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(char::from(ABC[((n >> (18 - 6 * i)) & 63) as usize]));
        }
    }
    out
}

fn uuid_text(rng: &mut Rng) -> String {
    let hi = rng.next_u64();
    let lo = rng.next_u64();
    uuid::Uuid::from_u64_pair(hi, lo).to_string()
}

/// What the generator knows about the running server: ids and codes it has returned so
/// far, so that valid-looking arguments reach the resolvers' deeper paths.
#[derive(Default)]
pub struct Pool {
    /// (type name, global id)
    pub ids: Vec<(String, String)>,
    pub codes: Vec<String>,
}

impl Pool {
    pub const MAX: usize = 300;

    fn keep(list: &mut Vec<String>, s: &str) {
        if s.len() < 200 && list.len() < Self::MAX && !list.iter().any(|i| i == s) {
            list.push(s.to_owned());
        }
    }

    /// Collects every `id` (with its object's `__typename`) and `code` of an answer.
    pub fn harvest(&mut self, v: &Value) {
        match v {
            Value::Object(m) => {
                if let (Some(ty), Some(id)) = (
                    m.get("__typename").and_then(Value::as_str),
                    m.get("id").and_then(Value::as_str),
                ) && id.len() < 200
                    && self.ids.len() < Self::MAX
                    && !self.ids.iter().any(|(_, i)| i == id)
                {
                    self.ids.push((ty.to_owned(), id.to_owned()));
                }
                for (k, v) in m {
                    match (k.as_str(), v.as_str()) {
                        ("code", Some(s)) => Self::keep(&mut self.codes, s),
                        _ => self.harvest(v),
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|i| self.harvest(i)),
            _ => {}
        }
    }
}

pub struct Generator<'a> {
    pub schema: &'a Schema,
    pub rng: Rng,
    pub pool: Pool,
    /// At most one huge value (100 KB string or huge list) per case keeps bodies bounded.
    huge_left: bool,
    /// Percent of leaves given a hostile value in this case; the others get plausible
    /// ones, so that one bad value is judged by the resolver, not only by validation.
    hostility: u64,
    /// Name of the argument or input field being filled: `campaignId` wants a Campaign.
    pub hint: String,
}

/// The type an id-carrying name asks for: the word before `Id`/`Ids` (`launchingUnitId`
/// → "unit"), lower-case; `None` when it says nothing.
fn wanted_type(name: &str) -> Option<String> {
    let stem = name
        .strip_suffix("Ids")
        .or_else(|| name.strip_suffix("Id"))?;
    let word = stem
        .rfind(|c: char| c.is_ascii_uppercase())
        .map_or(stem, |i| &stem[i..])
        .to_lowercase();
    Some(match word.as_str() {
        "parent" | "member" => "unit".to_owned(),
        "actor" | "recipient" => "user".to_owned(),
        _ => word,
    })
}

impl<'a> Generator<'a> {
    pub fn new(schema: &'a Schema, seed: u64) -> Self {
        Self {
            schema,
            rng: Rng::new(seed),
            pool: Pool::default(),
            huge_left: true,
            hostility: 100,
            hint: String::new(),
        }
    }

    /// Starts a new case: how hostile it is, and whether it may hold one huge value.
    pub fn reset_case(&mut self) {
        self.huge_left = self.rng.chance(35);
        self.hostility = *self.rng.pick(&[100, 30, 12, 12, 5]);
    }

    fn take_huge(&mut self) -> bool {
        std::mem::take(&mut self.huge_left)
    }

    fn bad(&mut self) -> bool {
        self.rng.chance(self.hostility)
    }

    /// A value for an argument or input field of type `ty`; `None` means "leave it out".
    pub fn value_for(&mut self, ty: &Type, depth: usize, optional_field: bool) -> Option<Value> {
        if ty.nullable {
            let roll = self.rng.below(100);
            if optional_field && roll < 30 {
                return None;
            }
            if roll < 38 {
                return Some(Value::Null);
            }
        } else if self.bad() && self.rng.chance(10) {
            // A required value given as null, or of the wrong JSON kind.
            return Some(if self.rng.chance(50) {
                Value::Null
            } else {
                json!({"unexpected": [1, "x"]})
            });
        }
        Some(match &ty.base {
            BaseType::List(inner) => self.list(inner, depth),
            BaseType::Named(_) => self.named_value(named(ty), depth),
        })
    }

    fn list(&mut self, inner: &Type, depth: usize) -> Value {
        let is_object = matches!(self.schema.types.get(named(inner)), Some(Kind::Input(_)));
        let len = match self.rng.below(10) {
            0 => 0,
            1..=5 => 1,
            6..=7 => 3,
            _ if self.bad() && self.take_huge() => {
                if is_object {
                    HUGE_OBJECTS
                } else {
                    HUGE_SCALARS
                }
            }
            _ if depth > 1 => 3,
            _ => 12,
        };
        // A huge list repeats one element: what matters is its length.
        let huge = len >= HUGE_OBJECTS;
        let mut items: Vec<Value> = Vec::with_capacity(len.min(HUGE_SCALARS));
        for i in 0..len {
            if huge && i > 0 {
                items.push(items[0].clone());
            } else {
                let v = self
                    .value_for(inner, depth + 1, false)
                    .unwrap_or(Value::Null);
                items.push(v);
            }
        }
        Value::Array(items)
    }

    fn hostile_string(&mut self) -> Value {
        if self.rng.chance(12) && self.take_huge() {
            let unit = *self.rng.pick(&["x", "\u{0}", "é", "'", "a\u{1}"]);
            return Value::String(unit.repeat(LONG / unit.len()));
        }
        let base = self.plausible_string();
        match self.rng.below(10) {
            // NUL before, inside or after an otherwise plausible value.
            0..=2 => {
                let text = base.as_str().unwrap_or("x");
                Value::String(match self.rng.below(3) {
                    0 => format!("\u{0}{text}"),
                    1 => format!("{text}\u{0}"),
                    _ => "\u{0}".to_owned(),
                })
            }
            3 => Value::String("9".repeat(40)),
            4 => json!(self.rng.pick(INTS)),
            _ => Value::String((*self.rng.pick(STRINGS)).to_owned()),
        }
    }

    fn plausible_string(&mut self) -> Value {
        if !self.pool.codes.is_empty() && self.rng.chance(30) {
            return Value::String(self.rng.pick(&self.pool.codes).clone());
        }
        Value::String(match self.rng.below(4) {
            0 => "QN".to_owned(),
            1 => "Quảng Ninh".to_owned(),
            _ => format!("FUZZ-{}", self.rng.next_u64() % 100_000),
        })
    }

    fn id(&mut self) -> Value {
        let types = [
            "Campaign",
            "OrgUnit",
            "User",
            "Criterion",
            "Milestone",
            "Participation",
            "ProgressReport",
            "Programme",
            "Target",
            "Field",
            "Nope",
        ];
        let ty = *self.rng.pick(&types);
        let uuid = uuid_text(&mut self.rng);
        if !self.bad() {
            let wanted = wanted_type(&self.hint);
            let fitting: Vec<&String> = self
                .pool
                .ids
                .iter()
                .filter(|(t, _)| {
                    wanted
                        .as_ref()
                        .is_none_or(|w| t.to_lowercase().contains(w.as_str()))
                })
                .map(|(_, id)| id)
                .collect();
            if !fitting.is_empty() && self.rng.chance(85) {
                let id = (*self.rng.pick(&fitting)).clone();
                return Value::String(id);
            }
            return Value::String(base64url(format!("{ty}:{uuid}").as_bytes()));
        }
        let raw = match self.rng.below(8) {
            0 => format!("{ty}:not-a-uuid"),
            1 => format!("{ty}:\u{0}"),
            2 => format!(":{uuid}"),
            3 => uuid.clone(),
            4 => return Value::String(uuid),
            5 => return Value::String("!!not base64!!".into()),
            6 if self.take_huge() => return Value::String("QQ".repeat(LONG / 2)),
            _ => return self.hostile_string(),
        };
        Value::String(base64url(raw.as_bytes()))
    }

    /// Cursors are `base64url(id \n value)`: near-valid ones reach the decoding code.
    fn cursor(&mut self) -> Value {
        let uuid = uuid_text(&mut self.rng);
        let value = match self.rng.below(6) {
            0 => "\u{0}".to_owned(),
            1 => "9".repeat(40),
            2 => "'".to_owned(),
            3 => "2025-2-3".to_owned(),
            4 => i64::MIN.to_string(),
            _ => "/x/".to_owned(),
        };
        match self.rng.below(4) {
            0 => Value::String(base64url(format!("{uuid}\n{value}").as_bytes())),
            1 => Value::String(base64url(b"no newline")),
            2 => Value::String(base64url(&[0xff, 0xfe, 0, 1])),
            _ => self.hostile_string(),
        }
    }

    fn named_value(&mut self, name: &str, depth: usize) -> Value {
        let kind = self.schema.types.get(name).cloned();
        if let Some(Kind::Input(fields)) = kind {
            if depth >= MAX_DEPTH {
                return json!({});
            }
            let mut m = Map::new();
            for f in &fields {
                self.hint.clone_from(&f.name);
                if let Some(v) = self.value_for(&f.ty, depth + 1, true) {
                    m.insert(f.name.clone(), v);
                }
            }
            if self.bad() && self.rng.chance(5) {
                m.insert("notAField".into(), json!(1));
            }
            return Value::Object(m);
        }
        if name == "ID" {
            return self.id();
        }
        let bad = self.bad();
        match (name, kind, bad) {
            ("Int", _, false) => json!(
                self.rng
                    .pick(&[0, 1, 2, 5, 10, 20, 50, 100, 2024, 2025, 2030])
            ),
            ("Int", _, true) => {
                if self.rng.chance(10) {
                    off_range_int(&mut self.rng)
                } else if self.rng.chance(15) {
                    json!(self.rng.next_u64() as i32)
                } else {
                    json!(self.rng.pick(INTS))
                }
            }
            ("Float", _, _) => json!(*self.rng.pick(&[0.0, -1.0, 1e308, -1e308, 0.5, 1e-300])),
            ("Boolean", _, true) if self.rng.chance(20) => json!("true"),
            ("Boolean", _, _) => json!(self.rng.chance(50)),
            ("String", _, false) if wanted_type(&self.hint).is_some() => self.id(),
            ("String", _, false) => self.plausible_string(),
            ("String", _, true) => {
                if self.rng.chance(15) {
                    self.cursor()
                } else {
                    self.hostile_string()
                }
            }
            ("NaiveDate", _, false) => json!(format!(
                "2025-{:02}-{:02}",
                1 + self.rng.below(12),
                1 + self.rng.below(28)
            )),
            ("NaiveDate", _, true) => self.one_of_or_string(DATES),
            ("DateTime", _, false) => json!("2025-06-01T08:00:00Z"),
            ("DateTime", _, true) => self.one_of_or_string(DATE_TIMES),
            ("Decimal" | "Measurement", _, false) => {
                json!(self.rng.pick(&["0", "1", "12.5", "95", "100"]))
            }
            ("Decimal" | "Measurement", _, true) => match self.rng.below(10) {
                0 => json!(self.rng.pick(&[1.5, 1e300, -0.0, 12.34567])),
                1 => json!(true),
                _ => self.one_of_or_string(DECIMALS),
            },
            ("UUID", _, false) => Value::String(uuid_text(&mut self.rng)),
            ("JSON", _, _) => match self.rng.below(4) {
                0 => json!({"a": [1, {"b": "\u{0}"}], "n": i64::MAX}),
                1 => json!("\u{0}"),
                2 => json!([]),
                _ => self.hostile_string(),
            },
            ("Upload", _, _) => json!(self.rng.pick(&["file", "0"])),
            (_, Some(Kind::Enum(values)), false) => json!(self.rng.pick(&values)),
            (_, Some(Kind::Enum(values)), true) => match self.rng.below(8) {
                0..=2 => json!("NOT_A_VALUE"),
                3..=4 => json!(self.rng.pick(&values).to_lowercase()),
                5 => json!(""),
                6 => json!(3),
                _ => json!("\u{0}"),
            },
            // Any other scalar: anything goes.
            _ => self.hostile_string(),
        }
    }

    fn one_of_or_string(&mut self, items: &[&str]) -> Value {
        if self.rng.chance(85) {
            Value::String((*self.rng.pick(items)).to_owned())
        } else {
            self.hostile_string()
        }
    }
}

/// The value written as a GraphQL literal (strings escaped as JSON escapes them, which
/// GraphQL reads the same; enum values bare).
pub fn literal(schema: &Schema, ty: &Type, v: &Value) -> String {
    match v {
        Value::String(s)
            if matches!(schema.types.get(named(ty)), Some(Kind::Enum(_)))
                && !s.is_empty()
                && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && !s.starts_with(|c: char| c.is_ascii_digit()) =>
        {
            s.clone()
        }
        Value::Array(items) => {
            let inner = match &ty.base {
                BaseType::List(inner) => inner.as_ref().clone(),
                BaseType::Named(_) => ty.clone(),
            };
            let parts: Vec<String> = items.iter().map(|i| literal(schema, &inner, i)).collect();
            format!("[{}]", parts.join(", "))
        }
        Value::Object(m) => {
            let fields = match schema.types.get(named(ty)) {
                Some(Kind::Input(fields)) => fields.clone(),
                _ => vec![],
            };
            let parts: Vec<String> = m
                .iter()
                .map(|(k, v)| {
                    let fty = fields.iter().find(|f| &f.name == k).map_or_else(
                        || Type::new("String").unwrap_or_else(|| ty.clone()),
                        |f| f.ty.clone(),
                    );
                    format!("{k}: {}", literal(schema, &fty, v))
                })
                .collect();
            format!("{{{}}}", parts.join(", "))
        }
        other => other.to_string(),
    }
}

/// A short, readable account of a value for the report: long strings and lists are
/// shown by their length and first characters, control characters escaped.
pub fn summarize(v: &Value) -> String {
    let s = match v {
        Value::String(s) if s.chars().count() > 24 => {
            let head: String = s.chars().take(12).collect();
            format!("{head:?}…(len {})", s.len())
        }
        Value::String(s) => format!("{s:?}"),
        Value::Array(items) if items.len() > 4 => match items.first() {
            Some(first) => format!("[{} × {}…]", items.len(), summarize(first)),
            None => "[]".into(),
        },
        Value::Array(items) => {
            let parts: Vec<String> = items.iter().map(summarize).collect();
            format!("[{}]", parts.join(", "))
        }
        Value::Object(m) => {
            let parts: Vec<String> = m
                .iter()
                .map(|(k, v)| format!("{k}: {}", summarize(v)))
                .collect();
            format!("{{{}}}", parts.join(", "))
        }
        other => other.to_string(),
    };
    if s.chars().count() > 400 {
        let head: String = s.chars().take(400).collect();
        format!("{head}…")
    } else {
        s
    }
}
