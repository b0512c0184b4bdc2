//! The award catalogue as data with its legal basis: the NĐ 98/2023 Đ54 cash coefficient
//! per row, a flag for awards conferred by a central body (what target 3 counts), and a
//! start date that may be empty ("not in effect until an administrator sets it").
//!
//! Rows seeded before this migration get the new columns filled by code; rows the catalogue
//! adds (xã/phường tiêu biểu, the orders of Đ33, the titles of Đ59, the central bodies'
//! Bằng khen and Cờ thi đua…) are inserted by the idempotent catalogue seed that runs on
//! every start, so an old database and a new one end with the same catalogue (a test in
//! `thidua-persistence` checks it).

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{DatabaseBackend, Statement, Value};

use crate::helpers::a;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The legal basis the first catalogue carried on every national row; a row still holding
/// it (and never edited) gets the row's own basis below.
const OLD_LAW: &str = "Luật Thi đua, khen thưởng số 06/2022/QH15; Nghị định 98/2023/NĐ-CP";
const OLD_PROVINCIAL: &str =
    "Danh hiệu của tỉnh; văn bản quy định chưa được đối chiếu — giữ cấu hình được";

const TITLE_CASH: &str = "Luật Thi đua, khen thưởng số 06/2022/QH15 (điều quy định danh hiệu chưa đối chiếu ⚠); hệ số tiền thưởng: Nghị định 98/2023/NĐ-CP Điều 54";
const TITLE_NO_CASH: &str = "Luật Thi đua, khen thưởng số 06/2022/QH15 (điều quy định danh hiệu chưa đối chiếu ⚠); Nghị định 98/2023/NĐ-CP; hệ số tiền thưởng chưa đối chiếu ⚠";
const ORDER: &str = "Luật Thi đua, khen thưởng số 06/2022/QH15 Điều 33; Nghị định 98/2023/NĐ-CP; hệ số tiền thưởng chưa đối chiếu ⚠";
const HONORARY: &str = "Luật Thi đua, khen thưởng số 06/2022/QH15 Điều 59; Nghị định 98/2023/NĐ-CP; hệ số tiền thưởng chưa đối chiếu ⚠";
const FORM: &str = "Luật Thi đua, khen thưởng số 06/2022/QH15 (điều quy định hình thức chưa đối chiếu ⚠); Nghị định 98/2023/NĐ-CP; hệ số tiền thưởng chưa đối chiếu ⚠";
const PROVINCIAL: &str = "Danh hiệu của tỉnh do Đề án đổi mới phong trào thi đua yêu nước tỉnh Quảng Ninh giai đoạn 2021–2025 đề ra nghiên cứu; chưa có văn bản quy định ⚠ — chưa có hiệu lực cho đến khi quản trị viên đặt ngày hiệu lực";

/// The rows of the first catalogue: code, cash coefficient, legal basis. The same values
/// as `thidua_persistence::awards` seeds on a new database.
const FIRST_ROWS: &[(&str, Option<&str>, &str)] = &[
    ("LAO-DONG-TIEN-TIEN", Some("0.3"), TITLE_CASH),
    ("CSTD-CO-SO", Some("1"), TITLE_CASH),
    ("CSTD-TINH", Some("3"), TITLE_CASH),
    ("CSTD-TOAN-QUOC", Some("4.5"), TITLE_CASH),
    ("TT-LAO-DONG-TIEN-TIEN", Some("0.8"), TITLE_CASH),
    ("TT-LAO-DONG-XUAT-SAC", Some("1.5"), TITLE_CASH),
    ("CO-THI-DUA-TINH", None, TITLE_NO_CASH),
    ("CO-THI-DUA-CP", Some("12"), TITLE_CASH),
    ("NHA-GIAO-NHAN-DAN", None, HONORARY),
    ("NHA-GIAO-UU-TU", None, HONORARY),
    ("THAY-THUOC-NHAN-DAN", None, HONORARY),
    ("THAY-THUOC-UU-TU", None, HONORARY),
    ("ANH-HUNG-LAO-DONG", None, HONORARY),
    ("HUAN-CHUONG-LD-1", None, ORDER),
    ("HUAN-CHUONG-LD-2", None, ORDER),
    ("HUAN-CHUONG-LD-3", None, ORDER),
    ("BANG-KHEN-TTG", None, FORM),
    ("BANG-KHEN-UBND-TINH", None, FORM),
    ("GIAY-KHEN", None, FORM),
    ("CONG-DAN-QN-UU-TU", None, PROVINCIAL),
];

