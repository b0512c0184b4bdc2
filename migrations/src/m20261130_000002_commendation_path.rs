//! The commendation path as the law runs it: councils belong to a unit, each award says
//! which authority level decides it and on what legal basis its threshold and authority
//! rest, and a commendation may be proposed upward, then conferred or declined there.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::helpers::{a, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Where the 90 %-of-all-members rule is sourced (CSTĐ bộ/tỉnh, CSTĐ toàn quốc, Anh hùng).
const NINETY_BASIS: &str = "NĐ 91/2017/NĐ-CP Điều 45 khoản 8 (đã bãi bỏ): bỏ phiếu kín, \
    tối thiểu 90% tổng số thành viên Hội đồng, thành viên vắng mặt bỏ phiếu bằng văn bản; \
    tỷ lệ theo NĐ 98/2023/NĐ-CP chưa đối chiếu ⚠";
/// Every other threshold: data an administrator corrects when the decree is checked.
const THRESHOLD_UNVERIFIED: &str = "Chưa đối chiếu NĐ 98/2023/NĐ-CP, NĐ 152/2025/NĐ-CP ⚠: \
    tỷ lệ là dữ liệu cấu hình, quản trị viên sửa theo văn bản";
const AUTHORITY_GRASSROOTS: &str = "Luật Thi đua, khen thưởng 2022, Điều 80";
const AUTHORITY_PROVINCIAL: &str = "Luật Thi đua, khen thưởng 2022, Điều 79 (chưa đối chiếu); \
    NĐ 152/2025/NĐ-CP phân cấp lại ⚠";
const AUTHORITY_CENTRAL: &str = "Luật Thi đua, khen thưởng 2022, Điều 83: Chủ tịch UBND tỉnh \
    đề nghị khen thưởng cấp nhà nước qua Thủ tướng Chính phủ";
const AUTHORITY_UNVERIFIED: &str = "Chưa đối chiếu ⚠";

const LIVE_NOMINATION: &str = "ix_commendations_live_nomination";

fn add(table: &str, col: ColumnDef) -> TableAlterStatement {
    Table::alter().table(a(table)).add_column(col).to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        let pg = m.get_database_backend() == sea_orm::DatabaseBackend::Postgres;

        // Award rows: who decides, and the legal basis of the threshold and the authority.
        m.alter_table(add(
            "award_types",
            string_len(a("deciding_level"), 20)
                .default("CENTRAL")
                .to_owned(),
        ))
        .await?;
        m.alter_table(add(
            "award_types",
            text(a("threshold_basis")).default("").to_owned(),
        ))
        .await?;
        m.alter_table(add(
            "award_types",
            text(a("authority_basis")).default("").to_owned(),
        ))
        .await?;
        db.execute_unprepared("UPDATE award_types SET deciding_level = level")
            .await?;
        let esc = |s: &str| s.replace('\'', "''");
        db.execute_unprepared(&format!(
            "UPDATE award_types SET threshold_basis = CASE \
             WHEN code IN ('CSTD-TINH', 'CSTD-TOAN-QUOC', 'ANH-HUNG-LAO-DONG') THEN '{}' \
             ELSE '{}' END",
            esc(NINETY_BASIS),
            esc(THRESHOLD_UNVERIFIED)
        ))
        .await?;
        db.execute_unprepared(&format!(
            "UPDATE award_types SET authority_basis = CASE \
             WHEN category = 'PROVINCIAL_TITLE' THEN '{u}' \
             WHEN deciding_level = 'GRASSROOTS' THEN '{g}' \
             WHEN deciding_level = 'PROVINCIAL' THEN '{p}' \
             WHEN deciding_level = 'CENTRAL' THEN '{c}' \
             ELSE '{u}' END",
            u = esc(AUTHORITY_UNVERIFIED),
            g = esc(AUTHORITY_GRASSROOTS),
            p = esc(AUTHORITY_PROVINCIAL),
            c = esc(AUTHORITY_CENTRAL),
        ))
        .await?;
        // The title's name in the law covers ministries, branches and provinces alike.
        db.execute_unprepared(
            "UPDATE award_types SET name = 'Chiến sĩ thi đua cấp bộ, ban, ngành, tỉnh' \
             WHERE code = 'CSTD-TINH' AND name = 'Chiến sĩ thi đua cấp tỉnh'",
        )
        .await?;

        // A council session belongs to a unit; sessions held so far were the province's.
        m.alter_table(add("council_sessions", uuid_null(a("unit_id"))))
            .await?;
        db.execute_unprepared(
            "UPDATE council_sessions SET unit_id = \
             (SELECT id FROM org_units WHERE parent_id IS NULL ORDER BY id LIMIT 1)",
        )
        .await?;
        if pg {
            db.execute_unprepared(
                "ALTER TABLE council_sessions ALTER COLUMN unit_id SET NOT NULL, \
                 ADD CONSTRAINT fk_council_sessions_unit_id \
                 FOREIGN KEY (unit_id) REFERENCES org_units (id)",
            )
            .await?;
        }
        m.create_index(index("council_sessions", &["unit_id"], false))
            .await?;

        // The path above the council: proposed (with the dossier's date), declined (why),
        // and honours a central body conferred on its own initiative.
        m.alter_table(add("commendations", date_null(a("proposed_on"))))
            .await?;
        m.alter_table(add("commendations", text_null(a("declined_reason"))))
            .await?;
        m.alter_table(add(
            "commendations",
            boolean(a("recorded_directly")).default(false).to_owned(),
        ))
        .await?;

        // A proposal declined upward frees the nomination as a rejection does. One call, so
        // both statements run on one connection: another SQLite connection of the pool may
        // still hold the schema from before the drop.
        db.execute_unprepared(&format!(
            "DROP INDEX {LIVE_NOMINATION}; \
             CREATE UNIQUE INDEX {LIVE_NOMINATION} \
             ON commendations (award_type_id, award_year, recipient_key) \
             WHERE status NOT IN ('REJECTED', 'DECLINED_UPWARD')"
        ))
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        db.execute_unprepared(&format!(
            "DROP INDEX {LIVE_NOMINATION}; \
             CREATE UNIQUE INDEX {LIVE_NOMINATION} \
             ON commendations (award_type_id, award_year, recipient_key) \
             WHERE status <> 'REJECTED'"
        ))
        .await?;
        m.drop_index(
            Index::drop()
                .name("ix_council_sessions_unit_id")
                .table(a("council_sessions"))
                .to_owned(),
        )
        .await?;
        for (table, col) in [
            ("commendations", "recorded_directly"),
            ("commendations", "declined_reason"),
            ("commendations", "proposed_on"),
            ("council_sessions", "unit_id"),
            ("award_types", "authority_basis"),
            ("award_types", "threshold_basis"),
            ("award_types", "deciding_level"),
        ] {
            m.alter_table(
                Table::alter()
                    .table(a(table))
                    .drop_column(a(col))
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}
