//! Fields (lĩnh vực).

use async_graphql::{ID, Object};
use thidua_domain::id;
use thidua_persistence::entities::field::Model;

use crate::ids;

#[derive(Clone)]
pub struct Field(pub Model);

/// A field of work (lĩnh vực); breakthrough areas (khâu đột phá) are the programme's priorities.
#[Object]
impl Field {
    pub async fn id(&self) -> ID {
        ids::encode(id::FieldId::from_uuid(self.0.id))
    }

    async fn code(&self) -> &str {
        &self.0.code
    }

    async fn name(&self) -> &str {
        &self.0.name
    }

    async fn is_breakthrough(&self) -> bool {
        self.0.is_breakthrough
    }
}