const TABLE: &str = "award_types";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    /// One transaction on SQLite too: its column swap must run on one connection, and a
    /// half-done swap must not survive a failure.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // Multiple of the base salary; NULL where the decree gives no figure or it is unchecked.
        m.alter_table(
            Table::alter()
                .table(a(TABLE))
                .add_column(
                    ColumnDef::new(a("cash_coefficient"))
                        .decimal_len(6, 2)
                        .null(),
                )
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(a(TABLE))
                .add_column(
                    ColumnDef::new(a("central_body"))
                        .boolean()
                        .not_null()
                        .default(false),
                )
                .to_owned(),
        )
        .await?;
        allow_no_start_date(m).await?;

        let db = m.get_connection();
        let backend = db.get_database_backend();
        let run = |sql: &str, values: Vec<Value>| {
            db.execute_raw(Statement::from_sql_and_values(backend, sql, values))
        };
        // State awards and those of ministries and central organisations.
        run(
            "UPDATE award_types SET central_body = TRUE WHERE level IN ('CENTRAL', 'MINISTERIAL')",
            vec![],
        )
        .await?;
        let (p1, p2, p3) = match backend {
            DatabaseBackend::Postgres => ("$1", "$2", "$3"),
            _ => ("?", "?", "?"),
        };
        for (code, cash, basis) in FIRST_ROWS {
            // A new column: no administrator can have set it yet.
            if let Some(cash) = cash {
                run(
                    &format!(
                        "UPDATE award_types SET cash_coefficient = CAST({p1} AS NUMERIC(6, 2)) \
                         WHERE code = {p2}"
                    ),
                    vec![(*cash).into(), (*code).into()],
                )
                .await?;
            }
            // An existing column: only where it still holds what the seed put there.
            run(
                &format!(
                    "UPDATE award_types SET legal_basis = {p1} \
                     WHERE code = {p2} AND version = 1 AND legal_basis IN ({p3}, '{}')",
                    OLD_PROVINCIAL
                ),
                vec![(*basis).into(), (*code).into(), OLD_LAW.into()],
            )
            .await?;
        }
        // The seed says the title is "to be studied": not in effect until a resolution exists.
        run(
            "UPDATE award_types SET effective_from = NULL \
             WHERE code = 'CONG-DAN-QN-UU-TU' AND version = 1",
            vec![],
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        db.execute_unprepared(
            "UPDATE award_types SET effective_from = '2024-01-01' WHERE effective_from IS NULL",
        )
        .await?;
        for col in ["cash_coefficient", "central_body"] {
            m.alter_table(
                Table::alter()
                    .table(a(TABLE))
                    .drop_column(a(col))
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}

/// `effective_from` becomes nullable. PostgreSQL drops the constraint; SQLite cannot alter
/// a column, so a nullable twin takes its values and its name.
async fn allow_no_start_date(m: &SchemaManager<'_>) -> Result<(), DbErr> {
    if m.get_database_backend() == DatabaseBackend::Postgres {
        m.get_connection()
            .execute_unprepared("ALTER TABLE award_types ALTER COLUMN effective_from DROP NOT NULL")
            .await?;
        return Ok(());
    }
    m.alter_table(
        Table::alter()
            .table(a(TABLE))
            .add_column(ColumnDef::new(a("effective_from_new")).date().null())
            .to_owned(),
    )
    .await?;
    m.get_connection()
        .execute_unprepared("UPDATE award_types SET effective_from_new = effective_from")
        .await?;
    m.alter_table(
        Table::alter()
            .table(a(TABLE))
            .drop_column(a("effective_from"))
            .to_owned(),
    )
    .await?;
    m.alter_table(
        Table::alter()
            .table(a(TABLE))
            .rename_column(a("effective_from_new"), a("effective_from"))
            .to_owned(),
    )
    .await
}
