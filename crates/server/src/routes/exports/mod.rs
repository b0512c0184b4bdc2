//! `GET /exports/<name>.csv` and `.xlsx`: a register (commendations, exemplary models,
//! reports) or a dashboard figure (`aggregates`) as a spreadsheet, for officers who still
//! work in Excel. The caller is settled first (no or a bad token or export link: 401 before
//! any work), then the filters (the GraphQL query's, as query-string parameters), then the
//! rows stream from the database through a small bounded channel, so an export of 100,000
//! rows holds a few chunks in memory, never the whole file.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use futures_util::StreamExt;
use thidua_api::Caller;
use thidua_api::context::CallerSession;
use thidua_api::i18n::{self, Locale};
use thidua_domain::access::{Actor, Resource};
use thidua_domain::commendation::CommendationStatus;
use thidua_domain::csv;
use thidua_domain::exemplar::ExemplarStage;
use thidua_domain::export::{self, EXPORTS};
use thidua_domain::report::ReportStatus;
use thidua_domain::text::SearchQuery;
use thidua_domain::{ErrorCode, Message, MessageArg, msg};
use thidua_persistence::commendations::CommendationFilter;
use thidua_persistence::exemplars::ExemplarFilter;
use thidua_persistence::exports::{self, CommendationRow, ExemplarRow, ReportValueRow};
use thidua_persistence::reports::ReportFilter;
use tokio::sync::mpsc;

mod aggregates;

use super::{caller_of, caller_with_session, json_error};
use crate::refusal::{Challenge, unauthenticated};
use crate::startup::{AppState, RequestId};

/// Bytes gathered before a chunk is sent, and chunks in flight: what an export holds.
const CHUNK_BYTES: usize = 64 * 1024;
const CHUNKS_IN_FLIGHT: usize = 4;
/// Most query-string parameters an export reads (more is a malformed request).
const MAX_PARAMS: usize = 16;

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// An answer refusing the request, boxed (it is large) until the handler returns it.
type Refusal = Box<HttpResponse>;

fn bad_request(message: &Message) -> Refusal {
    Box::new(json_error(
        StatusCode::BAD_REQUEST,
        ErrorCode::BadUserInput,
        message,
    ))
}

