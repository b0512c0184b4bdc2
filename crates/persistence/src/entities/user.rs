//! Row of `users`.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    /// Folded text for `search` (see `crate::search`).
    pub search_text: String,
    pub is_active: bool,
    pub created_at: DateTimeUtc,
    /// The unit the account belongs to: administrators of its subtree manage it. NULL:
    /// only administrators of the root do.
    pub unit_id: Option<Uuid>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub last_sign_in_at: Option<DateTimeUtc>,
    /// Set by a password reset: every operation but `changePassword` is refused until then.
    pub must_change_password: bool,
    pub deactivated_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

/// Keeps `search_text` the folded username and display name on every insert and update through a model.
#[async_trait::async_trait]
impl ActiveModelBehavior for ActiveModel {
    async fn before_save<C>(mut self, _db: &C, _insert: bool) -> Result<Self, DbErr>
    where
        C: ConnectionTrait,
    {
        if self.username.is_set() || self.display_name.is_set() {
            let parts = [self.username.try_as_ref(), self.display_name.try_as_ref()];
            let text = crate::search::search_text(parts.into_iter().flatten().map(String::as_str));
            self.search_text = sea_orm::ActiveValue::Set(text);
        }
        Ok(self)
    }
}
