//! Pure types and rules of thidua: no IO, no database, no GraphQL.
//!
//! Everything a user can get wrong is parsed here into a type that cannot hold a bad
//! value, so the layers above never re-check.

/// A closed set of values stored as upper-snake strings in the database and in GraphQL.
#[macro_export]
macro_rules! string_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $variant:ident => $s:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name { $($(#[$vm])* $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

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
pub mod award;
pub mod bounds;
pub mod campaign;
pub mod commendation;
pub mod criterion;
pub mod error;
pub mod evidence;
pub mod exemplar;
pub mod milestone;
pub mod nomination;
pub mod number;
pub mod org_unit;
pub mod participation;
pub mod report;
pub mod report_intake;
pub mod scoring;
pub mod target;
pub mod text;

pub use error::{ErrorCode, FieldError, UserErrorCode};