pub async fn export(
    req: HttpRequest,
    name: web::Path<String>,
    query: web::Query<Vec<(String, String)>>,
    app: web::Data<AppState>,
) -> HttpResponse {
    let request_id = RequestId::of(&req);
    let name = name.into_inner();
    let (actor, session) = match authenticate(&req, &app, &request_id, &name).await {
        Ok(x) => x,
        Err(resp) => return resp,
    };
    // A machine client with `exports:read` exports the reports of its subtree only: the
    // other registers and the dashboards are province-wide.
    let allowed = if actor.is_client() {
        actor.may_read_resource(Resource::Exports) && name.starts_with("reports.")
    } else {
        actor.may_read()
    };
    if !allowed {
        return json_error(
            StatusCode::FORBIDDEN,
            ErrorCode::Forbidden,
            &msg!("forbidden"),
        );
    }
    if !EXPORTS.contains(&name.as_str()) {
        return json_error(
            StatusCode::NOT_FOUND,
            ErrorCode::NotFound,
            &msg!("no-such-export", name = name, known = EXPORTS.join(", ")),
        );
    }
    // The link's own parameter is the credential, not a filter.
    let params: Vec<(String, String)> = query
        .into_inner()
        .into_iter()
        .filter(|(k, _)| k != export::LINK_PARAM)
        .collect();
    if params.len() > MAX_PARAMS {
        return *bad_request(&msg!("export-too-many-parameters", max = MAX_PARAMS));
    }
    let params: HashMap<String, String> = params.into_iter().collect();
    let (db, locale) = (app.db.conn.clone(), i18n::current());
    let xlsx = name.ends_with(".xlsx");
    let content_type = if xlsx {
        XLSX
    } else {
        "text/csv; charset=utf-8"
    };
    let stem = name.split_once('.').map_or(name.as_str(), |(s, _)| s);
    if let Some(kind) = aggregates::Aggregate::named(stem) {
        let asked = aggregates::Asked {
            app: &app,
            req: &req,
            actor: &actor,
            session,
            request_id: &request_id,
        };
        return match aggregates::table(kind, &asked, &params, locale).await {
            Ok((labels, rows)) => {
                let (tx, resp) = streaming(&name, content_type);
                tokio::spawn(async move {
                    if let Some(sink) = Sink::open(xlsx, labels, tx).await {
                        write_rows(rows, sink).await;
                    }
                });
                resp
            }
            Err(resp) => *resp,
        };
    }
    if stem == "reports" {
        let filter = match report_filter(&app, &actor, &params).await {
            Ok(f) => f,
            Err(resp) => return *resp,
        };
        // The criteria become columns when the export is of one campaign.
        let criteria = match filter.campaign_id {
            Some(c) => {
                match thidua_persistence::campaigns::criteria_by_campaign_ids(&db, &[c]).await {
                    Ok(cs) => Some(cs.into_iter().map(|c| (c.id, c.title)).collect()),
                    Err(_) => return *unavailable(),
                }
            }
            None => None,
        };
        let labels = report_labels(locale, criteria.as_deref());
        let (tx, resp) = streaming(&name, content_type);
        tokio::spawn(async move {
            if let Some(sink) = Sink::open(xlsx, labels, tx).await {
                write_reports(db, &filter, criteria, sink, locale).await;
            }
        });
        return resp;
    }
    if stem == "commendations" {
        let filter = match commendation_filter(&app, &params).await {
            Ok(f) => f,
            Err(resp) => return *resp,
        };
        let head = labels(locale, &msg!("export-commendations-header"));
        let (tx, resp) = streaming(&name, content_type);
        tokio::spawn(async move {
            let Some(sink) = Sink::open(xlsx, head, tx).await else {
                return;
            };
            let rows = exports::commendation_register(&db, &filter).await;
            write_register(rows, sink, |r: &CommendationRow| {
                commendation_cells(locale, r)
            })
            .await;
        });
        return resp;
    }
    let filter = match exemplar_filter(&app, &params).await {
        Ok(f) => f,
        Err(resp) => return *resp,
    };
    let head = labels(locale, &msg!("export-exemplars-header"));
    let (tx, resp) = streaming(&name, content_type);
    tokio::spawn(async move {
        let Some(sink) = Sink::open(xlsx, head, tx).await else {
            return;
        };
        let rows = exports::exemplar_register(&db, &filter).await;
        write_register(rows, sink, |r: &ExemplarRow| exemplar_cells(locale, r)).await;
    });
    resp
}

/// The caller, settled before any work: by the `link` parameter when there is one (an
/// export link, see `createExportLink`; `Authorization` is then not read), else by the
/// bearer token. Either way the session must be alive and the grants are loaded as they
/// are now. A link that does not verify or has expired is 401; a valid link for another
/// export or other parameters is 403.
async fn authenticate(
    req: &HttpRequest,
    app: &AppState,
    request_id: &str,
    name: &str,
) -> Result<(Actor, Option<CallerSession>), HttpResponse> {
    let raw = req.query_string();
    let has_link = raw
        .split('&')
        .any(|p| p.split_once('=').map_or(p, |(k, _)| k) == export::LINK_PARAM);
    let found = if has_link {
        let Some((bound, token)) = export::split_link(raw) else {
            return Err(unauthenticated(req, &app.metrics, Challenge::InvalidToken));
        };
        let Ok(grant) = app.api.tokens.verify_link(&token, app.api.clock.now()) else {
            return Err(unauthenticated(req, &app.metrics, Challenge::InvalidToken));
        };
        if grant.path != format!("{}{name}", export::PREFIX) || grant.query != bound {
            return Err(json_error(
                StatusCode::FORBIDDEN,
                ErrorCode::Forbidden,
                &msg!("export-link-mismatch"),
            ));
        }
        caller_of(req, app, request_id, grant.subject).await?
    } else {
        caller_with_session(req, app, request_id).await?
    };
    match found {
        (Caller::User(_), Some(s)) if s.must_change_password => Err(json_error(
            StatusCode::FORBIDDEN,
            ErrorCode::PasswordChangeRequired,
            &msg!("password-change-required"),
        )),
        (Caller::User(a), s) => Ok((a, s)),
        (Caller::Anonymous, _) => Err(unauthenticated(req, &app.metrics, Challenge::NoToken)),
        (Caller::InvalidToken, _) => {
            Err(unauthenticated(req, &app.metrics, Challenge::InvalidToken))
        }
    }
}

