//! Opaque connection cursors carrying a keyset position (sort value and id).

use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, Object, OutputType};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use thidua_persistence::page::{CountQuery, KeyCursor, Page, PageRequest};
use uuid::Uuid;

use crate::error::bad_input;

/// Page size when `first` is not given, and the most a client may ask for.
pub const DEFAULT_PAGE: u64 = 20;
pub const MAX_PAGE: u64 = 100;

pub fn encode(c: &KeyCursor) -> String {
    URL_SAFE_NO_PAD.encode(format!("{}\n{}", c.id, c.value))
}

pub fn decode(raw: &str) -> async_graphql::Result<KeyCursor> {
    let bad = || bad_input(&thidua_domain::msg!("cursor-not-returned"));
    if raw.len() > 4096 {
        return Err(bad());
    }
    let bytes = URL_SAFE_NO_PAD.decode(raw).map_err(|_| bad())?;
    let text = String::from_utf8(bytes).map_err(|_| bad())?;
    // The sort value goes to SQL: nothing a database cannot compare.
    if text.chars().any(|c| c.is_control() && c != '\n') {
        return Err(bad());
    }
    let (id, value) = text.split_once('\n').ok_or_else(bad)?;
    Ok(KeyCursor {
        value: value.to_owned(),
        id: Uuid::parse_str(id).map_err(|_| bad())?,
    })
}

/// Complexity of `totalCount`: a statement of its own, so it weighs more than a plain
/// field. Like every field under a connection it is multiplied by the page size
/// ([`page_cost`]), so asking it on many wide connections hits the complexity limit.
pub const TOTAL_COUNT_COST: usize = 2;

/// The fields every connection has besides edges and pageInfo: the size of the whole
/// listing, counted with the list's own filters and scope when (and only when) selected.
pub struct Counted(CountQuery);

#[Object]
impl Counted {
    /// How many items the whole listing has: the same filters and the same view of the
    /// caller's rights as the edges, ignoring `first` and `after`. One SQL COUNT, run only
    /// when this field is selected.
    #[graphql(complexity = "TOTAL_COUNT_COST")]
    async fn total_count(&self, ctx: &Context<'_>) -> async_graphql::Result<u64> {
        self.0
            .run(crate::context::reads(ctx))
            .await
            .map_err(crate::error::query_error)
    }
}

/// A keyset-paginated connection with its `totalCount`.
pub type CountedConnection<N> = Connection<String, N, Counted>;

/// A page of rows as a Relay connection: each row becomes `node(row)`, its cursor the keyset
/// position `key` gives, so the next page starts right after it.
pub fn connection<M, N: OutputType>(
    page: Page<M>,
    key: impl Fn(&M) -> KeyCursor,
    node: impl Fn(M) -> N,
) -> CountedConnection<N> {
    let mut conn = Connection::with_additional_fields(false, page.has_next, Counted(page.count));
    conn.edges.extend(
        page.items
            .into_iter()
            .map(|m| Edge::new(encode(&key(&m)), node(m))),
    );
    conn
}

/// The keyset position of a listing ordered by id alone (ids are time-ordered UUIDv7).
pub fn id_only(id: Uuid) -> KeyCursor {
    KeyCursor {
        value: String::new(),
        id,
    }
}

pub fn page_request(
    first: Option<i32>,
    after: Option<String>,
) -> async_graphql::Result<PageRequest> {
    let first = thidua_domain::bounds::PageSize::parse(first, 0, DEFAULT_PAGE, MAX_PAGE)
        .map_err(crate::args::field_error)?
        .get();
    let after = after.as_deref().map(decode).transpose()?;
    Ok(PageRequest { first, after })
}

/// Leaderboard pages: 100 entries unless `first` says otherwise, at most 1000.
pub const LEADERBOARD_DEFAULT: u64 = 100;
pub const LEADERBOARD_MAX: u64 = 1000;

/// Complexity of a leaderboard: entries times the cost of one, like [`page_cost`] but with
/// the leaderboard's own page sizes (a whole table of units is a normal request; a whole
/// table explained cell by cell as objects is not).
pub fn leaderboard_cost(first: Option<i32>, child_complexity: usize) -> usize {
    let n = first.map_or(LEADERBOARD_DEFAULT, |f| {
        u64::try_from(f).unwrap_or(0).min(LEADERBOARD_MAX)
    });
    usize::try_from(n)
        .unwrap_or(usize::MAX)
        .saturating_mul(child_complexity)
        .saturating_add(1)
}

/// Complexity of a connection field: its page size times the cost of one item, so a
/// client cannot fetch 100 × 100 nested rows under the complexity limit.
pub fn page_cost(first: Option<i32>, child_complexity: usize) -> usize {
    let n = first.map_or(DEFAULT_PAGE, |f| {
        u64::try_from(f).unwrap_or(0).min(MAX_PAGE)
    });
    usize::try_from(n)
        .unwrap_or(usize::MAX)
        .saturating_mul(child_complexity)
        .saturating_add(1)
}
