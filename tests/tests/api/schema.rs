//! The SDL in `schema/schema.graphql` is the contract with front-end teams.

#[test]
fn committed_schema_matches_the_code() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../schema/schema.graphql");
    let committed = std::fs::read_to_string(&path).expect("schema/schema.graphql is committed");
    let current = thidua_api::sdl();
    assert!(
        committed == current,
        "schema/schema.graphql differs from the code; if the change is deliberate, regenerate it with \
         `cargo run -p thidua-server -- schema > schema/schema.graphql` and review the diff"
    );
}