/// Refuses any parameter the export does not take.
fn only(params: &HashMap<String, String>, known: &[&str]) -> Result<(), Refusal> {
    match params.keys().find(|k| !known.contains(&k.as_str())) {
        Some(k) => Err(bad_request(&msg!(
            "export-unknown-parameter",
            name = k.clone()
        ))),
        None => Ok(()),
    }
}

/// A global id of type `T` from the parameter `name`, if given.
fn id_param<T: thidua_api::ids::Global>(
    params: &HashMap<String, String>,
    name: &'static str,
) -> Result<Option<thidua_domain::id::Id<T>>, Refusal> {
    params
        .get(name)
        .map(|raw| {
            thidua_api::ids::parse::<T>(raw).ok_or_else(|| {
                bad_request(&msg!(
                    "field-node-id-invalid",
                    field = name,
                    kind = T::NODE.name()
                ))
            })
        })
        .transpose()
}

/// The path of the `unitSubtree` unit; an unknown unit has nothing under it.
async fn subtree_param(
    app: &AppState,
    params: &HashMap<String, String>,
) -> Result<Option<String>, Refusal> {
    let Some(id) = id_param::<thidua_domain::id::of::OrgUnit>(params, "unitSubtree")? else {
        return Ok(None);
    };
    let found = thidua_persistence::org_units::by_ids(&app.db.conn, &[id])
        .await
        .map_err(|_| unavailable())?;
    Ok(Some(
        found
            .into_iter()
            .next()
            .map_or_else(|| "/nonexistent/".into(), |u| u.path),
    ))
}

fn search_param(params: &HashMap<String, String>) -> Result<Option<SearchQuery>, Refusal> {
    match params.get("search") {
        Some(raw) => SearchQuery::parse(raw).map_err(|e| bad_request(&e.message)),
        None => Ok(None),
    }
}

/// A closed-set value (`stage`, `status`) from the parameter `name`, if given.
fn enum_param<T>(
    params: &HashMap<String, String>,
    name: &'static str,
    parse: fn(&str) -> Option<T>,
) -> Result<Option<T>, Refusal> {
    params
        .get(name)
        .map(|raw| {
            parse(raw).ok_or_else(|| {
                bad_request(&msg!("export-bad-value", name = name, value = raw.clone()))
            })
        })
        .transpose()
}

/// The parameters of `commendations(filter:)`: `status`, `unitSubtree`, `awardTypeId`,
/// `exemplarId`, `sessionId`, `personId`, `decisionYear`, `search`.
async fn commendation_filter(
    app: &AppState,
    params: &HashMap<String, String>,
) -> Result<CommendationFilter, Refusal> {
    only(
        params,
        &[
            "status",
            "unitSubtree",
            "awardTypeId",
            "exemplarId",
            "sessionId",
            "personId",
            "decisionYear",
            "search",
        ],
    )?;
    let decision_year = match params.get("decisionYear") {
        Some(raw) => Some(
            raw.trim()
                .parse::<i32>()
                .ok()
                .and_then(|y| thidua_domain::bounds::Year::parse(y).ok())
                .map(thidua_domain::bounds::Year::get)
                .ok_or_else(|| {
                    bad_request(&msg!(
                        "export-bad-value",
                        name = "decisionYear",
                        value = raw.clone()
                    ))
                })?,
        ),
        None => None,
    };
    use thidua_domain::id::of;
    Ok(CommendationFilter {
        status: enum_param(params, "status", CommendationStatus::parse)?,
        subtree_path: subtree_param(app, params).await?,
        award_type_id: id_param::<of::AwardType>(params, "awardTypeId")?,
        exemplar_id: id_param::<of::Exemplar>(params, "exemplarId")?,
        session_id: id_param::<of::CouncilSession>(params, "sessionId")?,
        person_id: id_param::<of::Person>(params, "personId")?,
        decision_year,
        search: search_param(params)?,
    })
}

