//! Pure types and rules of thidua: no IO, no database, no GraphQL.
//!
//! Everything a user can get wrong is parsed here into a type that cannot hold a bad
//! value, so the layers above never re-check.

/// A closed set of values stored as upper-snake strings in the database and in GraphQL.
///
/// With the `sea-orm` feature (enabled by persistence) the enum is also a sea-orm active
/// enum over the same strings, so entities hold the enum itself: a row is parsed once, when
/// it is fetched, and a value this service never writes fails the fetch loudly instead of
/// turning into some default. `stored_len` is the width of the `varchar` column(s) holding
/// it (see the migrations); 20 unless given.
#[macro_export]
macro_rules! string_enum {
    ($(#[$m:meta])* $name:ident { $($body:tt)* }) => {
        $crate::string_enum!($(#[$m])* $name (stored_len = 20) { $($body)* });
    };
    ($(#[$m:meta])* $name:ident (stored_len = $len:literal) { $($(#[$vm:meta])* $variant:ident => $s:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[cfg_attr(feature = "sea-orm", derive(sea_orm::DeriveActiveEnum, sea_orm::EnumIter))]
        #[cfg_attr(
            feature = "sea-orm",
            sea_orm(
                rs_type = "String",
                db_type = "String(sea_orm::sea_query::StringLen::N(Self::STORED_LEN))"
            )
        )]
        pub enum $name {
            $($(#[$vm])* #[cfg_attr(feature = "sea-orm", sea_orm(string_value = $s))] $variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// Width of the `varchar` column(s) that store this set.
            pub const STORED_LEN: u32 = $len;

            pub const fn as_str(self) -> &'static str {
                match self { $($name::$variant => $s),+ }
            }

            pub fn parse(raw: &str) -> Option<Self> {
                match raw { $($s => Some($name::$variant),)+ _ => None }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

pub mod access;
pub mod account;
pub mod award;
pub mod bounds;
pub mod calendar;
pub mod campaign;
pub mod client;
pub mod clock;
pub mod commendation;
pub mod comparison;
pub mod compliance;
pub mod criterion;
pub mod csv;
pub mod error;
pub mod event;
pub mod evidence;
pub mod exemplar;
pub mod export;
pub mod id;
pub mod journal;
pub mod milestone;
pub mod nomination;
pub mod number;
pub mod org_unit;
pub mod participation;
pub mod password;
pub mod person;
pub mod progress;
pub mod report;
pub mod report_intake;
pub mod scoring;
pub mod session;
pub mod stats;
pub mod target;
pub mod target_breakdown;
pub mod target_rules;
pub mod text;
pub mod webhook;

pub use error::{ErrorCode, FieldError, Message, MessageArg, UserErrorCode};
