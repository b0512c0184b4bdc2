//! The exported SDL as the fuzzer needs it: every root field with its arguments, the input
//! types to fill, and selection sets of leaf fields that keep each document valid.

use std::collections::BTreeMap;

use async_graphql::parser::types::{BaseType, Type, TypeKind, TypeSystemDefinition};

/// How many levels of object fields a selection set descends into.
const SELECTION_DEPTH: usize = 3;
/// Leaf fields taken per object (documents must stay under the token limit).
const LEAVES_PER_OBJECT: usize = 12;
/// Object fields descended into per object.
const OBJECTS_PER_OBJECT: usize = 3;

#[derive(Debug, Clone)]
pub struct Arg {
    pub name: String,
    pub ty: Type,
}

#[derive(Debug, Clone)]
pub struct Field {
    pub name: String,
    pub args: Vec<Arg>,
    pub ty: Type,
}

#[derive(Debug, Clone)]
pub enum Kind {
    Scalar,
    Enum(Vec<String>),
    /// Output object or interface: its fields.
    Object(Vec<Field>),
    Union,
    /// Input object: its fields (arguments in shape).
    Input(Vec<Arg>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpKind {
    Query,
    Mutation,
}

impl OpKind {
    pub fn keyword(self) -> &'static str {
        match self {
            Self::Query => "query",
            Self::Mutation => "mutation",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Operation {
    pub kind: OpKind,
    pub field: Field,
    /// The selection set (with braces) of its return type, or "" for a leaf.
    pub selection: String,
}

pub struct Schema {
    pub types: BTreeMap<String, Kind>,
    pub operations: Vec<Operation>,
}

/// The named type at the bottom of list and non-null wrappers.
pub fn named(ty: &Type) -> &str {
    match &ty.base {
        BaseType::Named(n) => n.as_str(),
        BaseType::List(inner) => named(inner),
    }
}

fn to_args(
    defs: &[async_graphql::Positioned<async_graphql::parser::types::InputValueDefinition>],
) -> Vec<Arg> {
    defs.iter()
        .map(|a| Arg {
            name: a.node.name.node.to_string(),
            ty: a.node.ty.node.clone(),
        })
        .collect()
}

fn to_fields(
    defs: &[async_graphql::Positioned<async_graphql::parser::types::FieldDefinition>],
) -> Vec<Field> {
    defs.iter()
        .map(|f| Field {
            name: f.node.name.node.to_string(),
            args: to_args(&f.node.arguments),
            ty: f.node.ty.node.clone(),
        })
        .collect()
}

impl Schema {
    pub fn parse(sdl: &str) -> Self {
        let doc = async_graphql::parser::parse_schema(sdl).expect("schema/schema.graphql parses");
        let mut types = BTreeMap::new();
        for def in doc.definitions {
            let TypeSystemDefinition::Type(t) = def else {
                continue;
            };
            let t = t.node;
            let kind = match t.kind {
                TypeKind::Scalar => Kind::Scalar,
                TypeKind::Enum(e) => Kind::Enum(
                    e.values
                        .iter()
                        .map(|v| v.node.value.node.to_string())
                        .collect(),
                ),
                TypeKind::Object(o) => Kind::Object(to_fields(&o.fields)),
                TypeKind::Interface(i) => Kind::Object(to_fields(&i.fields)),
                TypeKind::Union(_) => Kind::Union,
                TypeKind::InputObject(i) => Kind::Input(to_args(&i.fields)),
            };
            types.insert(t.name.node.to_string(), kind);
        }
        for builtin in ["Int", "Float", "String", "Boolean", "ID"] {
            types.entry(builtin.to_owned()).or_insert(Kind::Scalar);
        }
        let mut schema = Self {
            types,
            operations: vec![],
        };
        for (root, kind) in [("Query", OpKind::Query), ("Mutation", OpKind::Mutation)] {
            let Some(Kind::Object(fields)) = schema.types.get(root) else {
                continue;
            };
            let fields = fields.clone();
            for field in fields {
                let selection = schema.selection(named(&field.ty), 1);
                schema.operations.push(Operation {
                    kind,
                    field,
                    selection,
                });
            }
        }
        schema
    }

    fn is_leaf(&self, name: &str) -> bool {
        matches!(self.types.get(name), Some(Kind::Scalar | Kind::Enum(_)))
    }

    /// `{ __typename leaf… object { … } }` for an output type, "" for a scalar or enum.
    /// Only fields whose arguments are all optional are selected.
    pub fn selection(&self, type_name: &str, depth: usize) -> String {
        match self.types.get(type_name) {
            Some(Kind::Object(fields)) => {
                let callable = |f: &&Field| f.args.iter().all(|a| a.ty.nullable);
                let mut parts = vec!["__typename".to_owned()];
                parts.extend(
                    fields
                        .iter()
                        .filter(callable)
                        .filter(|f| self.is_leaf(named(&f.ty)))
                        .take(LEAVES_PER_OBJECT)
                        .map(|f| f.name.clone()),
                );
                if depth < SELECTION_DEPTH {
                    let nested = fields
                        .iter()
                        .filter(callable)
                        .filter(|f| !self.is_leaf(named(&f.ty)))
                        .filter_map(|f| {
                            let inner = self.selection(named(&f.ty), depth + 1);
                            (!inner.is_empty()).then(|| format!("{} {inner}", f.name))
                        })
                        .take(OBJECTS_PER_OBJECT);
                    parts.extend(nested);
                }
                format!("{{ {} }}", parts.join(" "))
            }
            Some(Kind::Union) => "{ __typename }".to_owned(),
            _ => String::new(),
        }
    }
}