/// `unitSubtree`, `fieldId`, `stage` and `search`, as `exemplars(filter:)` takes them.
async fn exemplar_filter(
    app: &AppState,
    params: &HashMap<String, String>,
) -> Result<ExemplarFilter, Refusal> {
    only(params, &["unitSubtree", "fieldId", "stage", "search"])?;
    Ok(ExemplarFilter {
        subtree_path: subtree_param(app, params).await?,
        field_id: id_param::<thidua_domain::id::of::Field>(params, "fieldId")?,
        stage: enum_param(params, "stage", ExemplarStage::parse)?,
        search: search_param(params)?,
    })
}

/// `campaignId`, `unitSubtree` and `status`, as `reports(filter:)` takes them, within what
/// the caller may read there: reports of units under their grants, or their own.
async fn report_filter(
    app: &AppState,
    actor: &thidua_domain::access::Actor,
    params: &HashMap<String, String>,
) -> Result<ReportFilter, Refusal> {
    only(params, &["campaignId", "unitSubtree", "status"])?;
    Ok(ReportFilter {
        campaign_id: id_param::<thidua_domain::id::of::Campaign>(params, "campaignId")?,
        subtree_path: subtree_param(app, params).await?,
        status: enum_param(params, "status", ReportStatus::parse)?,
        readable_paths: actor.read_paths(Resource::Exports),
        reader_id: actor.user_id.map(thidua_domain::id::UserId::from_uuid),
    })
}

fn unavailable() -> Refusal {
    Box::new(json_error(
        StatusCode::SERVICE_UNAVAILABLE,
        ErrorCode::ServiceUnavailable,
        &msg!("database-unavailable"),
    ))
}

type Sender = mpsc::Sender<Result<web::Bytes, std::io::Error>>;

/// A 200 answer whose body is what is sent on the returned channel, chunk by chunk.
fn streaming(file_name: &str, content_type: &'static str) -> (Sender, HttpResponse) {
    let (tx, rx) = mpsc::channel(CHUNKS_IN_FLIGHT);
    let resp = HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, content_type))
        .insert_header((
            header::CONTENT_DISPOSITION,
            thidua_domain::evidence::content_disposition(file_name),
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header(("x-content-type-options", "nosniff"))
        .streaming(tokio_stream_from(rx));
    (tx, resp)
}

/// The receiving end of the channel as a body stream.
fn tokio_stream_from(
    mut rx: mpsc::Receiver<Result<web::Bytes, std::io::Error>>,
) -> impl futures_util::Stream<Item = Result<web::Bytes, std::io::Error>> {
    futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx))
}

/// Gathers lines into chunks and sends them; false once the client has gone.
struct Chunks {
    tx: Sender,
    buf: String,
}

impl Chunks {
    async fn push(&mut self, line: &str) -> bool {
        self.buf.push_str(line);
        if self.buf.len() >= CHUNK_BYTES {
            return self.flush().await;
        }
        true
    }

    async fn flush(&mut self) -> bool {
        let chunk = std::mem::take(&mut self.buf);
        self.tx.send(Ok(web::Bytes::from(chunk))).await.is_ok()
    }

    /// Ends the body with an error, so the client sees a broken download rather than a
    /// short file that looks complete.
    async fn fail(self, why: &str) {
        tracing::error!(error = why, "an export failed while streaming");
        let _ = self
            .tx
            .send(Err(std::io::Error::other(
                "the export could not be completed",
            )))
            .await;
    }
}

fn word(locale: Locale, vocabulary: &'static str, key: &str) -> String {
    i18n::render(
        locale,
        &msg!("export-word", word = MessageArg::word(vocabulary, key)),
    )
}

/// One cell of a register, typed so a spreadsheet gets numbers and dates, not text.
#[derive(Debug, Clone)]
enum Cell {
    Text(String),
    Int(i64),
    /// A decimal as its canonical text (`0.6667`), a number in a workbook.
    Decimal(String),
    Date(chrono::NaiveDate),
    /// A moment in Vietnam's local time, to the minute.
    DateTime(chrono::NaiveDateTime),
    Empty,
}

impl Cell {
    fn csv(&self) -> String {
        match self {
            Cell::Text(t) => csv::cell(t),
            Cell::Int(n) => csv::number(n),
            Cell::Decimal(d) => csv::number(d),
            Cell::Date(d) => csv::cell(&d.format("%Y-%m-%d").to_string()),
            Cell::DateTime(t) => csv::cell(&t.format("%Y-%m-%d %H:%M").to_string()),
            Cell::Empty => String::new(),
        }
    }
}

