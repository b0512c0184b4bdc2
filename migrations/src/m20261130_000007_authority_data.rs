//! Who decides which award, as data: one row per unit kind with the highest award level
//! its head decides and the legal basis, seeded with the mapping the code held until now
//! (Law 06/2022, art. 80). NĐ 152/2025/NĐ-CP may re-allocate powers (⚠), so an
//! administrator edits a row instead of waiting for a release.

use chrono::Utc;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use uuid::Uuid;

use crate::helpers::{a, fk, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

const TABLE: &str = "unit_authorities";

const PROVINCE: &str = "Luật Thi đua, khen thưởng 2022, Điều 79 (chưa đối chiếu): Chủ tịch \
    UBND tỉnh quyết định khen thưởng cấp tỉnh, đề nghị khen thưởng cấp nhà nước (Điều 83); \
    NĐ 152/2025/NĐ-CP phân cấp lại ⚠";
const HEADS: &str = "Luật Thi đua, khen thưởng 2022, Điều 80: thủ trưởng cơ quan, đơn vị có tư \
    cách pháp nhân, sở, ban, ngành, giám đốc doanh nghiệp, hợp tác xã quyết định Tập thể lao \
    động tiên tiến, Chiến sĩ thi đua cơ sở, Lao động tiên tiến, Giấy khen; NĐ 152/2025/NĐ-CP \
    phân cấp lại ⚠";
const COMMUNE: &str = "Luật Thi đua, khen thưởng 2022, Điều 80: Chủ tịch UBND cấp xã quyết định \
    Lao động tiên tiến, Giấy khen, Gia đình văn hóa; NĐ 152/2025/NĐ-CP phân cấp lại ⚠";
const NONE: &str = "Luật Thi đua, khen thưởng 2022, Điều 80 không giao thẩm quyền khen thưởng \
    cho thôn, tổ dân phố hay nhóm, cụm, khối ⚠";

/// Unit kind, highest level its head decides (none: it holds no council), legal basis.
const ROWS: &[(&str, Option<&str>, &str)] = &[
    ("PROVINCE", Some("PROVINCIAL"), PROVINCE),
    ("DEPARTMENT", Some("GRASSROOTS"), HEADS),
    ("WARD", Some("GRASSROOTS"), COMMUNE),
    ("COMMUNE", Some("GRASSROOTS"), COMMUNE),
    ("SPECIAL_ZONE", Some("GRASSROOTS"), COMMUNE),
    ("AGENCY", Some("GRASSROOTS"), HEADS),
    ("ENTERPRISE", Some("GRASSROOTS"), HEADS),
    ("SCHOOL", Some("GRASSROOTS"), HEADS),
    ("VILLAGE", None, NONE),
    ("RESIDENTIAL_GROUP", None, NONE),
    ("OTHER", None, NONE),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(a(TABLE))
                .col(pk_uuid(a("id")))
                .col(string_len(a("unit_kind"), 30))
                // NULL: the head of such a unit decides no award.
                .col(string_len_null(a("highest_level"), 20))
                .col(text(a("legal_basis")))
                .col(integer(a("version")))
                .col(uuid_null(a("updated_by")))
                .col(timestamp_with_time_zone(a("updated_at")))
                .foreign_key(&mut fk(TABLE, "updated_by", "users"))
                .to_owned(),
        )
        .await?;
        // One row per kind, named alike on both databases (the unique-violation mapping
        // reads index names).
        m.create_index(index(TABLE, &["unit_kind"], true)).await?;
        let now = Utc::now();
        let mut insert = Query::insert();
        insert.into_table(a(TABLE)).columns([
            a("id"),
            a("unit_kind"),
            a("highest_level"),
            a("legal_basis"),
            a("version"),
            a("updated_at"),
        ]);
        for (kind, level, basis) in ROWS {
            insert
                .values([
                    Uuid::now_v7().into(),
                    (*kind).into(),
                    level.map(str::to_owned).into(),
                    (*basis).into(),
                    1.into(),
                    now.into(),
                ])
                .map_err(|e| DbErr::Custom(e.to_string()))?;
        }
        m.exec_stmt(insert).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(a(TABLE)).to_owned()).await
    }
}