fn text(s: &str) -> Cell {
    Cell::Text(s.to_owned())
}

fn csv_line(cells: &[Cell]) -> String {
    csv::line(&cells.iter().map(Cell::csv).collect::<Vec<_>>())
}

/// The header labels of a register, from its `|`-separated localised message.
fn labels(locale: Locale, header: &Message) -> Vec<String> {
    i18n::render(locale, header)
        .split('|')
        .map(|l| l.trim().to_owned())
        .collect()
}

fn exemplar_cells(locale: Locale, r: &ExemplarRow) -> Vec<Cell> {
    vec![
        text(&r.name),
        Cell::Text(word(locale, "recipient-kind", r.kind.as_str())),
        Cell::Text(word(locale, "exemplar-stage", r.stage.as_str())),
        text(&r.unit_code),
        text(&r.unit_name),
        text(r.field_name.as_deref().unwrap_or_default()),
        Cell::Text(word(
            locale,
            "yes-no",
            if r.is_direct_worker { "YES" } else { "NO" },
        )),
        Cell::Int(r.replications),
        Cell::Date(thidua_domain::calendar::date_in_vietnam(r.created_at)),
        Cell::Text(thidua_api::ids::NodeType::Exemplar.encode(r.id).0),
    ]
}

fn commendation_cells(locale: Locale, r: &CommendationRow) -> Vec<Cell> {
    vec![
        text(r.decision_number.as_deref().unwrap_or_default()),
        r.decision_date.map_or(Cell::Empty, Cell::Date),
        text(r.issuing_authority.as_deref().unwrap_or_default()),
        text(&r.award_name),
        Cell::Text(word(locale, "award-level", r.level.as_str())),
        Cell::Text(word(locale, "commendation-kind", r.kind.as_str())),
        text(r.recipient()),
        Cell::Text(word(locale, "recipient-type", r.recipient_type.as_str())),
        text(&r.unit_code),
        text(&r.unit_name),
        Cell::Int(i64::from(r.award_year)),
        Cell::Text(word(locale, "commendation-status", r.status.as_str())),
        Cell::Text(thidua_api::ids::NodeType::Commendation.encode(r.id).0),
    ]
}

/// Where an export's rows go: CSV lines gathered into chunks, or a workbook written on a
/// blocking thread and streamed once finished.
enum Sink {
    Csv(Chunks),
    Xlsx(XlsxSink),
}

/// Rows waiting for the spreadsheet writer: bounded, so the database waits for it.
const XLSX_ROWS_IN_FLIGHT: usize = 256;

/// `rust_xlsxwriter` is synchronous, so a blocking thread writes the sheet in
/// constant-memory mode (rows go straight to a temporary file) while the export feeds it
/// rows; the finished file is then streamed in chunks and deleted, whatever happens.
struct XlsxSink {
    out: Chunks,
    rows: mpsc::Sender<Vec<Cell>>,
    writer: tokio::task::JoinHandle<Result<(), rust_xlsxwriter::XlsxError>>,
    path: std::path::PathBuf,
}

impl Sink {
    /// Starts a file with its header row; None once the client has gone.
    async fn open(xlsx: bool, labels: Vec<String>, tx: Sender) -> Option<Self> {
        if xlsx {
            let path =
                std::env::temp_dir().join(format!("thidua-export-{}.xlsx", uuid::Uuid::new_v4()));
            let (rows, row_rx) = mpsc::channel::<Vec<Cell>>(XLSX_ROWS_IN_FLIGHT);
            let target = path.clone();
            let writer = tokio::task::spawn_blocking(move || build_xlsx(&target, &labels, row_rx));
            let out = Chunks {
                tx,
                buf: String::new(),
            };
            return Some(Sink::Xlsx(XlsxSink {
                out,
                rows,
                writer,
                path,
            }));
        }
        let mut out = Chunks {
            tx,
            buf: String::with_capacity(CHUNK_BYTES + 1024),
        };
        let labels: Vec<&str> = labels.iter().map(String::as_str).collect();
        if !out.push(csv::BOM).await || !out.push(&csv::header(&labels)).await {
            return None;
        }
        Some(Sink::Csv(out))
    }

    /// Adds a row; false when there is no point going on (the client or the writer
    /// stopped): then [`Sink::finish`] says why.
    async fn row(&mut self, cells: Vec<Cell>) -> bool {
        match self {
            Sink::Csv(out) => out.push(&csv_line(&cells)).await,
            Sink::Xlsx(x) => x.rows.send(cells).await.is_ok(),
        }
    }

    /// Ends the file: the last CSV chunk, or the finished workbook.
    async fn finish(self) {
        match self {
            Sink::Csv(mut out) => {
                let _ = out.flush().await;
            }
            Sink::Xlsx(x) => x.end(None).await,
        }
    }

    /// Ends the body with an error (see [`Chunks::fail`]).
    async fn fail(self, why: &str) {
        match self {
            Sink::Csv(out) => out.fail(why).await,
            Sink::Xlsx(x) => x.end(Some(why.to_owned())).await,
        }
    }
}

impl XlsxSink {
    async fn end(self, failed: Option<String>) {
        let XlsxSink {
            out,
            rows,
            writer,
            path,
        } = self;
        drop(rows);
        let built = match writer.await {
            Ok(Ok(())) => failed.map_or(Ok(()), Err),
            Ok(Err(e)) => Err(e.to_string()),
            Err(e) => Err(e.to_string()),
        };
        match built {
            Ok(()) => send_file(&path, out).await,
            Err(why) => out.fail(&why).await,
        }
        let _ = tokio::fs::remove_file(&path).await;
    }
}

/// A register's rows as they stream from the database.
async fn write_register<T>(
    rows: Result<exports::RowStream<'_, T>, thidua_persistence::error::StoreError>,
    mut sink: Sink,
    to_cells: impl Fn(&T) -> Vec<Cell>,
) {
    let mut rows = match rows {
        Ok(r) => r,
        Err(e) => return sink.fail(&e.to_string()).await,
    };
    while let Some(row) = rows.next().await {
        match row {
            Ok(r) => {
                if !sink.row(to_cells(&r)).await {
                    break;
                }
            }
            Err(e) => return sink.fail(&e.to_string()).await,
        }
    }
    sink.finish().await;
}

/// Rows already in memory (an aggregate: at most a thousand groups).
async fn write_rows(rows: Vec<Vec<Cell>>, mut sink: Sink) {
    for r in rows {
        if !sink.row(r).await {
            break;
        }
    }
    sink.finish().await;
}

/// Writes the workbook at `path`: a bold, frozen header row, then the rows as they come.
fn build_xlsx(
    path: &std::path::Path,
    labels: &[String],
    mut rows: mpsc::Receiver<Vec<Cell>>,
) -> Result<(), rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let date = Format::new().set_num_format("dd/mm/yyyy");
    let moment = Format::new().set_num_format("dd/mm/yyyy hh:mm");
    let sheet = book.add_worksheet_with_constant_memory()?;
    for (col, label) in (0u16..).zip(labels) {
        sheet.write_string_with_format(0, col, label, &bold)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    let mut row = 0u32;
    while let Some(cells) = rows.blocking_recv() {
        row += 1;
        for (col, cell) in (0u16..).zip(&cells) {
            match cell {
                Cell::Text(t) => sheet.write_string(row, col, t)?,
                // Counts and years: far below 2^53, exact as a spreadsheet number.
                Cell::Int(n) => sheet.write_number(row, col, *n as f64)?,
                Cell::Decimal(d) => match d.parse::<f64>() {
                    Ok(n) => sheet.write_number(row, col, n)?,
                    Err(_) => sheet.write_string(row, col, d)?,
                },
                Cell::Date(d) => sheet.write_datetime_with_format(row, col, d, &date)?,
                Cell::DateTime(t) => sheet.write_datetime_with_format(row, col, t, &moment)?,
                Cell::Empty => sheet,
            };
        }
    }
    book.save(path)
}

/// Streams a finished file to the client in chunks.
async fn send_file(path: &std::path::Path, out: Chunks) {
    use tokio::io::AsyncReadExt;
    let mut file = match tokio::fs::File::open(path).await {
        Ok(f) => f,
        Err(e) => return out.fail(&e.to_string()).await,
    };
    loop {
        let mut buf = vec![0u8; CHUNK_BYTES];
        let n = match file.read(&mut buf).await {
            Ok(0) => return,
            Ok(n) => n,
            Err(e) => return out.fail(&e.to_string()).await,
        };
        buf.truncate(n);
        if out.tx.send(Ok(web::Bytes::from(buf))).await.is_err() {
            return;
        }
    }
}

/// A moment as officers read it: Vietnam's local time, to the minute.
fn local_time(at: chrono::DateTime<chrono::Utc>) -> Cell {
    use chrono::Timelike;
    let local = at
        .with_timezone(&thidua_domain::calendar::vietnam())
        .naive_local();
    Cell::DateTime(
        local
            .with_second(0)
            .and_then(|t| t.with_nanosecond(0))
            .unwrap_or(local),
    )
}

/// The cells every report line starts with.
fn report_cells(locale: Locale, r: &ReportValueRow) -> Vec<Cell> {
    vec![
        text(&r.campaign_code),
        text(&r.unit_code),
        text(&r.unit_name),
        Cell::Date(r.period_start),
        Cell::Date(r.period_end),
        Cell::Text(word(locale, "report-status", r.status.as_str())),
        local_time(r.submitted_at),
        r.reviewed_at.map_or(Cell::Empty, local_time),
    ]
}

/// A value, already normalised (`2.5`, not `2.5000`).
fn value_cell(v: Option<impl std::fmt::Display>) -> Cell {
    v.map_or(Cell::Empty, |v| Cell::Decimal(v.to_string()))
}

/// The report register's header: with `criteria` (one campaign) a column per criterion,
/// else the criterion and value columns.
fn report_labels(locale: Locale, criteria: Option<&[(uuid::Uuid, String)]>) -> Vec<String> {
    let mut head = labels(locale, &msg!("export-reports-header"));
    match criteria {
        Some(cs) => head.extend(cs.iter().map(|(_, title)| title.clone())),
        None => head.extend(labels(locale, &msg!("export-reports-value-header"))),
    }
    head
}

/// The report register. With `criteria` (one campaign), one line per report with a column
/// per criterion; without, one line per report and value (criterion, value), since
/// campaigns have different criteria. Rows arrive grouped by report, so one report's
/// values are all that is held.
async fn write_reports(
    db: sea_orm::DatabaseConnection,
    filter: &ReportFilter,
    criteria: Option<Vec<(uuid::Uuid, String)>>,
    mut sink: Sink,
    locale: Locale,
) {
    let mut rows = match exports::report_register(&db, filter).await {
        Ok(r) => r,
        Err(e) => return sink.fail(&e.to_string()).await,
    };
    // The report being folded into one line (campaign mode): its first row and its values.
    let mut current: Option<(ReportValueRow, HashMap<uuid::Uuid, Cell>)> = None;
    while let Some(row) = rows.next().await {
        let r: ReportValueRow = match row {
            Ok(r) => r,
            Err(e) => return sink.fail(&e.to_string()).await,
        };
        let Some(cs) = &criteria else {
            let mut cells = report_cells(locale, &r);
            cells.push(text(r.criterion_title.as_deref().unwrap_or_default()));
            cells.push(value_cell(r.value.map(|v| v.normalize())));
            if !sink.row(cells).await {
                return sink.finish().await;
            }
            continue;
        };
        if current.as_ref().is_some_and(|(first, _)| first.id != r.id)
            && let Some((first, values)) = current.take()
            && !sink.row(pivoted(locale, &first, values, cs)).await
        {
            return sink.finish().await;
        }
        let (_, values) = current.get_or_insert_with(|| (r.clone(), HashMap::new()));
        if let (Some(c), Some(v)) = (r.criterion_id, r.value) {
            values.insert(c, value_cell(Some(v.normalize())));
        }
    }
    if let (Some(cs), Some((first, values))) = (&criteria, current.take()) {
        let _ = sink.row(pivoted(locale, &first, values, cs)).await;
    }
    sink.finish().await;
}

/// One report as a line with a column per criterion of its campaign.
fn pivoted(
    locale: Locale,
    first: &ReportValueRow,
    mut values: HashMap<uuid::Uuid, Cell>,
    criteria: &[(uuid::Uuid, String)],
) -> Vec<Cell> {
    let mut cells = report_cells(locale, first);
    cells.extend(
        criteria
            .iter()
            .map(|(id, _)| values.remove(id).unwrap_or(Cell::Empty)),
    );
    cells
}
